import { createHash } from 'node:crypto';
import { CheckpointError, ConfigError } from '@vjepa/errors';
import type { StateDict } from '@vjepa/io';
import { VisionTransformer } from '@vjepa/vit';
import type { EvalArch } from './arch';
import { type WeightsRead, readEncoderWeights } from './weights-file';

/**
 * Where an encoder's weights come from: a checkpoint, or a seeded random initialisation.
 *
 * @example
 * const run: EncoderSpec = { checkpoint: 'runs/main' }; // a run folder or checkpoint directory (our format)
 * const official: EncoderSpec = { checkpoint: 'vitl16.pth.tar', key: 'target_encoder' };
 * const control: EncoderSpec = { randomInit: { seed: 0 } };
 */
export interface EncoderSpec {
  /**
   * A checkpoint directory of ours (or a run folder / checkpoints folder whose `latest` names one),
   * an official V-JEPA or V-JEPA 2 training checkpoint (`.pth.tar`, `.pt`; only the encoder read is
   * read from it), a `.safetensors` file, or a Hugging Face V-JEPA 2 `model.safetensors`.
   */
  checkpoint?: string;
  /** Which encoder: `target_encoder` (default; `encoder` when there is none, as for the pixel objective) or `encoder`. */
  key?: 'target_encoder' | 'encoder';
  /** Key prefix inside a `.safetensors` file, e.g. `target_encoder` (default: that, if present, else none). */
  prefix?: string;
  /** The encoder read when `key` is not given (default `target_encoder`); a Hugging Face file (one encoder) ignores it. */
  defaultKey?: 'target_encoder' | 'encoder';
  /** A randomly initialised encoder of the same architecture (the "random-init" control). */
  randomInit?: { seed: number };
  /** The weights of `checkpoint`, already read (e.g. by `detectArch`), so they are not read again. */
  weights?: WeightsRead;
}

/**
 * A ready encoder plus an identity for caches and reports.
 *
 * @example
 * const { encoder, id } = await loadEncoder(arch, { checkpoint: 'runs/main' });
 * encoder.dispose();
 */
export interface LoadedEncoder {
  encoder: VisionTransformer;
  /** {@link weightsKey} of the loaded weights: the same weights give the same id, whatever file they came from. */
  id: string;
  /** Human-readable origin, e.g. `step-00001000[target_encoder]`. */
  description: string;
}

/**
 * A content hash of a state dict (names, dtypes, shapes and values, in name order): what keys the
 * feature cache, so that rewriting a file (another format, other metadata) keeps its features.
 *
 * @example
 * weightsKey(await encoder.stateDict()); // "3f2a..." (hex SHA-256)
 */
