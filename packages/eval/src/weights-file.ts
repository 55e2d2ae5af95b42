import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { CheckpointError, ConfigError } from '@vjepa/errors';
import {
  type StateDict,
  type TorchCheckpoint,
  fromHfVjepa2,
  isHfVjepa2StateDict,
  openTorchCheckpointFile,
  readFileBytes,
  readSafetensors,
  selectStateDict,
  stripPrefixes,
} from '@vjepa/io';
import { selectClassifiers } from '@vjepa/probe';
import { type CheckpointManifest, readCheckpointManifest, readCheckpointModule } from '@vjepa/trainer';

/**
 * The formats evaluation reads weights from: a checkpoint directory of ours (through its manifest),
 * a `torch.save` file (official V-JEPA / V-JEPA 2 `.pth.tar` / `.pt`, our exports), a flat
 * `.safetensors` file (`<module>.*` keys), or a Hugging Face transformers V-JEPA 2 `model.safetensors`
 * (`VJEPA2Model` / `VJEPA2ForVideoClassification` names, mapped by `@vjepa/io`'s `fromHfVjepa2`).
 *
 * @example
 * const f: WeightsFormat = 'hf-vjepa2';
 */
export type WeightsFormat = 'checkpoint-dir' | 'torch' | 'safetensors' | 'hf-vjepa2';

/**
 * One module's weights as read from a checkpoint, in official names (prefixes stripped).
 *
 * @example
 * const { sd, description, format } = await readEncoderWeights({ checkpoint: 'vitl.pt' });
 */
export interface WeightsRead {
  sd: StateDict;
  /** Where they came from, for messages and reports, e.g. `vitl.pt[target_encoder]`. */
  description: string;
  format: WeightsFormat;
  /** The manifest, when read from a checkpoint directory of ours. */
  manifest?: CheckpointManifest & { readonly dir: string };
}

/**
 * Which weights to read: a checkpoint path plus, for training checkpoints, which encoder (`key`) and,
 * for flat `.safetensors`, the key prefix.
 *
 * @example
 * const w: WeightsSpec = { checkpoint: 'checkpoint.pth.tar', key: 'encoder' };
 */
export interface WeightsSpec {
  checkpoint: string;
  /** `target_encoder` (default; `encoder` when there is none) or `encoder`. Not for Hugging Face files (one encoder). */
  key?: 'target_encoder' | 'encoder';
  /** The encoder read when `key` is not given (default `target_encoder`); Hugging Face files, which hold one, ignore it. */
  defaultKey?: 'target_encoder' | 'encoder';
  /** Key prefix inside a flat `.safetensors` file (default `target_encoder` when present). */
  prefix?: string;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * One top-level state dict of a `torch.save` checkpoint, reading only that key's storages (an
 * optimizer state or a corrupt entry elsewhere is never read): `key`, or the `key.*` tensors of a
 * checkpoint saved as one flat dict. A missing key lists the top-level keys without reading them.
 */
function pickTorch(ckpt: TorchCheckpoint, key: string, file: string): StateDict {
  if (ckpt.kindOf(key) !== undefined) return selectStateDict({ [key]: ckpt.get(key) }, key, { file });
  const under = ckpt.keys.filter((k) => k.startsWith(`${key}.`));
  if (under.length > 0) return selectStateDict(Object.fromEntries(under.map((k) => [k, ckpt.get(k)])), key, { file });
  const tops = [...new Set(ckpt.keys.map((k) => (ckpt.kindOf(k) === 'tensor' ? `${k.split('.')[0]}.*` : k)))];
  throw new CheckpointError(`${file}: key "${key}"`, {
    expected: `one of the available keys: ${tops.join(', ') || '(none: not a dict)'}`,
    received: 'no such key',
    hint: 'Evaluation reads "target_encoder" (--key encoder for the online encoder); predictions need "predictor".',
  });
}

