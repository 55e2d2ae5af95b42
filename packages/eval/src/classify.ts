import { mkdirSync, statSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { listVideoFiles, videoClips } from '@vjepa/data';
import { ConfigError } from '@vjepa/errors';
import { tensorData, writeFileAtomic, writeNpy } from '@vjepa/io';
import { AttentiveProbe, attentiveProbeOptionsFromStateDict } from '@vjepa/probe';
import { type EvalArch, clipOf } from './arch';
import { type ClipLayout, readClipNpy } from './clip-input';
import { encodeClips } from './encode';
import { type EncoderSpec, loadEncoder } from './encoder-source';
import { readProbeCheckpoint } from './weights-file';

/**
 * Options of {@link classifyWithProbe}.
 *
 * @example
 * const opts: ClassifyOptions = { arch, encoder: { checkpoint: 'vitl.pt' }, probeCheckpoint: 'ssv2-vitl-16x2x3.pt', input: 'clip.npy', out: 'logits.npy' };
 */
export interface ClassifyOptions {
  arch: EvalArch;
  encoder: EncoderSpec;
  /**
   * A trained attentive probe: V-JEPA 2's `{"classifiers": [...]}` `.pt`, V-JEPA's `{"classifier": ...}`
   * `.pth.tar`, or a Hugging Face `VJEPA2ForVideoClassification` `model.safetensors`.
   */
  probeCheckpoint: string;
  /** A `.npy` clip array (one item per clip), a video, or a folder of videos (one item per video: its clips' tokens concatenated). */
  input: string;
  /** Output `.npy` of logits `[items, classes]`; for a folder also `<out>.txt` listing the videos. */
  out: string;
  /** Which probe of a checkpoint holding several (default 0). */
  classifier?: number;
  /** Probe heads (not in its weights). Default `arch.probeHeads`, else the encoder's heads. */
  probeHeads?: number;
  layout?: ClipLayout;
  batchSize?: number;
  ffmpegPath?: string;
  log?: (line: string) => void;
}

/**
 * What {@link classifyWithProbe} computed.
 *
 * @example
 * const { logits, shape, predictions } = await classifyWithProbe(opts); // shape [items, classes]
 */
export interface ClassifyResult {
  logits: Float32Array;
  shape: [number, number];
  /** The arg-max class of each item. */
  predictions: number[];
  /** How many probes the checkpoint holds. */
  classifiers: number;
  items: string[];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Classifies clips with a trained attentive probe on a frozen encoder (`vjepa-eval probe
 * --probe-checkpoint`): the encoder's tokens of each item, then the probe's logits, written as
 * float32 `.npy` `[items, classes]`. The probe's layout (V-JEPA or V-JEPA 2: blocks over the tokens
 * first, no `xattn.proj`), depth, width and classes are read from its weights; its heads are not in
 * them: `probeHeads`, else `arch.probeHeads` (16 for the V-JEPA 2 releases), else the encoder's.
 *
 * @example
 * const { predictions } = await classifyWithProbe({ arch, encoder: { checkpoint: 'checkpoint.pt' }, probeCheckpoint: 'probe.pt', input: 'input.npy', out: 'logits.npy' });
 */
export async function classifyWithProbe(options: ClassifyOptions): Promise<ClassifyResult> {
  const log = options.log ?? (() => {});
  const { arch } = options;
  const dir = isDirectory(options.input);
  const isNpy = !dir && extname(options.input).toLowerCase() === '.npy';
  if (options.layout !== undefined && !isNpy) throw new ConfigError('--layout', { expected: 'only with a .npy input', received: options.input });
  const { classifiers } = await readProbeCheckpoint(options.probeCheckpoint);
  const index = options.classifier ?? 0;
  if (!Number.isInteger(index) || index < 0 || index >= classifiers.length) {
    throw new ConfigError('--classifier', { expected: `an index in [0, ${classifiers.length}) (${options.probeCheckpoint} holds ${classifiers.length} probe(s))`, received: String(index) });
  }
  const numHeads = options.probeHeads ?? arch.probeHeads ?? arch.vit.numHeads;
  const probe = new AttentiveProbe(attentiveProbeOptionsFromStateDict(classifiers[index], { numHeads, file: options.probeCheckpoint }));
  let loaded;
  try {
    probe.loadStateDict(classifiers[index], { file: options.probeCheckpoint });
    log(`probe: ${options.probeCheckpoint} #${index} of ${classifiers.length} (${probe.layout === 'vjepa2' ? 'V-JEPA 2' : 'V-JEPA'} layout, depth ${probe.depth}, ${numHeads} heads, ${probe.numClasses} classes)`);
    loaded = await loadEncoder(arch, options.encoder, log);
    log(`encoder: ${loaded.description} (${arch.source})`);
    const enc = { batchSize: options.batchSize };
    const batches: { tokens: Float32Array; shape: number[] }[] = [];
    const items: string[] = [];
    if (isNpy) {
      const clips = await readClipNpy(options.input, options.layout);
      const f = await encodeClips(loaded.encoder, clips.data, clips.shape, enc); // [B, N, D]
      batches.push({ tokens: f.data, shape: f.shape });
      for (let i = 0; i < clips.shape[0]; i++) items.push(`${options.input}[${i}]`);
    } else {
      for (const video of dir ? await listVideoFiles(options.input) : [options.input]) {
        const clips = await videoClips(video, clipOf(arch), { ffmpegPath: options.ffmpegPath });
        const f = await encodeClips(loaded.encoder, clips.clips, clips.shape, enc); // [clips, N, D]
        batches.push({ tokens: f.data, shape: [1, f.shape[0] * f.shape[1], f.shape[2]] }); // a video's segments along the token axis
        items.push(video);
      }
    }
    const rows: Float32Array[] = [];
    const step = options.batchSize ?? 16;
    for (const b of batches) {
      const [count, n, d] = b.shape;
      for (let start = 0; start < count; start += step) {
        const k = Math.min(step, count - start);
        const logits = tf.tidy(() => probe.apply(tf.tensor3d(b.tokens.subarray(start * n * d, (start + k) * n * d), [k, n, d]))); // [k, C]
        rows.push((await logits.data()) as Float32Array);
        logits.dispose();
      }
    }
    const c = probe.numClasses;
    const logits = new Float32Array(items.length * c);
    rows.reduce((at, r) => (logits.set(r, at), at + r.length), 0);
    const predictions = items.map((_, i) => {
      let best = 0;
      for (let k = 1; k < c; k++) if (logits[i * c + k] > logits[i * c + best]) best = k;
      return best;
    });
    mkdirSync(dirname(options.out) || '.', { recursive: true });
    await writeFileAtomic(options.out, writeNpy(tensorData('float32', [items.length, c], logits)));
    if (dir) await writeFileAtomic(`${options.out}.txt`, `${items.map((v, i) => `${v} ${predictions[i]}`).join('\n')}\n`);
    log(`wrote ${options.out} [${items.length}, ${c}] (logits)${dir ? ` and ${options.out}.txt (video, predicted class)` : ''}; predicted classes: ${predictions.slice(0, 16).join(' ')}${predictions.length > 16 ? ' ...' : ''}`);
    return { logits, shape: [items.length, c], predictions, classifiers: classifiers.length, items };
  } finally {
    probe.dispose();
    loaded?.encoder.dispose();
  }
}