export function weightsKey(sd: StateDict): string {
  const h = createHash('sha256');
  for (const name of Object.keys(sd).sort()) {
    const t = sd[name];
    h.update(`${name}|${t.dtype}|${t.shape.join(',')}|`);
    h.update(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return h.digest('hex');
}

/**
 * A short description of the architecture a state dict implies (width, depth, patch, tubelet), to
 * tell a user which config they need when the checkpoint does not match.
 *
 * @example
 * describeStateDict(sd); // "embed_dim 64, depth 2, tubelet 2, patch 8, 32 tokens" (V-JEPA 2: "..., no pos_embed (V-JEPA 2 RoPE)")
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
  else if (patch) parts.push('no pos_embed (V-JEPA 2 RoPE)');
  return parts.join(', ') || 'no encoder keys';
}

function archSummary(arch: EvalArch): string {
  const v = arch.vit;
  return `embed_dim ${v.embedDim}, depth ${v.depth}, heads ${v.numHeads}, patch ${v.patchSize}, tubelet ${v.tubeletSize}, ${v.numFrames} frames, crop ${v.imgSize}${v.useRope ? ', RoPE (V-JEPA 2)' : ''}`;
}

/**
 * Refuses, before anything is built, weights of the other model family than the architecture:
 * a V-JEPA 2 (RoPE) encoder has no `pos_embed`, a V-JEPA (sin-cos) one has it. The message names
 * both families and how to say which one the checkpoint is.
 */
function checkFamily(arch: EvalArch, sd: StateDict, checkpoint: string, description: string): void {
  if (!sd['patch_embed.proj.weight']) return; // not an encoder at all: the key report says more
  const fileIsRope = sd.pos_embed === undefined;
  if (fileIsRope && !arch.vit.useRope) {
    throw new CheckpointError(`${checkpoint}: ${description} is a V-JEPA 2 (RoPE) encoder, but ${arch.source} describes a V-JEPA (sin-cos) one`, {
      expected: `a V-JEPA encoder with a pos_embed table (${archSummary(arch)})`,
      received: `a V-JEPA 2 encoder state dict: no pos_embed (its attention rotates q and k), ${describeStateDict(sd)}`,
      hint: 'set model.use_rope: true in the --config (or a vit_*_rope model_name), name the release with --preset vitl|vith|vitg|vitg-384, or give neither --config nor --preset to read the architecture from the weights.',
    });
  }
  if (!fileIsRope && arch.vit.useRope && !arch.ignorePosEmbed) {
    throw new CheckpointError(`${checkpoint}: ${description} is a V-JEPA (sin-cos) encoder, but ${arch.source} describes a V-JEPA 2 (RoPE) one`, {
      expected: `a V-JEPA 2 encoder without a position table (${archSummary(arch)})`,
      received: `a state dict with pos_embed [${sd.pos_embed.shape.join(', ')}], the layout of a V-JEPA encoder (${describeStateDict(sd)})`,
      hint: 'for a V-JEPA checkpoint set model.use_rope: false (or a model_name without _rope). A released V-JEPA 2 .pt that still carries its unused pos_embed loads with --preset vitl|vith|vitg|vitg-384.',
    });
  }
}

/**
 * Builds the encoder of `arch` and loads its weights (or initialises it randomly). A checkpoint
 * that does not match the architecture is a CheckpointError listing every missing, unexpected and
 * mis-shaped key, with what the checkpoint looks like and what the architecture asked for. The id
 * is the {@link weightsKey} of the loaded weights.
 *
 * @example
 * const ckpt = await openCheckpoint('runs/main');
 * const { encoder, id } = await loadEncoder(ckpt.arch, { checkpoint: ckpt.dir });
 */
export async function loadEncoder(arch: EvalArch, spec: EncoderSpec, log: (line: string) => void = () => {}): Promise<LoadedEncoder> {
  if ((spec.checkpoint === undefined) === (spec.randomInit === undefined)) {
    throw new ConfigError('encoder', { expected: 'exactly one of a checkpoint or randomInit', received: JSON.stringify({ checkpoint: spec.checkpoint, randomInit: spec.randomInit }) });
  }
  let description: string;
  let encoder: VisionTransformer;
  if (spec.randomInit) {
    const seed = spec.randomInit.seed;
    encoder = new VisionTransformer(arch.vit, { seed, trainable: false });
    description = `random init (seed ${seed})`;
  } else {
    const read = spec.weights ?? (await readEncoderWeights({ checkpoint: spec.checkpoint!, key: spec.key, prefix: spec.prefix, defaultKey: spec.defaultKey }, log));
    description = read.description;
    checkFamily(arch, read.sd, spec.checkpoint!, description);
    const dropPosEmbed = arch.vit.useRope && arch.ignorePosEmbed === true && read.sd.pos_embed !== undefined;
    if (dropPosEmbed) log(`${description}: dropped its unused pos_embed [${read.sd.pos_embed.shape.join(', ')}] (a released V-JEPA 2 file; the model uses RoPE)`);
    encoder = new VisionTransformer(arch.vit, { seed: 0, trainable: false });
    try {
      encoder.loadStateDict(read.sd, { file: spec.checkpoint, ignorePosEmbed: dropPosEmbed });
    } catch (e) {
      encoder.dispose();
      if (CheckpointError.isInstance(e)) {
        throw new CheckpointError(`${spec.checkpoint}: ${description} does not match the architecture of ${arch.source}`, {
          expected: archSummary(arch),
          received: `a checkpoint with ${describeStateDict(read.sd)}; mismatched keys: ${e.received ?? e.message}`,
          hint: 'pass the --config (or --preset) the checkpoint was trained with.',
          cause: e,
        });
      }
      throw e;
    }
  }
  return { encoder, id: weightsKey(await encoder.stateDict()), description };
}
