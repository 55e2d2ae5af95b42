import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { statSync } from 'node:fs';
import { CheckpointError, ConfigError } from '@vjepa/errors';
import { type StateDict, openTorchCheckpointFile, readFileBytes, readSafetensors, selectStateDict, stripPrefixes } from '@vjepa/io';
import { readCheckpointManifest, readCheckpointModule } from '@vjepa/trainer';
import { VisionTransformer } from '@vjepa/vit';
import type { EvalArch } from './arch';

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
   * an official training checkpoint `.pth.tar`, or a `.safetensors` file.
   */
  checkpoint?: string;
  /** Which encoder: `target_encoder` (default; `encoder` when there is none, as for the pixel objective) or `encoder`. */
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
 * describeStateDict(sd); // "embed_dim 64, depth 2, tubelet 2, patch 8, 32 tokens"
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

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

async function readStateDict(spec: EncoderSpec, log: (line: string) => void): Promise<{ sd: StateDict; description: string }> {
  const path = spec.checkpoint!;
  if (isDirectory(path)) {
    if (spec.prefix !== undefined) throw new ConfigError('--prefix', { expected: 'only with a .safetensors checkpoint', received: `${spec.prefix} with the checkpoint directory ${path}` });
    const manifest = await readCheckpointManifest(path);
    let module: 'targetEncoder' | 'encoder' = spec.key === 'encoder' ? 'encoder' : 'targetEncoder';
    if (module === 'targetEncoder' && manifest.files.targetEncoder === null) {
      if (spec.key === 'target_encoder') throw new CheckpointError(`${manifest.dir}: target_encoder`, { expected: 'a target encoder', received: 'none (a pixel-objective run)', hint: 'evaluate its encoder (--key encoder)' });
      module = 'encoder'; // a pixel-objective run has no target encoder: its online encoder is the one to evaluate
    }
    const key = module === 'encoder' ? 'encoder' : 'target_encoder';
    return { sd: await readCheckpointModule(manifest, module), description: `${basename(manifest.dir)}[${key}]` };
  }
  const file = basename(path);
  if (/\.safetensors$/i.test(path)) {
    const { tensors } = readSafetensors(await readFileBytes(path, { as: 'checkpoint' }), { file: path });
    let prefix = spec.prefix?.replace(/\.$/, '');
    if (prefix === undefined && Object.keys(tensors).some((k) => k.startsWith('target_encoder.'))) prefix = 'target_encoder';
    const sd = prefix ? selectStateDict(tensors, prefix, { file: path }) : stripPrefixes(tensors);
    return { sd, description: `${file}${prefix ? `[${prefix}]` : ''}` };
  }
  if (spec.prefix !== undefined) {
    throw new ConfigError('--prefix', { expected: 'only with a .safetensors checkpoint', received: `${spec.prefix} with ${file}`, hint: 'use --key target_encoder|encoder for .pth.tar files' });
  }
  // Only the one state dict is read: the structure first, then that key's storages (an optimizer
  // state under `opt`, or anything else the file holds, is never inflated).
  const ckpt = await openTorchCheckpointFile(path);
  try {
    let key: string = spec.key ?? 'target_encoder';
    if (spec.key === undefined && ckpt.kindOf(key) === 'none' && ckpt.kindOf('encoder') === 'dict') {
      // a pixel-objective run has no target encoder: its online encoder is the one to evaluate
      log(`${file}: target_encoder is None (a pixel-objective run?); using encoder`);
      key = 'encoder';
    }
    let source: unknown;
    if (ckpt.kindOf(key) !== undefined) source = { [key]: ckpt.get(key) };
    else if (ckpt.keys.length === 0 || ckpt.keys.some((k) => k.startsWith(`${key}.`))) source = ckpt.all(); // not a dict, or a flat one
    else {
      throw new CheckpointError(`${path}: key "${key}"`, {
        expected: `one of the top-level keys: ${ckpt.keys.slice(0, 20).join(', ')}${ckpt.keys.length > 20 ? ', ...' : ''}`,
        received: 'no such key',
        hint: 'evaluation uses target_encoder (--key encoder for the online encoder)',
      });
    }
    return { sd: selectStateDict(source, key, { file: path }), description: `${file}[${key}]` };
  } finally {
    ckpt.close();
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
    throw new ConfigError('encoder', { expected: 'exactly one of a checkpoint or randomInit', received: JSON.stringify(spec) });
  }
  let description: string;
  let encoder: VisionTransformer;
  if (spec.randomInit) {
    const seed = spec.randomInit.seed;
    encoder = new VisionTransformer(arch.vit, { seed, trainable: false });
    description = `random init (seed ${seed})`;
  } else {
    const read = await readStateDict(spec, log);
    description = read.description;
    encoder = new VisionTransformer(arch.vit, { seed: 0, trainable: false });
    try {
      encoder.loadStateDict(read.sd, { file: spec.checkpoint });
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
