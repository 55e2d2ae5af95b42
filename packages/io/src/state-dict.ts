import { CheckpointError } from '@vjepa/errors';
import { type StateDict, type TensorData, isTensorData } from './tensor-data';

/**
 * The prefixes {@link stripPrefixes} removes by default: DistributedDataParallel's `module.` and
 * the official MultiMaskWrapper's `backbone.`.
 *
 * @example
 * DEFAULT_PREFIXES; // ['module.', 'backbone.']
 */
export const DEFAULT_PREFIXES: readonly string[] = ['module.', 'backbone.'];

/**
 * Removes wrapper prefixes from the front of every key, repeatedly (so `module.backbone.x` becomes
 * `x`). Throws if two keys collapse onto one name.
 *
 * @example
 * stripPrefixes({ 'module.backbone.norm.weight': w }); // { 'norm.weight': w }
 */
export function stripPrefixes(sd: StateDict, prefixes: readonly string[] = DEFAULT_PREFIXES): StateDict {
  const out: StateDict = {};
  const from: Record<string, string> = {};
  for (const [key, value] of Object.entries(sd)) {
    let k = key;
    for (let changed = true; changed; ) {
      changed = false;
      for (const p of prefixes) {
        if (p.length > 0 && k.startsWith(p)) {
          k = k.slice(p.length);
          changed = true;
        }
      }
    }
    if (Object.prototype.hasOwnProperty.call(from, k)) {
      throw new CheckpointError(`state dict keys "${from[k]}" and "${key}"`, {
        expected: 'distinct names after stripping prefixes',
        received: `both become "${k}"`,
        hint: 'Pass the prefixes to strip explicitly.',
      });
    }
    from[k] = key;
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * Options for {@link selectStateDict}.
 *
 * @example
 * selectStateDict(ckpt, 'classifier', { file: 'probe.pth.tar', prefixes: ['module.'] });
 */
export interface SelectStateDictOptions {
  /** File name used in error messages. */
  file?: string;
  /** Prefixes to strip (default {@link DEFAULT_PREFIXES}); `[]` keeps keys as they are. */
  prefixes?: readonly string[];
}

function describeValue(v: unknown): string {
  if (v === null) return 'None';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (isTensorData(v)) return `a ${v.dtype} tensor [${v.shape.join(', ')}]`;
  if (typeof v === 'object') return 'a dict';
  return `${typeof v} ${String(v)}`;
}

/**
 * Picks one state dict out of a checkpoint (e.g. `target_encoder` from a training checkpoint, or
 * `classifier` from a probe one) and strips `module.`/`backbone.` prefixes. Also works on a flat
 * dict such as a safetensors file, selecting the keys under `<key>.`. Errors list the keys there are.
 *
 * @example
 * const sd = selectStateDict(readTorchCheckpoint(bytes, { file }), 'target_encoder', { file });
 * sd['blocks.0.attn.qkv.weight'].shape; // [3 * D, D]
 */
export function selectStateDict(checkpoint: unknown, key: string, opts: SelectStateDictOptions = {}): StateDict {
  const file = opts.file ?? '<checkpoint>';
  if (typeof checkpoint !== 'object' || checkpoint === null || Array.isArray(checkpoint) || isTensorData(checkpoint)) {
    throw new CheckpointError(`${file}`, { expected: `a dict holding "${key}"`, received: describeValue(checkpoint) });
  }
  const ck = checkpoint as Record<string, unknown>;
  const available = Object.keys(ck);
  let sd: Record<string, unknown>;
  if (Object.prototype.hasOwnProperty.call(ck, key)) {
    const v = ck[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v) || isTensorData(v)) {
      throw new CheckpointError(`${file}: key "${key}"`, { expected: 'a state dict (name -> tensor)', received: describeValue(v) });
    }
    sd = v as Record<string, unknown>;
  } else {
    const prefix = `${key}.`;
    const under = available.filter((k) => k.startsWith(prefix));
    if (under.length === 0) {
      const tops = [...new Set(available.map((k) => (isTensorData(ck[k]) ? `${k.split('.')[0]}.*` : k)))];
      throw new CheckpointError(`${file}: key "${key}"`, {
        expected: `one of the available keys: ${tops.join(', ')}`,
        received: 'no such key',
        hint: 'Evaluation uses "target_encoder"; probe checkpoints hold "classifier".',
      });
    }
    sd = {};
    for (const k of under) sd[k.slice(prefix.length)] = ck[k];
  }
  const bad = Object.entries(sd).filter(([, v]) => !isTensorData(v));
  if (bad.length > 0) {
    throw new CheckpointError(`${file}: state dict "${key}"`, {
      expected: 'only tensors',
      received: bad.slice(0, 8).map(([k, v]) => `"${k}" = ${describeValue(v)}`).join(', ') + (bad.length > 8 ? `, and ${bad.length - 8} more` : ''),
    });
  }
  return stripPrefixes(sd as StateDict, opts.prefixes ?? DEFAULT_PREFIXES);
}

/**
 * The outcome of {@link matchStateDict}.
 *
 * @example
 * const { loaded, missing, unexpected, mismatched }: LoadReport = matchStateDict(shapes, sd, { allowPartial: true });
 */
export interface LoadReport {
  /** Keys present with the expected shape. */
  loaded: string[];
  /** Keys the model expects that the state dict lacks. */
  missing: string[];
  /** Keys of the state dict the model does not have. */
  unexpected: string[];
  /** Keys present with a different shape (never counted as loaded). */
  mismatched: { key: string; expected: number[]; received: number[] }[];
}

/**
 * Options for {@link matchStateDict}.
 *
 * @example
 * matchStateDict(shapes, sd, { file: 'ckpt.pth.tar', what: 'target_encoder' });
 */
export interface MatchStateDictOptions {
  /** File name used in error messages. */
  file?: string;
  /** Return the report instead of throwing when keys are missing, unexpected or mis-shaped. */
  allowPartial?: boolean;
  /** What is being loaded, for messages (default `state dict`). */
  what?: string;
}

/**
 * Compares a state dict with the shapes a model expects. Unless `allowPartial`, throws one
 * CheckpointError listing EVERY missing, unexpected and mis-shaped key (no silent partial loads).
 *
 * @example
 * const report = matchStateDict({ 'norm.weight': [64] }, sd, { file: 'ckpt.pth.tar', what: 'target_encoder' });
 * report.loaded; // ['norm.weight']
 */
export function matchStateDict(
  expected: Record<string, readonly number[]>,
  actual: StateDict,
  opts: MatchStateDictOptions = {},
): LoadReport {
  const report: LoadReport = { loaded: [], missing: [], unexpected: [], mismatched: [] };
  for (const [key, shape] of Object.entries(expected)) {
    const t: TensorData | undefined = Object.prototype.hasOwnProperty.call(actual, key) ? actual[key] : undefined;
    if (t === undefined) report.missing.push(key);
    else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      report.mismatched.push({ key, expected: [...shape], received: [...t.shape] });
    } else report.loaded.push(key);
  }
  for (const key of Object.keys(actual)) {
    if (!Object.prototype.hasOwnProperty.call(expected, key)) report.unexpected.push(key);
  }
  const problems = report.missing.length + report.unexpected.length + report.mismatched.length;
  if (problems > 0 && !opts.allowPartial) {
    const parts: string[] = [];
    if (report.missing.length) parts.push(`${report.missing.length} missing (${report.missing.join(', ')})`);
    if (report.unexpected.length) parts.push(`${report.unexpected.length} unexpected (${report.unexpected.join(', ')})`);
    if (report.mismatched.length) {
      parts.push(`${report.mismatched.length} mis-shaped (${report.mismatched.map((m) => `${m.key}: expected [${m.expected.join(', ')}], received [${m.received.join(', ')}]`).join('; ')})`);
    }
    throw new CheckpointError(`${opts.file ?? '<state dict>'}: ${opts.what ?? 'state dict'}`, {
      expected: `the ${Object.keys(expected).length} keys and shapes of the model`,
      received: parts.join('; '),
      hint: 'Check the checkpoint key (target_encoder, encoder, classifier), the model size and patch/tubelet/frames settings; pass allowPartial to load only what matches.',
    });
  }
  return report;
}
