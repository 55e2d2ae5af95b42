import { type ParseArgsConfig, parseArgs } from 'node:util';
import { ConfigError, VjepaError } from '@vjepa/errors';
import { type ClipLayout, type EvalArch, type ProbeDataset, type ProbeKind, SUITE_DEFAULTS, extractFeatures, runProbeEval, runSuite } from '@vjepa/eval';
import { defaultJobs, probePoolRunner } from '@vjepa/probe-pool';
import { ENCODER_OPTIONS, archFromOptions, choice, encoderFromOptions, int, need, setupBackendFromOptions, str, type OptionValues } from './cli-common';
import { runMain, runMainTraining } from './main-command';

/** Top-level help of `vjepa-eval`. */
export const USAGE = `vjepa-eval: frozen evaluation and feature extraction for V-JEPA

Commands
  extract  features of clips (.npy), a video, or a folder of videos
  probe    train and test a probe on frozen features (Moving MNIST tasks or "path label" indexes)
  suite    the embedded evaluation: digit + direction tasks with random-init, one-frame and pixel controls
  main     train V-JEPA and the pixel control (as vjepa-train does), then the suite

Architecture (extract, probe, suite without --run; not needed for a checkpoint directory of ours)
  --config FILE         YAML/JSON with the official model and data sections
  --preset NAME         tiny|small|base|large|huge|giant [--patch-size --tubelet-size --num-frames --crop-size]
Checkpoint
  --checkpoint PATH     a vjepa-train run folder or checkpoint directory (read through its manifest),
                        an official .pth.tar training checkpoint, or .safetensors
  --key K               target_encoder (default) or encoder, for .pth.tar
  --prefix P            key prefix inside a .safetensors file (default target_encoder when present)
Common
  --backend B           auto (default), tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu
  --batch-size N        clips per forward pass (default 16)

extract   --input clip.npy|video.mp4|folder --out features.npy|dir [--pool none|mean]
          [--layout channels-first|channels-last] [--stack] [--ffmpeg PATH]
probe     --dataset moving-mnist [--task digit,direction] [--train-clips 400 --test-clips 200]
          | --train-index train.txt --test-index test.txt [--num-classes N]
          --out DIR [--probe attentive|linear|knn] [--seeds 3] [--epochs 20] [--probe-batch 64] [--lr 1e-3] [--cache DIR]
suite     --run DIR | --checkpoint FILE (--config|--preset)   [--pixel-run DIR | --pixel-checkpoint FILE]
          [--out DIR] [--train-clips 2000] [--test-clips 1000] [--seeds 3] [--epochs 20] [--probe-batch 64] [--lr 5e-3]
          [--probe attentive|linear|knn] [--cache DIR] [--jobs N]
main      [--folder runs/main] [--set key=value ...] (passed to both trainings) [--jobs N] [suite options]
          [--train-only features|pixels] (one training, no suite: what --jobs 2 runs in its child process)

  --jobs N              cores to use (default min(2, cores)); results are identical for any N.
                        suite: probe trainings on N worker threads. main: also the pixel control
                        trains in a child process while V-JEPA trains in this one.

Example
  vjepa-eval extract --checkpoint ckpt.pth.tar --config arch.yaml --input clip.npy --out features.npy
`;

const PROBE_OPTIONS = {
  out: { type: 'string' },
  cache: { type: 'string' },
  probe: { type: 'string' },
  seeds: { type: 'string' },
  epochs: { type: 'string' },
  'probe-batch': { type: 'string' },
  'train-clips': { type: 'string' },
  'test-clips': { type: 'string' },
  lr: { type: 'string' },
} as const;

/** Where the CLI writes: lines of progress and results, and error lines. */
export interface CliIo {
  log: (line: string) => void;
  error: (line: string) => void;
}

function parse(argv: string[], options: ParseArgsConfig['options']): OptionValues {
  try {
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values as OptionValues;
  } catch (e) {
    throw new ConfigError('command line', { expected: 'known options (see --help)', received: (e as Error).message });
  }
}

function lrOption(values: OptionValues): number | undefined {
  const text = str(values, 'lr');
  const lr = text === undefined ? undefined : Number(text);
  if (lr !== undefined && !(lr > 0)) throw new ConfigError('--lr', { expected: 'a number > 0', received: text });
  return lr;
}

