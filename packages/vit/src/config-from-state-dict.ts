import { CheckpointError, ConfigError } from '@vjepa/errors';
import type { StateDict } from '@vjepa/io';
import { VIT_PRESETS, type VitConfig, type VitPresetName, resolveVitConfig } from './config';

/** What cannot be read from the weights' shapes, or what you want to fix instead of detecting. */
export interface VitDetectOptions {
  /** Attention heads (not visible in any shape). Default: the preset with the detected size. */
  numHeads?: number;
  /** Force the position scheme. Default: RoPE when the state dict has no `pos_embed`. */
  useRope?: boolean;
  /** Frames per clip. Default: the matched preset's, else from `pos_embed` (16-frame assumption), else 16. */
  numFrames?: number;
  /** Crop in pixels. Default: the matched preset's, else from `pos_embed`, else 224. */
  imgSize?: number;
  /** Sin-cos models: equal dims per axis. Default true. */
  uniformPower?: boolean;
  /** LayerNorm epsilon. Default 1e-6 (every release). */
  layerNormEps?: number;
  /** File name for messages. */
  file?: string;
}

/** An encoder architecture read from a state dict. */
export interface DetectedVit {
  readonly config: Readonly<VitConfig>;
  /** The `VIT_PRESETS` row with this size and scheme, or null. */
  readonly preset: VitPresetName | null;
}

const sameSize = (
  row: (typeof VIT_PRESETS)[VitPresetName],
  d: number,
  depth: number,
  mlpRatio: number,
  useRope: boolean,
) => row.embedDim === d && row.depth === depth && Math.abs(row.mlpRatio - mlpRatio) < 1e-6 && (row.useRope ?? false) === useRope;

/**
 * Reads an official encoder state dict's architecture from its shapes: width, depth, MLP ratio, patch,
 * tubelet, channels, 2-D or 3-D patch embedding; RoPE (V-JEPA 2) when there is no `pos_embed`. Heads are
 * not visible in any shape: they come from `numHeads` or from the preset of the detected size (V-JEPA 2
 * giant: 22 heads, `vit_giant_xformers_rope`). Throws a CheckpointError naming the missing key, or a
 * ConfigError asking for `numHeads` when no preset has this size.
 *
 * @example
 * const { config, preset } = vitConfigFromStateDict(selectStateDict(ckpt, 'target_encoder'), { numHeads: 4 });
 */
export function vitConfigFromStateDict(sd: StateDict, opts: VitDetectOptions = {}): DetectedVit {
  const where = opts.file ? `${opts.file}: ` : '';
  const need = (key: string, rank: number[]) => {
    const t = sd[key];
    if (!t || !rank.includes(t.shape.length)) {
      throw new CheckpointError(`${where}encoder state dict key "${key}"`, {
        expected: `a tensor of rank ${rank.join(' or ')}`,
        received: t ? `[${t.shape.join(', ')}]` : 'no such key',
        hint: 'pass an unprefixed encoder state dict, e.g. selectStateDict(ckpt, "target_encoder")',
      });
    }
    return t.shape;
  };
  const patch = need('patch_embed.proj.weight', [4, 5]); // [D, C, tubelet, p, p] or [D, C, p, p]
  const video = patch.length === 5;
  const [d, inChans] = patch;
  const patchSize = patch[patch.length - 1];
  const tubeletSize = video ? patch[2] : 1;
  const blockIds = new Set<number>();
  for (const k of Object.keys(sd)) {
    const m = /^blocks\.(\d+)\./.exec(k);
    if (m) blockIds.add(Number(m[1]));
  }
  const depth = blockIds.size;
  if (depth === 0 || Math.max(...blockIds) !== depth - 1) {
    throw new CheckpointError(`${where}encoder state dict blocks`, { expected: 'blocks.0 ... blocks.{depth-1}', received: `block indices ${[...blockIds].sort((a, b) => a - b).join(', ') || 'none'}` });
  }
  const hidden = need('blocks.0.mlp.fc1.weight', [2])[0];
  const mlpRatio = hidden / d;
  const pos = sd.pos_embed;
  const useRope = opts.useRope ?? !pos;
  const presets = Object.entries(VIT_PRESETS) as [VitPresetName, (typeof VIT_PRESETS)[VitPresetName]][];
  // among equal sizes, V-JEPA 2's giant is the 22-head xformers one (the released vitg)
  const match = presets.filter(([, row]) => sameSize(row, d, depth, mlpRatio, useRope)).sort(([a], [b]) => Number(b.includes('xformers')) - Number(a.includes('xformers')))[0];
  const preset = match?.[0] ?? null;
  const numHeads = opts.numHeads ?? match?.[1].numHeads;
  if (numHeads === undefined) {
    throw new ConfigError(`${where}encoder numHeads`, {
      expected: 'numHeads (attention heads are not visible in the weights)',
      received: `a ${useRope ? 'RoPE' : 'sin-cos'} encoder of width ${d}, depth ${depth}, MLP ${hidden}, which no preset has`,
      hint: 'pass { numHeads } (the official config key is model.num_heads), or name a preset',
    });
  }
  let numFrames = opts.numFrames ?? match?.[1].numFrames;
  let imgSize = opts.imgSize ?? match?.[1].imgSize;
  if (pos && !useRope && (numFrames === undefined || imgSize === undefined)) {
    // the table covers (frames / tubelet) x s x s tokens; 16 frames is every V-JEPA release
    const frames = !video ? 1 : (numFrames ?? 16);
    const perFrame = pos.shape[1] / (video ? frames / tubeletSize : 1);
    const side = Math.round(Math.sqrt(perFrame));
    if (imgSize === undefined && side * side === perFrame) imgSize = side * patchSize;
    numFrames = frames;
  }
  const config = resolveVitConfig({
    embedDim: d,
    depth,
    numHeads,
    mlpRatio,
    patchSize,
    tubeletSize: video ? tubeletSize : 2,
    numFrames: video ? (numFrames ?? 16) : 1,
    imgSize: imgSize ?? 224,
    inChans,
    useRope,
    uniformPower: opts.uniformPower ?? true,
    layerNormEps: opts.layerNormEps ?? 1e-6,
  });
  return { config, preset };
}