function hfParts(tensors: StateDict, path: string, spec: Partial<WeightsSpec>) {
  for (const flag of ['key', 'prefix'] as const) {
    if (spec[flag] !== undefined) {
      throw new ConfigError(`--${flag}`, {
        expected: 'no --key or --prefix with a Hugging Face V-JEPA 2 file',
        received: `--${flag} ${spec[flag]} with ${path}`,
        hint: 'a transformers VJEPA2Model model.safetensors holds one encoder (and its predictor) under Hugging Face names; they are mapped to the official ones',
      });
    }
  }
  return fromHfVjepa2(tensors, { file: path });
}

async function openManifest(path: string, spec: Partial<WeightsSpec>) {
  if (spec.prefix !== undefined) throw new ConfigError('--prefix', { expected: 'only with a .safetensors checkpoint', received: `${spec.prefix} with the checkpoint directory ${path}` });
  return readCheckpointManifest(path);
}

async function withTorch<T>(path: string, read: (ckpt: TorchCheckpoint) => T): Promise<T> {
  const ckpt = await openTorchCheckpointFile(path);
  try {
    return read(ckpt);
  } finally {
    ckpt.close();
  }
}

/**
 * The encoder weights of a checkpoint, reading no more than that module: a checkpoint directory's
 * `target_encoder` (or `encoder`; a pixel-objective run has only `encoder`), a `torch.save` file's
 * `key` (its storages only: `opt` and the other modules are never read), a flat `.safetensors` file's
 * `prefix`, or a Hugging Face V-JEPA 2 file's encoder (detected from its names). `log` says when
 * `target_encoder` is None and `encoder` is read instead.
 *
 * @example
 * const { sd, description } = await readEncoderWeights({ checkpoint: 'fixtures/vjepa2-parity/checkpoint.pt' });
 * description; // 'checkpoint.pt[target_encoder]'
 */
export async function readEncoderWeights(spec: WeightsSpec, log: (line: string) => void = () => {}): Promise<WeightsRead> {
  const path = spec.checkpoint;
  if (isDirectory(path)) {
    const manifest = await openManifest(path, spec);
    let module: 'targetEncoder' | 'encoder' = (spec.key ?? spec.defaultKey) === 'encoder' ? 'encoder' : 'targetEncoder';
    if (module === 'targetEncoder' && manifest.files.targetEncoder === null) {
      if (spec.key === 'target_encoder') throw new CheckpointError(`${manifest.dir}: target_encoder`, { expected: 'a target encoder', received: 'none (a pixel-objective run)', hint: 'evaluate its encoder (--key encoder)' });
      module = 'encoder'; // a pixel-objective run has no target encoder: its online encoder is the one to evaluate
    }
    const key = module === 'encoder' ? 'encoder' : 'target_encoder';
    return { sd: await readCheckpointModule(manifest, module), description: `${basename(manifest.dir)}[${key}]`, format: 'checkpoint-dir', manifest };
  }
  const file = basename(path);
  if (/\.safetensors$/i.test(path)) {
    const { tensors } = readSafetensors(await readFileBytes(path, { as: 'checkpoint' }), { file: path });
    if (isHfVjepa2StateDict(tensors)) return { sd: hfParts(tensors, path, spec).encoder, description: `${file}[Hugging Face V-JEPA 2 encoder]`, format: 'hf-vjepa2' };
    let prefix = spec.prefix?.replace(/\.$/, '');
    const defaultPrefix = spec.defaultKey ?? 'target_encoder';
    if (prefix === undefined && Object.keys(tensors).some((k) => k.startsWith(`${defaultPrefix}.`))) prefix = defaultPrefix;
    const sd = prefix ? selectStateDict(tensors, prefix, { file: path }) : stripPrefixes(tensors);
    return { sd, description: `${file}${prefix ? `[${prefix}]` : ''}`, format: 'safetensors' };
  }
  if (spec.prefix !== undefined) {
    throw new ConfigError('--prefix', { expected: 'only with a .safetensors checkpoint', received: `${spec.prefix} with ${file}`, hint: 'use --key target_encoder|encoder for .pth.tar / .pt files' });
  }
  return withTorch(path, (ckpt) => {
    let key: string = spec.key ?? spec.defaultKey ?? 'target_encoder';
    if (spec.key === undefined && ckpt.kindOf(key) === 'none' && ckpt.kindOf('encoder') === 'dict') {
      // a pixel-objective run has no target encoder: its online encoder is the one to evaluate
      log(`${file}: target_encoder is None (a pixel-objective run?); using encoder`);
      key = 'encoder';
    }
    return { sd: pickTorch(ckpt, key, path), description: `${file}[${key}]`, format: 'torch' as const };
  });
}