function probeKind(values: OptionValues): ProbeKind {
  return choice(values, 'probe', ['attentive', 'linear', 'knn'] as const, 'attentive');
}

async function extract(argv: string[], io: CliIo): Promise<number> {
  const values = parse(argv, { ...ENCODER_OPTIONS, input: { type: 'string' }, out: { type: 'string' }, pool: { type: 'string' }, layout: { type: 'string' }, stack: { type: 'boolean' }, ffmpeg: { type: 'string' } });
  if (values.help) return io.log(USAGE), 0;
  const encoder = encoderFromOptions(values, 'extract');
  const arch = await archFromOptions(values);
  const input = need(values, 'input', 'extract');
  const out = need(values, 'out', 'extract');
  const layout = str(values, 'layout') === undefined ? undefined : choice<ClipLayout>(values, 'layout', ['channels-first', 'channels-last'], 'channels-last');
  await setupBackendFromOptions(values, io.log);
  await extractFeatures({ arch, encoder, input, out, layout, pool: choice(values, 'pool', ['none', 'mean'] as const, 'none'), stack: values.stack === true, batchSize: int(values, 'batch-size', 16, 1), ffmpegPath: str(values, 'ffmpeg'), log: io.log });
  return 0;
}

async function probe(argv: string[], io: CliIo): Promise<number> {
  const values = parse(argv, { ...ENCODER_OPTIONS, ...PROBE_OPTIONS, dataset: { type: 'string' }, task: { type: 'string' }, 'train-index': { type: 'string' }, 'test-index': { type: 'string' }, 'num-classes': { type: 'string' }, ffmpeg: { type: 'string' } });
  if (values.help) return io.log(USAGE), 0;
  const encoder = encoderFromOptions(values, 'probe');
  const arch = await archFromOptions(values);
  let dataset: ProbeDataset;
  const trainIndex = str(values, 'train-index');
  if (trainIndex !== undefined || str(values, 'test-index') !== undefined) {
    const numClasses = str(values, 'num-classes') === undefined ? undefined : int(values, 'num-classes', 2, 2);
    dataset = { kind: 'index', train: need(values, 'train-index', 'probe'), test: need(values, 'test-index', 'probe'), numClasses, ffmpegPath: str(values, 'ffmpeg') };
  } else {
    choice(values, 'dataset', ['moving-mnist'] as const, 'moving-mnist');
    const tasks = (str(values, 'task') ?? 'digit,direction').split(',').map((t) => t.trim());
    for (const t of tasks) if (!['digit', 'direction', 'speed'].includes(t)) throw new ConfigError('--task', { expected: 'digit, direction or speed (comma-separated)', received: t });
    dataset = { kind: 'moving-mnist', tasks: tasks as ('digit' | 'direction' | 'speed')[], trainClips: int(values, 'train-clips', 400, 1), testClips: int(values, 'test-clips', 200, 1) };
  }
  const lr = lrOption(values);
  await setupBackendFromOptions(values, io.log);
  await runProbeEval({
    arch, encoder, dataset, out: need(values, 'out', 'probe'), cacheDir: str(values, 'cache'), probe: probeKind(values),
    seeds: int(values, 'seeds', 3, 1), epochs: int(values, 'epochs', 20, 1), batchSize: int(values, 'probe-batch', 64, 1), lr, log: io.log,
  });
  return 0;
}

const SUITE_OPTIONS = { ...ENCODER_OPTIONS, ...PROBE_OPTIONS, run: { type: 'string' }, 'pixel-run': { type: 'string' }, 'pixel-checkpoint': { type: 'string' }, jobs: { type: 'string' } } as const;

