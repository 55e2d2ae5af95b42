import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { RUN_CHECKPOINTS_DIR } from '@vjepa/trainer';
import type { RunConfig } from './schema';

/**
 * The files of one run, all under `logging.folder`.
 *
 * @example
 * const paths = runPaths(config);
 * paths.checkpoints; // "runs/tiny-cpu/checkpoints" (the trainer's step-XXXXXXXX directories and `latest`)
 */
export interface RunPaths {
  folder: string;
  config: string;
  checkpoints: string;
  curves: string;
  masks: string;
  encoderExport: string;
  summary: string;
}

/**
 * Paths of a run from its config (the folder is resolved against the working directory).
 *
 * @example
 * runPaths(config).curves; // ".../runs/tiny-cpu/curves.png"
 */
export function runPaths(config: RunConfig): RunPaths {
  const folder = resolve(config.logging.folder);
  const tag = config.logging.write_tag;
  const checkpoints = join(folder, RUN_CHECKPOINTS_DIR);
  return {
    folder,
    config: join(folder, 'config.yaml'),
    checkpoints,
    curves: join(folder, 'curves.png'),
    masks: join(folder, 'masks.png'),
    encoderExport: join(folder, `${tag}-latest.pth.tar`),
    summary: join(folder, 'summary.json'),
  };
}

/**
 * Creates the run folder and writes the resolved config as `config.yaml` (atomically).
 *
 * @example
 * prepareRunFolder(paths, config);
 */
export function prepareRunFolder(paths: RunPaths, config: RunConfig): void {
  mkdirSync(paths.checkpoints, { recursive: true });
  const text = `# Resolved vjepa-train config, written ${new Date().toISOString()}\n${stringify(config)}`;
  const tmp = `${paths.config}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, paths.config);
}

/**
 * Writes a JSON file atomically (temporary name, then rename).
 *
 * @example
 * writeJsonAtomic(paths.summary, { steps: 200 });
 */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(tmp, path);
}

/**
 * Reads the resolved config a previous run saved, as text (for the "config changed" note on resume).
 *
 * @example
 * const before = readSavedConfig(paths);
 */
export function readSavedConfig(paths: RunPaths): string | null {
  return existsSync(paths.config) ? readFileSync(paths.config, 'utf8').replace(/^#.*\n/, '') : null;
}
