import { CheckpointError, ConfigError } from '@vjepa/errors';
import { type StateDict, isTensorData, stripPrefixes } from '@vjepa/io';
import { AttentiveProbe, type AttentiveProbeOptions } from './attentive-probe';

const CROSS = 'pooler.cross_attention_block';

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (isTensorData(v)) return `a tensor [${v.shape.join(', ')}]`;
  return typeof v === 'object' ? 'a dict' : `${typeof v} ${String(v)}`;
}

function asStateDict(v: unknown, where: string): StateDict {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || isTensorData(v)) {
    throw new CheckpointError(where, { expected: 'a state dict (name -> tensor)', received: describe(v) });
  }
  const bad = Object.entries(v).filter(([, t]) => !isTensorData(t));
  if (bad.length > 0) {
    throw new CheckpointError(where, { expected: 'only tensors', received: bad.slice(0, 5).map(([k, t]) => `"${k}" = ${describe(t)}`).join(', ') });
  }
  return v as StateDict;
}

/**
 * The classifier state dicts of an official probe checkpoint, keys as stored (`module.` prefixes kept;
 * the probes strip them): V-JEPA 2's `{"classifiers": [sd, ...], "opt": ..., "epoch": ...}` (one per
 * probe trained together) or V-JEPA's `{"classifier": sd}` (a list of one). Errors name the keys there are.
 *
 * @example
 * const [classifier] = selectClassifiers(readTorchCheckpoint(bytes, { file: 'ssv2-vitl.pt' }), { file: 'ssv2-vitl.pt' });
 */
export function selectClassifiers(checkpoint: unknown, opts: { file?: string } = {}): StateDict[] {
  const file = opts.file ?? '<checkpoint>';
  if (typeof checkpoint !== 'object' || checkpoint === null || Array.isArray(checkpoint) || isTensorData(checkpoint)) {
    throw new CheckpointError(file, { expected: 'a probe checkpoint dict with "classifiers" or "classifier"', received: describe(checkpoint) });
  }
  const ck = checkpoint as Record<string, unknown>;
  if (Array.isArray(ck.classifiers)) {
    if (ck.classifiers.length === 0) throw new CheckpointError(`${file}: "classifiers"`, { expected: 'at least one state dict', received: 'an empty list' });
    return ck.classifiers.map((sd, i) => asStateDict(sd, `${file}: classifiers[${i}]`));
  }
  if ('classifier' in ck) return [asStateDict(ck.classifier, `${file}: "classifier"`)];
  throw new CheckpointError(`${file}`, {
    expected: 'a "classifiers" list (V-JEPA 2 evals) or a "classifier" state dict (V-JEPA)',
    received: `keys ${Object.keys(ck).join(', ') || '(none)'}`,
  });
}

/**
 * Reads an attentive probe's options from an official state dict's shapes: width, classes, depth
 * (1 + the `pooler.blocks.*`), MLP ratio and layout (`'vjepa2'` when the cross-attention has no
 * `xattn.proj`). Heads are not visible in any shape: pass the encoder's (`numHeads`).
 *
 * @example
 * const opts = attentiveProbeOptionsFromStateDict(classifier, { numHeads: 16 }); // then new AttentiveProbe(opts)
 */
export function attentiveProbeOptionsFromStateDict(
  sd: StateDict,
  opts: { numHeads: number; file?: string; prefixes?: readonly string[] },
): AttentiveProbeOptions {
  const s = stripPrefixes(sd, opts.prefixes ?? ['module.']);
  const where = opts.file ? `${opts.file}: ` : '';
  const shape = (key: string) => {
    const t = s[key];
    if (!t) throw new CheckpointError(`${where}attentive probe key "${key}"`, { expected: 'present', received: `absent (keys: ${Object.keys(s).slice(0, 6).join(', ')}${Object.keys(s).length > 6 ? ', ...' : ''})` });
    return t.shape;
  };
  if (!Number.isInteger(opts.numHeads) || opts.numHeads < 1) {
    throw new ConfigError('attentive probe numHeads', { expected: 'a positive integer (the encoder heads; not visible in the weights)', received: String(opts.numHeads) });
  }
  const embedDim = shape('pooler.query_tokens')[2];
  const numClasses = shape('linear.weight')[0];
  const blocks = new Set(Object.keys(s).map((k) => /^pooler\.blocks\.(\d+)\./.exec(k)?.[1]).filter((x) => x !== undefined));
  const mlpRatio = shape(`${CROSS}.mlp.fc1.weight`)[0] / embedDim;
  const layout = Object.prototype.hasOwnProperty.call(s, `${CROSS}.xattn.proj.weight`) ? 'vjepa' : 'vjepa2';
  return { embedDim, numHeads: opts.numHeads, numClasses, depth: blocks.size + 1, mlpRatio, layout };
}

/**
 * Every probe of an official probe checkpoint (`classifiers` or `classifier`), built with the detected
 * options and loaded strictly. The caller owns (and disposes) the probes.
 *
 * @example
 * const ckpt = readTorchCheckpoint(await readFileBytes('probe.pt'), { file: 'probe.pt' });
 * const [probe] = loadAttentiveProbes(ckpt, { numHeads: 16, file: 'probe.pt' });
 * const logits = probe.apply(features); // [B, C]
 */
export function loadAttentiveProbes(
  checkpoint: unknown,
  opts: { numHeads: number; file?: string; attention?: AttentiveProbeOptions['attention'] },
): AttentiveProbe[] {
  const probes: AttentiveProbe[] = [];
  try {
    for (const sd of selectClassifiers(checkpoint, { file: opts.file })) {
      const probe = new AttentiveProbe({ ...attentiveProbeOptionsFromStateDict(sd, opts), attention: opts.attention });
      probes.push(probe);
      probe.loadStateDict(sd, { file: opts.file });
    }
    return probes;
  } catch (e) {
    for (const p of probes) p.dispose();
    throw e;
  }
}
