import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vjepa/errors';
import { readFileBytes, readNpy, tensorData, toInt32, writeFileAtomic, writeNpy } from '@vjepa/io';
import type { EvalArch } from './arch';
import { type ClipLayout, readClipNpy } from './clip-input';
import { type EncoderSpec, loadEncoder } from './encoder-source';
import { type LoadedPredictor, loadPredictorFor } from './predictor-source';

/**
 * Options of {@link extractMasked}: clips, the kept (context) token indices and, for predictions,
 * the target indices and the mask type.
 *
 * @example
 * const opts: MaskedExtractOptions = { arch, encoder: { checkpoint: 'checkpoint.pt', key: 'encoder' }, input: 'input.npy', indices: 'ctx_idx.npy', out: 'context.npy' };
 */
export interface MaskedExtractOptions {
  arch: EvalArch;
  encoder: EncoderSpec;
  /** A `.npy` clip array `[B, 3, T, H, W]` or `[B, T, H, W, 3]`. */
  input: string;
  /** A `.npy` of token indices `[B, K]` (int32 or int64): the tokens the encoder keeps (the context). */
  indices: string;
  /** A `.npy` of target token indices `[B, Kt]`: predict them with the checkpoint's predictor. */
  targets?: string;
  /** The mask type whose mask token the predictor uses (default 0). */
  maskIndex?: number;
  out: string;
  layout?: ClipLayout;
  batchSize?: number;
  log?: (line: string) => void;
}

async function readIndices(path: string, batch: number, what: string): Promise<number[][]> {
  const t = readNpy(await readFileBytes(path, { as: 'data' }), { file: path });
  if (t.shape.length !== 2 || t.shape[0] !== batch || t.shape[1] < 1) {
    throw new ShapeError(`${path}: ${what}`, { expected: `token indices [${batch}, K] (one row per clip of the input)`, received: `[${t.shape.join(', ')}]` });
  }
  const flat = toInt32(t, `${path}: ${what}`);
  const k = t.shape[1];
  return Array.from({ length: batch }, (_, b) => Array.from(flat.subarray(b * k, (b + 1) * k)));
}

/**
 * Features of kept tokens, and predictions (`vjepa-eval extract --indices [--predict]`): the encoder
 * on only the tokens listed in `indices` (the context encoder's view in V-JEPA training; positions,
 * RoPE rotations included, are those of the kept indices) → `[B, K, D]`; with `targets`, the
 * checkpoint's predictor then predicts the target tokens' features from them with mask token
 * `maskIndex` → `[B, Kt, D]`. Written as float32 `.npy`. V-JEPA trains the predictor with the online
 * encoder, so predictions read `encoder` unless `key` names another (a Hugging Face file holds one encoder).
 *
 * @example
 * await extractMasked({ arch, encoder: { checkpoint: 'checkpoint.pt' }, input: 'input.npy', indices: 'ctx_idx.npy', targets: 'tgt_idx.npy', maskIndex: 1, out: 'predictions.npy' });
 */
export async function extractMasked(options: MaskedExtractOptions): Promise<{ file: string; shape: number[] }> {
  const log = options.log ?? (() => {});
  const batchSize = options.batchSize ?? 16;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError('--batch-size', { expected: 'an integer >= 1', received: String(batchSize) });
  const maskIndex = options.maskIndex ?? 0;
  if (options.targets === undefined && options.maskIndex !== undefined) throw new ConfigError('--mask-index', { expected: 'only with --predict (target indices)', received: String(options.maskIndex) });
  const clips = await readClipNpy(options.input, options.layout);
  const b = clips.shape[0];
  const ctx = await readIndices(options.indices, b, 'context indices');
  const tgt = options.targets === undefined ? undefined : await readIndices(options.targets, b, 'target indices');
  // V-JEPA trains the predictor with the online encoder: predictions start from its features unless `key` says otherwise
  const spec = tgt !== undefined ? { defaultKey: 'encoder' as const, ...options.encoder } : options.encoder;
  const { encoder, description } = await loadEncoder(options.arch, spec, log);
  let predictor: LoadedPredictor | undefined;
  try {
    log(`encoder: ${description} (${options.arch.source}) on ${ctx[0].length} kept token(s) per clip`);
    if (tgt !== undefined) {
      predictor = await loadPredictorFor(options.arch, { checkpoint: options.encoder.checkpoint!, prefix: options.encoder.prefix }, encoder.config);
      log(`predictor: ${predictor.description} (${predictor.predictor.config.useRope ? 'RoPE' : 'sin-cos'}, ${predictor.predictor.config.numMaskTypes} mask token(s)), mask token ${maskIndex}, ${tgt[0].length} target(s) per clip`);
    }
    const per = clips.shape.slice(1).reduce((a, x) => a * x, 1);
    let out: Float32Array | undefined;
    let shape: number[] = [];
    for (let start = 0; start < b; start += batchSize) {
      const n = Math.min(batchSize, b - start);
      const y = tf.tidy(() => {
        const x = tf.tensor(clips.data.subarray(start * per, (start + n) * per), [n, ...clips.shape.slice(1)], 'float32'); // [n, T, H, W, 3]
        const rows = ctx.slice(start, start + n);
        const features = encoder.apply(x, { indices: rows }); // [n, K, D]
        return predictor === undefined ? features : predictor.predictor.apply(features, rows, tgt!.slice(start, start + n), maskIndex); // [n, Kt, D]
      });
      const values = (await y.data()) as Float32Array;
      if (out === undefined) {
        shape = [b, ...y.shape.slice(1)];
        out = new Float32Array(shape.reduce((a, x) => a * x, 1));
      }
      out.set(values, start * (values.length / n));
      y.dispose();
    }
    mkdirSync(dirname(options.out) || '.', { recursive: true });
    await writeFileAtomic(options.out, writeNpy(tensorData('float32', shape, out ?? new Float32Array(0))));
    log(`wrote ${options.out} [${shape.join(', ')}] (${predictor === undefined ? 'features of the kept tokens' : 'predictions of the target tokens'})`);
    return { file: options.out, shape };
  } finally {
    encoder.dispose();
    predictor?.predictor.dispose();
  }
}
