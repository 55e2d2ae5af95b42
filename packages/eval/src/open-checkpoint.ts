import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseConfig, z } from '@vjepa/config';
import { dataSection } from '@vjepa/data';
import { CheckpointError, ConfigError } from '@vjepa/errors';
import { type CheckpointManifest, RUN_CHECKPOINTS_DIR, readCheckpointManifest } from '@vjepa/trainer';
import { type VitConfigInput, resolveVitConfig } from '@vjepa/vit';
import { parse as parseYaml } from 'yaml';
import type { EvalArch } from './arch';

/**
 * A training checkpoint opened for evaluation through its manifest: the architecture it states, the
 * objective it was trained with, and where it is.
 *
 * @example
 * const ckpt = await openCheckpoint('runs/main');
 * ckpt.arch.vit.embedDim; // 96
 */
export interface OpenedCheckpoint {
  /** The encoder of `manifest.models.encoder`, with the run's clip settings (`manifest.run.data`). */
  arch: EvalArch;
  /** The checkpoint directory. */
  dir: string;
  manifest: CheckpointManifest & { readonly dir: string };
  /** `features` (V-JEPA: the target encoder is evaluated) or `pixels` (no target encoder: the encoder). */
  objective: 'features' | 'pixels';
  /** Steps done, and the run's planned total. */
  step: number;
  totalSteps: number;
}

/** The clip keys evaluation reads from a run's config (`data.frame_step` / `sampling_rate`, `data.num_clips`). */
const runData = z.object({ data: dataSection.partial().optional() }).passthrough();

/**
 * The clip settings of the run that wrote a checkpoint: `manifest.run.data` (what runs record), or,
 * for a checkpoint written before manifests carried the run config, the `config.yaml` of the run
 * folder it sits in; the reference's frame step 4 and 1 clip otherwise.
 */
function clipSettings(manifest: CheckpointManifest & { dir: string }): { frameStep: number; numClips: number; from: string } {
  let run = manifest.run;
  let from = `${manifest.dir}/trainer.json (run.data)`;
  if (run === undefined) {
    const checkpoints = dirname(manifest.dir);
    const config = join(dirname(checkpoints), 'config.yaml');
    if (basename(checkpoints) === RUN_CHECKPOINTS_DIR && existsSync(config)) {
      run = parseYaml(readFileSync(config, 'utf8'));
      from = `${config} (the checkpoint predates manifests with the run config)`;
    }
  }
  if (run === undefined || run === null) return { frameStep: 4, numClips: 1, from: 'the reference defaults (frame step 4, 1 clip): the checkpoint records no run config' };
  const data = parseConfig(runData, run, [], from).data ?? {};
  return { frameStep: data.sampling_rate ?? data.frame_step ?? 4, numClips: data.num_clips ?? 1, from };
}

/**
 * Opens a training checkpoint through its manifest, the contract between training and evaluation:
 * `path` is a run folder (`<run>/checkpoints/latest`), a checkpoints folder (its `latest`) or one
 * checkpoint directory. The architecture is `manifest.models.encoder` (no config file to re-parse),
 * the clip settings are the run's (`manifest.run.data`), and the weights are read by
 * {@link loadEncoder} from the checkpoint's safetensors (checksum-checked).
 *
 * @example
 * const ckpt = await openCheckpoint('runs/main');
 * const { encoder } = await loadEncoder(ckpt.arch, { checkpoint: ckpt.dir });
 */
export async function openCheckpoint(path: string): Promise<OpenedCheckpoint> {
  if (!existsSync(path)) {
    throw new ConfigError(`checkpoint ${path}`, { expected: 'a training run folder or checkpoint directory', received: 'no such file or folder', hint: 'train first (vjepa-train), or give an official checkpoint with --checkpoint and --config' });
  }
  const manifest = await readCheckpointManifest(path);
  let vit;
  try {
    vit = resolveVitConfig(manifest.models.encoder as VitConfigInput);
  } catch (e) {
    throw new CheckpointError(`${manifest.dir}/trainer.json: models.encoder`, { expected: 'a ViT config', received: JSON.stringify(manifest.models.encoder), cause: e });
  }
  const clip = clipSettings(manifest);
  const o = manifest.config.optimization;
  const objective = manifest.config.loss.objective;
  if (objective !== 'features' && objective !== 'pixels') throw new ConfigError(`${manifest.dir}/trainer.json: config.loss.objective`, { expected: 'features or pixels', received: String(objective) });
  return {
    arch: { vit, frameStep: clip.frameStep, numClips: clip.numClips, source: `${manifest.dir} (manifest; clip settings from ${clip.from})` },
    dir: manifest.dir,
    manifest,
    objective,
    step: manifest.iteration,
    totalSteps: o.epochs * o.ipe,
  };
}