/**
 * The predictor weights of a checkpoint (the partner of its `encoder`, for predictions): a checkpoint
 * directory's predictor (its config is `manifest.models.predictor`), a `torch.save` file's `predictor`
 * (only its storages are read), a flat `.safetensors` file's `predictor.*`, or a Hugging Face V-JEPA 2
 * file's predictor.
 *
 * @example
 * const { sd } = await readPredictorWeights({ checkpoint: 'fixtures/vjepa2-parity/checkpoint.pt' });
 */
export async function readPredictorWeights(spec: Pick<WeightsSpec, 'checkpoint' | 'prefix'>): Promise<WeightsRead> {
  const path = spec.checkpoint;
  if (isDirectory(path)) {
    const manifest = await openManifest(path, spec);
    return { sd: await readCheckpointModule(manifest, 'predictor'), description: `${basename(manifest.dir)}[predictor]`, format: 'checkpoint-dir', manifest };
  }
  const file = basename(path);
  if (/\.safetensors$/i.test(path)) {
    const { tensors } = readSafetensors(await readFileBytes(path, { as: 'checkpoint' }), { file: path });
    if (isHfVjepa2StateDict(tensors)) {
      const { predictor } = hfParts(tensors, path, { prefix: spec.prefix });
      if (predictor === null) throw new CheckpointError(`${path}: predictor`, { expected: 'the predictor of a VJEPA2Model', received: 'no predictor.* keys (a video classification model?)' });
      return { sd: predictor, description: `${file}[Hugging Face V-JEPA 2 predictor]`, format: 'hf-vjepa2' };
    }
    return { sd: selectStateDict(tensors, 'predictor', { file: path }), description: `${file}[predictor]`, format: 'safetensors' };
  }
  return withTorch(path, (ckpt) => ({ sd: pickTorch(ckpt, 'predictor', path), description: `${file}[predictor]`, format: 'torch' as const }));
}

/**
 * The classifier state dicts of a probe checkpoint, reading only them: V-JEPA 2's
 * `{"classifiers": [...], "opt": ..., "epoch": ...}` (the optimizer state is never read), V-JEPA's
 * `{"classifier": ...}`, or a Hugging Face `VJEPA2ForVideoClassification` `model.safetensors` (its
 * pooler and classifier in official names). Keys keep their `module.` prefixes (the probes strip them).
 *
 * @example
 * const { classifiers } = await readProbeCheckpoint('fixtures/vjepa2-parity/probe.pt');
 */
export async function readProbeCheckpoint(path: string): Promise<{ classifiers: StateDict[]; format: WeightsFormat }> {
  if (/\.safetensors$/i.test(path)) {
    const { tensors } = readSafetensors(await readFileBytes(path, { as: 'checkpoint' }), { file: path });
    if (isHfVjepa2StateDict(tensors)) {
      const { classifier } = fromHfVjepa2(tensors, { file: path });
      if (classifier === null) throw new CheckpointError(`${path}: classifier`, { expected: 'a VJEPA2ForVideoClassification file (pooler.*, classifier.*)', received: 'a VJEPA2Model without a classifier' });
      return { classifiers: [classifier], format: 'hf-vjepa2' };
    }
    return { classifiers: [selectStateDict(tensors, 'classifier', { file: path })], format: 'safetensors' };
  }
  return withTorch(path, (ckpt) => {
    const key = ckpt.kindOf('classifiers') !== undefined ? 'classifiers' : 'classifier';
    const value = ckpt.kindOf(key) !== undefined ? { [key]: ckpt.get(key) } : Object.fromEntries(ckpt.keys.map((k) => [k, null]));
    return { classifiers: selectClassifiers(value, { file: path }), format: 'torch' as const };
  });
}
