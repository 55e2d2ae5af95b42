import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { CheckpointError, ConfigError, VjepaError } from '@vjepa/errors';
import { readFileBytes, readSafetensors, readTorchCheckpoint, selectStateDict, stripPrefixes, type StateDict } from '@vjepa/io';
import { VisionTransformer } from '@vjepa/vit';
import type { EvalArch } from './arch-config';

/**
 * Where an encoder's weights come from: a checkpoint file, or a seeded random initialisation.
 *
 * @example
 * const spec: EncoderSpec = { checkpoint: 'runs/tiny-cpu/jepa-latest.pth.tar' };
 * const control: EncoderSpec = { randomInit: { seed: 0 } };
 */
export interface EncoderSpec {
  /** `.pth.tar` (official training checkpoint) or `.safetensors`. */
  checkpoint?: string;
  /** State dict of a `.pth.tar` (default `target_encoder`; falls back to `encoder` when that is None). */
  key?: 'target_encoder' | 'encoder';
  /** Key prefix inside a `.safetensors` file, e.g. `target_encoder` (default: that, if present, else none). */
  prefix?: string;
  /** A randomly initialised encoder of the same architecture (the "random-init" control). */
  randomInit?: { seed: number };
}

/**
 * A ready encoder plus an identity for caches and reports.
 *
 * @example
 * const { encoder, id } = await loadEncoder(arch, { checkpoint: 'ckpt.pth.tar' });
 * encoder.dispose();
 */
export interface LoadedEncoder {
  encoder: VisionTransformer;
  /** Content hash of the weights' source (checkpoint bytes + key, or the random-init seed + architecture). */
  id: string;
  /** Human-readable origin, e.g. `ckpt.pth.tar[target_encoder]`. */
  description: string;
}

function sha256(...parts: (Uint8Array | string)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

/**
 * A short description of the architecture a state dict implies (width, depth, patch, tubelet), to
 * tell a user which config they need when the checkpoint does not match.
 *
 * @example
 * describeStateDict(sd); // "embed_dim 64, depth 2, patch 8, tubelet 2, 32 tokens"
 */
export function describeStateDict(sd: StateDict): string {
  const parts: string[] = [];
  const norm = sd['norm.weight'];
  if (norm) parts.push(`embed_dim ${norm.shape[0]}`);
  const blocks = Object.keys(sd).map((k) => /^blocks\.(\d+)\./.exec(k)?.[1]).filter((x): x is string => x !== undefined);
  if (blocks.length) parts.push(`depth ${Math.max(...blocks.map(Number)) + 1}`);
  const patch = sd['patch_embed.proj.weight'];
  if (patch) parts.push(patch.shape.length === 5 ? `tubelet ${patch.shape[2]}, patch ${patch.shape[3]}` : `patch ${patch.shape[2]} (2-D, images)`);
  const pos = sd.pos_embed;
  if (pos) parts.push(`${pos.shape[1]} tokens`);
  return parts.join(', ') || 'no encoder keys';
}

function archSummary(arch: EvalArch): string {
  const v = arch.vit;
  return `embed_dim ${v.embedDim}, depth ${v.depth}, heads ${v.numHeads}, patch ${v.patchSize}, tubelet ${v.tubeletSize}, ${v.numFrames} frames, crop ${v.imgSize}`;
}

async function readStateDict(spec: EncoderSpec, log: (line: string) => void): Promise<{ sd: StateDict; id: string; description: string }> {
  const path = spec.checkpoint!;
  const file = basename(path);
  const bytes = await readFileBytes(path, { as: 'checkpoint' });
  if (/\.safetensors$/i.test(path)) {
    const { tensors } = readSafetensors(bytes, { file: path });
    let prefix = spec.prefix?.replace(/\.$/, '');
    if (prefix === undefined && Object.keys(tensors).some((k) => k.startsWith('target_encoder.'))) prefix = 'target_encoder';
    const sd = prefix ? selectStateDict(tensors, prefix, { file: path }) : stripPrefixes(tensors);
    return { sd, id: sha256(bytes, `|prefix=${prefix ?? ''}`), description: `${file}${prefix ? `[${prefix}]` : ''}` };
  }
  if (spec.prefix !== undefined) {
    throw new ConfigError('--prefix', { expected: 'only with a .safetensors checkpoint', received: `${spec.prefix} with ${file}`, hint: 'use --key target_encoder|encoder for .pth.tar files' });
  }
  const ckpt = readTorchCheckpoint(bytes, { file: path });
  let key = spec.key ?? 'target_encoder';
  const top = typeof ckpt === 'object' && ckpt !== null ? (ckpt as Record<string, unknown>) : {};
  if (spec.key === undefined && key in top && top[key] === null && top.encoder) {
    // a pixel-objective run has no target encoder: its online encoder is the one to evaluate
    log(`${file}: target_encoder is None (a pixel-objective run?); using encoder`);
    key = 'encoder';
  }
  const sd = selectStateDict(ckpt, key, { file: path });
  return { sd, id: sha256(bytes, `|key=${key}`), description: `${file}[${key}]` };
}

/**
 * Builds the encoder of `arch` and loads its weights (or initialises it randomly). A checkpoint
 * that does not match the architecture is a CheckpointError listing every missing, unexpected and
 * mis-shaped key, with what the checkpoint looks like and what the config asked for.
 *
 * @example
 * const { encoder, id } = await loadEncoder(readArchConfig('arch.yaml'), { checkpoint: 'checkpoint.pth.tar' });
 */
export async function loadEncoder(arch: EvalArch, spec: EncoderSpec, log: (line: string) => void = () => {}): Promise<LoadedEncoder> {
  if ((spec.checkpoint === undefined) === (spec.randomInit === undefined)) {
    throw new ConfigError('encoder', { expected: 'exactly one of a checkpoint or randomInit', received: JSON.stringify(spec) });
  }
  if (spec.randomInit) {
    const seed = spec.randomInit.seed;
    const encoder = new VisionTransformer(arch.vit, { seed, trainable: false });
    return { encoder, id: sha256(`random-init|seed=${seed}|${JSON.stringify(arch.vit)}`), description: `random init (seed ${seed})` };
  }
  const { sd, id, description } = await readStateDict(spec, log);
  const encoder = new VisionTransformer(arch.vit, { seed: 0, trainable: false });
  try {
    encoder.loadStateDict(sd, { file: spec.checkpoint });
  } catch (e) {
    encoder.dispose();
    if (VjepaError.isInstance(e) && e.name === 'CheckpointError') {
      throw new CheckpointError(`${spec.checkpoint}: ${description} does not match the architecture of ${arch.source}`, {
        expected: archSummary(arch),
        received: `a checkpoint with ${describeStateDict(sd)}; mismatched keys: ${e.received ?? e.message}`,
        hint: 'pass the --config (or --preset) the checkpoint was trained with.',
        cause: e,
      });
    }
    throw e;
  }
  return { encoder, id, description };
}