async function suiteOptions(values: OptionValues, io: CliIo) {
  const hasArch = values.config !== undefined || values.preset !== undefined;
  const key = str(values, 'key');
  if (key !== undefined && key !== 'target_encoder' && key !== 'encoder') throw new ConfigError('--key', { expected: 'target_encoder or encoder', received: key });
  return {
    run: str(values, 'run'),
    checkpoint: str(values, 'checkpoint'),
    key: key as 'target_encoder' | 'encoder' | undefined,
    arch: hasArch ? await archFromOptions(values) : (undefined as EvalArch | undefined),
    pixelRun: str(values, 'pixel-run'),
    pixelCheckpoint: str(values, 'pixel-checkpoint'),
    out: str(values, 'out'),
    cacheDir: str(values, 'cache'),
    trainClips: int(values, 'train-clips', SUITE_DEFAULTS.trainClips, 1),
    testClips: int(values, 'test-clips', SUITE_DEFAULTS.testClips, 1),
    seeds: int(values, 'seeds', SUITE_DEFAULTS.seeds, 1),
    epochs: int(values, 'epochs', SUITE_DEFAULTS.epochs, 1),
    batchSize: int(values, 'probe-batch', SUITE_DEFAULTS.batchSize, 1),
    lr: lrOption(values),
    probe: probeKind(values),
    jobs: int(values, 'jobs', defaultJobs(), 1),
    log: io.log,
  };
}

async function suite(argv: string[], io: CliIo): Promise<number> {
  const values = parse(argv, SUITE_OPTIONS);
  if (values.help) return io.log(USAGE), 0;
  const opts = await suiteOptions(values, io);
  if (opts.run === undefined && opts.checkpoint === undefined && opts.arch === undefined) {
    throw new ConfigError('vjepa-eval suite', { expected: '--run DIR, or --checkpoint (a checkpoint directory, or a file with --config/--preset)', received: 'neither' });
  }
  await setupBackendFromOptions(values, io.log);
  const { jobs, ...suiteOpts } = opts;
  const result = await runSuite({ ...suiteOpts, runProbes: probePoolRunner(jobs, io.log) });
  io.log(`\n${result.table}`);
  io.log(`wrote ${result.files.markdown}, ${result.files.json} and ${result.files.pngs.length} confusion PNG(s) in ${result.seconds.toFixed(1)} s`);
  return 0;
}

async function main(argv: string[], io: CliIo): Promise<number> {
  const values = parse(argv, { ...SUITE_OPTIONS, folder: { type: 'string' }, set: { type: 'string', multiple: true }, 'train-only': { type: 'string' } });
  if (values.help) return io.log(USAGE), 0;
  const sets = (values.set as unknown as string[] | undefined) ?? [];
  const common = { folder: str(values, 'folder') ?? 'runs/main', set: sets, backend: str(values, 'backend') ?? 'auto', log: io.log };
  if (values['train-only'] !== undefined) {
    const objective = choice(values, 'train-only', ['features', 'pixels'] as const, 'features');
    const backendInfo = await setupBackendFromOptions(values, io.log);
    await runMainTraining(objective, { ...common, backendInfo });
    return 0;
  }
  const { jobs, run: _run, checkpoint: _checkpoint, key: _key, arch: _arch, pixelRun: _pixelRun, pixelCheckpoint: _pixelCheckpoint, out, cacheDir, log: _log, ...probe } = await suiteOptions(values, io);
  const backendInfo = await setupBackendFromOptions(values, io.log);
  await runMain({ ...common, backendInfo, jobs, suite: { out, cacheDir, ...probe } });
  return 0;
}

/**
 * Runs one `vjepa-eval` command line; returns the exit code (0 ok, 2 bad config or usage, 1 other
 * errors), printing errors as one `vjepa-eval: Name: message` line.
 *
 * @example
 * const code = await runCli(['extract', '--checkpoint', 'c.pth.tar', '--config', 'a.yaml', '--input', 'x.npy', '--out', 'f.npy']);
 */
export async function runCli(argv: string[], io: CliIo = { log: (l) => console.log(l), error: (l) => console.error(l) }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'extract':
        return await extract(rest, io);
      case 'probe':
        return await probe(rest, io);
      case 'suite':
        return await suite(rest, io);
      case 'main':
        return await main(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new ConfigError('vjepa-eval command', { expected: 'extract, probe, suite or main', received: command });
    }
  } catch (e) {
    if (VjepaError.isInstance(e)) {
      io.error(`vjepa-eval: ${e.name}: ${e.message}`);
      return ConfigError.isInstance(e) ? 2 : 1;
    }
    throw e;
  }
}
