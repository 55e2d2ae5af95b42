import { type Stats, statSync } from 'node:fs';
import { type BackendSetup, type BackendChoice, backendSummary, parseBackendChoice, setupBackend } from '@vjepa/backends';
import { ConfigError } from '@vjepa/errors';
import { type EncoderSpec, type EvalArch, type OfficialEvalSettings, archFromPreset, openCheckpoint, readArchConfig, readOfficialEvalConfig } from '@vjepa/eval';

/** Parsed option values as `node:util` parseArgs gives them. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/**
 * A string option, or undefined.
 *
 * @example
 * str(values, 'out'); // 'features.npy'
 */
export function str(values: OptionValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/**
 * A required string option (ConfigError naming the flag when absent).
 *
 * @example
 * need(values, 'input', 'extract');
 */
export function need(values: OptionValues, name: string, command: string): string {
  const v = str(values, name);
  if (v === undefined) throw new ConfigError(`vjepa-eval ${command}: --${name}`, { expected: 'a value', received: 'nothing', hint: `see vjepa-eval ${command} --help` });
  return v;
}

/**
 * An integer option with a default and a minimum.
 *
 * @example
 * int(values, 'seeds', 3, 1); // 3
 */
export function int(values: OptionValues, name: string, fallback: number, min = 0): number {
  const v = str(values, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`--${name}`, { expected: `an integer >= ${min}`, received: v });
  return n;
}

/**
 * One of a fixed set of choices.
 *
 * @example
 * choice(values, 'pool', ['none', 'mean'], 'none');
 */
export function choice<T extends string>(values: OptionValues, name: string, choices: readonly T[], fallback: T): T {
  const v = str(values, name);
  if (v === undefined) return fallback;
  if (!(choices as readonly string[]).includes(v)) throw new ConfigError(`--${name}`, { expected: `one of ${choices.join(', ')}`, received: v });
  return v as T;
}

/** The options every command shares for the architecture and the checkpoint. */
export const ENCODER_OPTIONS = {
  checkpoint: { type: 'string' },
  key: { type: 'string' },
  prefix: { type: 'string' },
  config: { type: 'string' },
  fname: { type: 'string' },
  preset: { type: 'string' },
  verbose: { type: 'boolean' },
  'patch-size': { type: 'string' },
  'tubelet-size': { type: 'string' },
  'num-frames': { type: 'string' },
  'crop-size': { type: 'string' },
  backend: { type: 'string' },
  'batch-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * True when `path` names an existing folder (false when it is undefined, missing or anything else).
 *
 * @example
 * isDirectory('runs/main'); // a run folder: its manifest states the architecture
 */
export function isDirectory(path: string | undefined): boolean {
  try {
    return path !== undefined && statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The architecture: from the manifest when `--checkpoint` is a run folder or checkpoint directory of
 * ours and neither `--config` nor `--preset` is given, else from `--config FILE` or `--preset NAME`
 * (with `--patch-size`, `--tubelet-size`, `--num-frames`, `--crop-size`), exactly one of them.
 *
 * @example
 * await archFromOptions({ config: 'arch.yaml' });
 * await archFromOptions({ checkpoint: 'runs/main' }); // the run's manifest says it
 */
export async function archFromOptions(values: OptionValues): Promise<EvalArch> {
  const config = configFile(values);
  const preset = str(values, 'preset');
  if (config === undefined && preset === undefined && isDirectory(str(values, 'checkpoint'))) {
    return (await openCheckpoint(str(values, 'checkpoint')!)).arch;
  }
  if ((config === undefined) === (preset === undefined)) {
    throw new ConfigError('architecture', {
      expected: 'exactly one of --config FILE (or --fname FILE) or --preset NAME (or a --checkpoint run folder or checkpoint directory, whose manifest states it)',
      received: config && preset ? 'both' : 'neither',
    });
  }
  const sizes = ['patch-size', 'tubelet-size', 'num-frames', 'crop-size'].filter((k) => values[k] !== undefined);
  if (config !== undefined) {
    if (sizes.length) throw new ConfigError(`--${sizes[0]}`, { expected: 'only with --preset (a --config sets the data sizes)', received: String(values[sizes[0]]) });
    return readArchConfig(config);
  }
  const o: Record<string, number> = {};
  if (values['patch-size'] !== undefined) o.patchSize = int(values, 'patch-size', 16, 1);
  if (values['tubelet-size'] !== undefined) o.tubeletSize = int(values, 'tubelet-size', 2, 1);
  if (values['num-frames'] !== undefined) o.numFrames = int(values, 'num-frames', 16, 1);
  if (values['crop-size'] !== undefined) o.imgSize = int(values, 'crop-size', 224, 1);
  return archFromPreset(preset!, o);
}

/**
 * Sets up the `--backend` (default auto) and prints what it chose and what it tried first.
 *
 * @example
 * const setup = await setupBackendFromOptions(values, console.log);
 */
export async function setupBackendFromOptions(values: OptionValues, log: (line: string) => void): Promise<BackendSetup> {
  const choice = (str(values, 'backend') ?? 'auto') as BackendChoice;
  parseBackendChoice(choice);
  const setup = await setupBackend(choice);
  for (const line of backendSummary(setup, { verbose: values.verbose === true })) log(line);
  return setup;
}

/**
 * `--config FILE` or its official name `--fname FILE` (not both).
 *
 * @example
 * configFile({ fname: 'configs/evals/vitl16_k400_16x8x3.yaml' }); // that path
 */
export function configFile(values: OptionValues): string | undefined {
  const config = str(values, 'config');
  const fname = str(values, 'fname');
  if (config !== undefined && fname !== undefined) throw new ConfigError('--fname', { expected: 'either --config or --fname (the same flag)', received: 'both' });
  return config ?? fname;
}

/**
 * The official evaluation config given with `--config`/`--fname`, when it is one (it has a
 * `pretrain:` section): its checkpoint, key and probe settings are the defaults of the flags.
 *
 * @example
 * officialConfig({ fname: 'configs/evals/vitl16_k400_16x8x3.yaml' })?.checkpoint;
 */
export function officialConfig(values: OptionValues): OfficialEvalSettings | null {
  const file = configFile(values);
  return file === undefined ? null : readOfficialEvalConfig(file);
}

/**
 * The encoder from `--checkpoint FILE|DIR [--key target_encoder|encoder] [--prefix P]`, with the
 * checkpoint and key of an official eval config as defaults.
 *
 * @example
 * encoderFromOptions({ checkpoint: 'ckpt.pth.tar', key: 'encoder' }, 'extract');
 */
export function encoderFromOptions(values: OptionValues, command: string): EncoderSpec {
  const official = officialConfig(values);
  const key = str(values, 'key') ?? official?.key ?? undefined;
  if (key !== undefined && key !== 'target_encoder' && key !== 'encoder') {
    throw new ConfigError('--key', { expected: 'target_encoder or encoder', received: key });
  }
  const checkpoint = str(values, 'checkpoint') ?? official?.checkpoint ?? need(values, 'checkpoint', command);
  checkPath(official !== null && str(values, 'checkpoint') === undefined ? `--checkpoint (pretrain.folder + checkpoint of ${configFile(values)})` : '--checkpoint', checkpoint, 'any');
  return { checkpoint, key, prefix: str(values, 'prefix') };
}

function kindOf(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'a special file';
}

/**
 * Checks a path a flag names before anything starts (the backend included): it exists and is a
 * regular file (`file`), a folder (`dir`) or either (`any`). A FIFO, socket or device is refused
 * here: opening one can block forever. A ConfigError (exit code 2) naming the flag otherwise.
 *
 * @example
 * checkPath('--input', 'videos/', 'any');
 */
export function checkPath(flag: string, path: string, want: 'file' | 'dir' | 'any'): void {
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ConfigError(`${flag} ${path}`, { expected: want === 'dir' ? 'an existing folder' : 'an existing file or folder', received: code === 'ENOENT' ? 'no such file or folder' : (e as Error).message, hint: `check the path (relative paths resolve from ${process.cwd()})` });
  }
  if (st.isDirectory() ? want === 'file' : !st.isFile() || want === 'dir') {
    const what = st.isDirectory() ? 'a folder' : st.isFile() ? 'a file' : kindOf(st);
    throw new ConfigError(`${flag} ${path}`, { expected: want === 'file' ? 'a regular file' : want === 'dir' ? 'a folder' : 'a regular file or a folder', received: `${what}${st.isFile() || st.isDirectory() ? '' : ' (never opened: reading one can block forever)'}` });
  }
}
