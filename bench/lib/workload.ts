// The benchmark's workloads (model sizes, batch, step counts) and the on-disk layout both sides read.
// A workload folder holds everything one training run needs, made beforehand so neither side times
// data loading or mask sampling:
//   config.json                 BenchConfig + the per-iteration lr / wd / momentum + AdamW betas, eps
//   encoder.safetensors         initial encoder weights (official names; the target encoder copies them)
//   predictor.safetensors       initial predictor weights
//   clips-<j>.npy               float32 [B, T, H, W, 3] (channels-last, our layout), j < numBatches
//   masks/s<step>-k<type>-context.npy / -target.npy   int32 [B, K] per step and mask type
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One benchmark configuration. */
export interface BenchConfig {
  readonly name: string;
  readonly embedDim: number;
  readonly depth: number;
  readonly numHeads: number;
  readonly predEmbedDim: number;
  readonly predDepth: number;
  /** Predictor heads: the encoder's, as `predictorConfigFor` (and the reference) do. */
  readonly predNumHeads: number;
  readonly numFrames: number;
  readonly imgSize: number;
  readonly patchSize: number;
  readonly tubeletSize: number;
  readonly batchSize: number;
  /** Untimed steps first (allocator warm-up, kernel caches). */
  readonly warmup: number;
  /** Timed steps; the median is reported. */
  readonly timed: number;
  /** Distinct clip batches, cycled (masks are distinct every step). */
  readonly numBatches: number;
}

/**
 * The two configurations. D192 uses 3 heads (head dim 64, as ViT-Ti and the released
 * models); the predictor inherits the encoder's head count, as the reference's does.
 *
 * @example
 * const tiny = BENCH_CONFIGS.tiny; // D96, depth 4, 4 heads, predictor 64x2, 8x32x32, batch 8
 */
export const BENCH_CONFIGS: Readonly<Record<string, BenchConfig>> = Object.freeze({
  tiny: {
    name: 'tiny',
    embedDim: 96,
    depth: 4,
    numHeads: 4,
    predEmbedDim: 64,
    predDepth: 2,
    predNumHeads: 4,
    numFrames: 8,
    imgSize: 32,
    patchSize: 8,
    tubeletSize: 2,
    batchSize: 8,
    warmup: 3,
    timed: 10,
    numBatches: 4,
  },
  d192: {
    name: 'd192',
    embedDim: 192,
    depth: 6,
    numHeads: 3,
    predEmbedDim: 96,
    predDepth: 4,
    predNumHeads: 3,
    numFrames: 8,
    imgSize: 64,
    patchSize: 8,
    tubeletSize: 2,
    batchSize: 16,
    warmup: 2,
    timed: 5,
    numBatches: 2,
  },
  // The GPU machine's configurations (bench/device): a ViT-S-like 16x224 model and ViT-L/16, batch 24.
  vits16: {
    name: 'vits16',
    embedDim: 384,
    depth: 12,
    numHeads: 6,
    predEmbedDim: 192,
    predDepth: 6,
    predNumHeads: 6,
    numFrames: 16,
    imgSize: 224,
    patchSize: 16,
    tubeletSize: 2,
    batchSize: 24,
    warmup: 2,
    timed: 5,
    numBatches: 1,
  },
  vitl16: {
    name: 'vitl16',
    embedDim: 1024,
    depth: 24,
    numHeads: 16,
    predEmbedDim: 384,
    predDepth: 12,
    predNumHeads: 16,
    numFrames: 16,
    imgSize: 224,
    patchSize: 16,
    tubeletSize: 2,
    batchSize: 24,
    warmup: 2,
    timed: 5,
    numBatches: 1,
  },
});

/** What `config.json` holds. */
export interface WorkloadFile {
  readonly config: BenchConfig;
  readonly seed: number;
  readonly steps: number;
  /** lr, wd, momentum of iteration i (from the trainer's own schedules). */
  readonly schedule: readonly { lr: number; wd: number; momentum: number }[];
  readonly betas: readonly [number, number];
  readonly eps: number;
  /** PyTorch's F.layer_norm default, used on the targets. */
  readonly targetLayerNormEps: number;
  /** The blocks' LayerNorm eps. */
  readonly layerNormEps: number;
  readonly mlpRatio: number;
  readonly uniformPower: boolean;
  readonly numMaskTypes: number;
  /** Context / target lengths per step and mask type. */
  readonly maskSizes: readonly { context: number; target: number }[][];
}

/** Paths inside a workload folder. */
export const workloadPaths = {
  config: (dir: string) => join(dir, 'config.json'),
  encoder: (dir: string) => join(dir, 'encoder.safetensors'),
  predictor: (dir: string) => join(dir, 'predictor.safetensors'),
  clips: (dir: string, j: number) => join(dir, `clips-${j}.npy`),
  mask: (dir: string, step: number, k: number, which: 'context' | 'target') => join(dir, 'masks', `s${step}-k${k}-${which}.npy`),
};

/**
 * Reads a workload's `config.json`.
 *
 * @example
 * const w = readWorkload('/tmp/vjepa-bench/tiny');
 */
export function readWorkload(dir: string): WorkloadFile {
  return JSON.parse(readFileSync(workloadPaths.config(dir), 'utf8')) as WorkloadFile;
}

/** Median of a list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
