import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, ConfigError } from '@vjepa/errors';
import { parse as parseYaml } from 'yaml';
import { type EvalArch, archFromObject } from './arch-config';

/**
 * What evaluation needs from a vjepa-train run folder.
 *
 * @example
 * const run = readRunFolder('runs/tiny-cpu');
 * run.checkpoint; // "runs/tiny-cpu/jepa-latest.pth.tar"
 */
export interface RunFolder {
  folder: string;
  arch: EvalArch;
  /** The encoder export in the official layout (`<write_tag>-latest.pth.tar`). */
  checkpoint: string;
  /** `meta.objective` of the run: `features` (V-JEPA) or `pixels`. */
  objective: string;
  /** The parsed config, for reports. */
  config: Record<string, unknown>;
}

/**
 * Reads a run folder written by vjepa-train: the resolved `config.yaml` (its `model` and `data`
 * sections give the architecture) and the official-layout export `<logging.write_tag>-latest.pth.tar`.
 *
 * @example
 * const { arch, checkpoint } = readRunFolder('runs/tiny-cpu');
 */
export function readRunFolder(folder: string): RunFolder {
  const file = join(folder, 'config.yaml');
  if (!existsSync(file)) {
    throw new ConfigError(`--run ${folder}`, { expected: 'a vjepa-train run folder with config.yaml', received: existsSync(folder) ? 'no config.yaml in it' : 'no such folder', hint: 'train first (vjepa-train), or pass --checkpoint with --config' });
  }
  let config: Record<string, unknown>;
  try {
    config = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new ConfigError(file, { expected: 'valid YAML', received: (e as Error).message, cause: e });
  }
  const arch = archFromObject(config, file);
  const logging = (config.logging ?? {}) as Record<string, unknown>;
  const meta = (config.meta ?? {}) as Record<string, unknown>;
  const tag = typeof logging.write_tag === 'string' ? logging.write_tag : 'jepa';
  let checkpoint = join(folder, `${tag}-latest.pth.tar`);
  if (!existsSync(checkpoint)) {
    const found = readdirSync(folder).filter((n) => n.endsWith('-latest.pth.tar'));
    if (found.length !== 1) {
      throw new CheckpointError(`${folder}: encoder export`, { expected: `${tag}-latest.pth.tar (written when training completes)`, received: found.length ? found.join(', ') : 'none', hint: 'let the training finish (or rerun it to resume), or pass --checkpoint' });
    }
    checkpoint = join(folder, found[0]);
  }
  return { folder, arch, checkpoint, objective: typeof meta.objective === 'string' ? meta.objective : 'features', config };
}
