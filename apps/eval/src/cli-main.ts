import { ConfigError, VjepaError } from '@vjepa/errors';
import { type ClipLayout, type EvalArch, type ProbeDataset, type ProbeKind, SUITE_DEFAULTS, classifyWithProbe, extractFeatures, extractMasked, probeSets, runProbeEval, runSuite } from '@vjepa/eval';
import { defaultJobs, featurePoolRunner, probePoolRunner } from '@vjepa/probe-pool';
import { type CommandFlags, checkRunFits, mainRunConfig, parseCommandLine, unknownCommandError } from '@vjepa/run';
import { ENCODER_OPTIONS, archFromOptions, checkPath, choice, int, need, officialConfig, setupBackendFromOptions, str, type OptionValues } from './cli-common';
import { parseFeatureJobs } from './control-features';
import { DETECT_OPTIONS, encoderAndArch, optionalInt } from './encoder-choice';
import { runMain, runMainTraining } from './main-command';
import { COMMAND_USAGE, USAGE } from './usage';

export { USAGE } from './usage';

/**
 * Exit codes of `vjepa-eval` (documented in its usage and README).
 *
 * @example
 * if (code === EXIT.PARTIAL) console.log('some inputs were skipped');
 */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 2, PARTIAL: 3, INTERRUPTED: 130 } as const;

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

/** Where the CLI writes (lines of progress and results, and error lines), and what stops it. */
export interface CliIo {
  log: (line: string) => void;
  error: (line: string) => void;
  /** Aborted on Ctrl-C/SIGTERM: extract stops between videos, main stops both trainings at a step boundary (exit 130). */
  signal?: AbortSignal;
}

function parse(argv: readonly string[], options: CommandFlags, command: keyof typeof COMMAND_USAGE): OptionValues {
  return parseCommandLine(argv, options, `vjepa-eval ${command}`) as OptionValues;
}

function lrOption(values: OptionValues, fallback?: number): number | undefined {
  const text = str(values, 'lr');
  const lr = text === undefined ? fallback : Number(text);
  if (lr !== undefined && !(lr > 0)) throw new ConfigError('--lr', { expected: 'a number > 0', received: text });
  return lr;
}

function probeKind(values: OptionValues): ProbeKind {
  return choice(values, 'probe', ['attentive', 'linear', 'knn'] as const, 'attentive');
}

function checkFfmpeg(values: OptionValues): string | undefined {
  const ffmpeg = str(values, 'ffmpeg');
  if (ffmpeg !== undefined) checkPath('--ffmpeg', ffmpeg, 'file');
  return ffmpeg;
}

const MASKED_OPTIONS = { indices: { type: 'string' }, predict: { type: 'string' }, 'mask-index': { type: 'string' } } as const;

async function extract(argv: readonly string[], io: CliIo): Promise<number> {
  const values = parse(
    argv,
    { ...ENCODER_OPTIONS, ...DETECT_OPTIONS, ...MASKED_OPTIONS, input: { type: 'string' }, out: { type: 'string' }, pool: { type: 'string' }, layout: { type: 'string' }, stack: { type: 'boolean' }, ffmpeg: { type: 'string' }, 'fail-fast': { type: 'boolean' } },
    'extract',
  );
  if (values.help) return io.log(COMMAND_USAGE.extract), EXIT.OK;
  // everything the command line names is checked before the backend starts
  const indices = str(values, 'indices');
  const targets = str(values, 'predict');
  if (targets !== undefined && indices === undefined) throw new ConfigError('--predict', { expected: 'with --indices (the context tokens the predictor starts from)', received: `--predict ${targets} alone` });
  // V-JEPA trains the predictor with the online encoder: predictions start from its features
  const { arch, encoder } = await encoderAndArch(values, 'extract', io.log, targets !== undefined ? 'encoder' : undefined);
  const input = need(values, 'input', 'extract');
  checkPath('--input', input, 'any');
  const out = need(values, 'out', 'extract');
  const layout = str(values, 'layout') === undefined ? undefined : choice<ClipLayout>(values, 'layout', ['channels-first', 'channels-last'], 'channels-last');
  const batchSize = int(values, 'batch-size', 16, 1);
  if (indices !== undefined) {
    for (const flag of ['pool', 'stack']) if (values[flag] !== undefined) throw new ConfigError(`--${flag}`, { expected: 'no --pool or --stack with --indices', received: `--${flag}` });
    if (values['fail-fast'] !== undefined) throw new ConfigError('--fail-fast', { expected: 'only for a folder of videos (--indices reads one .npy of clips)', received: '--fail-fast' });
    checkPath('--indices', indices, 'file');
    if (targets !== undefined) checkPath('--predict', targets, 'file');
    const maskIndex = optionalInt(values, 'mask-index', 0);
    await setupBackendFromOptions(values, io.log);
    await extractMasked({ arch, encoder, input, indices, targets, maskIndex, out, layout, batchSize, log: io.log });
    return EXIT.OK;
  }
  if (values['mask-index'] !== undefined) throw new ConfigError('--mask-index', { expected: 'only with --predict', received: String(values['mask-index']) });
  const pool = choice(values, 'pool', ['none', 'mean'] as const, 'none');
  const ffmpegPath = checkFfmpeg(values);
  await setupBackendFromOptions(values, io.log);
  const r = await extractFeatures({ arch, encoder, input, out, layout, pool, stack: values.stack === true, batchSize, ffmpegPath, failFast: values['fail-fast'] === true, signal: io.signal, log: io.log });
  if (r.status === 'interrupted') {
    io.error(`vjepa-eval extract: interrupted; ${r.written} written, ${r.kept} kept. Rerun the same command to resume.`);
    return EXIT.INTERRUPTED;
  }
  if (r.skipped.length > 0) {
    io.error(`vjepa-eval extract: ${r.skipped.length} input(s) skipped (listed in ${r.summary}); the others were extracted (exit code ${EXIT.PARTIAL})`);
    return EXIT.PARTIAL;
  }
  return EXIT.OK;
}

/** `probe --probe-checkpoint`: a trained probe (V-JEPA 2 `{"classifiers": [...]}`, V-JEPA, Hugging Face) classifies clips. */
async function classify(values: OptionValues, io: CliIo): Promise<number> {
  for (const flag of ['task', 'train-index', 'test-index', 'dataset', 'num-classes', 'probe', 'seeds', 'epochs', 'probe-batch', 'lr', 'train-clips', 'test-clips', 'cache', 'fail-fast']) {
    if (values[flag] !== undefined) throw new ConfigError(`--${flag}`, { expected: 'no training options with --probe-checkpoint (it applies a trained probe)', received: `--${flag}` });
  }
  const probeCheckpoint = need(values, 'probe-checkpoint', 'probe');
  checkPath('--probe-checkpoint', probeCheckpoint, 'file');
  const input = need(values, 'input', 'probe');
  checkPath('--input', input, 'any');
  const out = need(values, 'out', 'probe');
  const layout = str(values, 'layout') === undefined ? undefined : choice<ClipLayout>(values, 'layout', ['channels-first', 'channels-last'], 'channels-last');
  const classifier = optionalInt(values, 'classifier', 0);
  const probeHeads = optionalInt(values, 'probe-heads', 1);
  const ffmpegPath = checkFfmpeg(values);
  const { arch, encoder } = await encoderAndArch(values, 'probe', io.log);
  await setupBackendFromOptions(values, io.log);
  await classifyWithProbe({ arch, encoder, probeCheckpoint, input, out, classifier, probeHeads, layout, batchSize: int(values, 'batch-size', 16, 1), ffmpegPath, log: io.log });
  return EXIT.OK;
}

const CLASSIFY_OPTIONS = { 'probe-checkpoint': { type: 'string' }, input: { type: 'string' }, classifier: { type: 'string' }, 'probe-heads': { type: 'string' }, layout: { type: 'string' } } as const;

async function probe(argv: readonly string[], io: CliIo): Promise<number> {
  const values = parse(
    argv,
    { ...ENCODER_OPTIONS, ...PROBE_OPTIONS, ...DETECT_OPTIONS, ...CLASSIFY_OPTIONS, dataset: { type: 'string' }, task: { type: 'string' }, 'train-index': { type: 'string' }, 'test-index': { type: 'string' }, 'num-classes': { type: 'string' }, ffmpeg: { type: 'string' }, 'fail-fast': { type: 'boolean' } },
    'probe',
  );
  if (values.help) return io.log(COMMAND_USAGE.probe), EXIT.OK;
  if (values['probe-checkpoint'] !== undefined) return classify(values, io);
  for (const flag of Object.keys(CLASSIFY_OPTIONS)) {
    if (values[flag] !== undefined) throw new ConfigError(`--${flag}`, { expected: 'only with --probe-checkpoint (applying a trained probe)', received: `--${flag}` });
  }
  const official = officialConfig(values);
  const { arch, encoder } = await encoderAndArch(values, 'probe', io.log);
  let dataset: ProbeDataset;
  const trainIndex = str(values, 'train-index') ?? official?.probe.train ?? undefined;
  const testIndex = str(values, 'test-index') ?? official?.probe.test ?? undefined;
  if (trainIndex !== undefined || testIndex !== undefined) {
    if (str(values, 'dataset') !== undefined) throw new ConfigError('--dataset', { expected: 'either --dataset or --train-index/--test-index', received: 'both' });
    const numClassesText = str(values, 'num-classes');
    const numClasses = numClassesText === undefined ? (official?.probe.numClasses ?? undefined) : int(values, 'num-classes', 2, 2);
    const train = trainIndex ?? need(values, 'train-index', 'probe');
    const test = testIndex ?? need(values, 'test-index', 'probe');
    checkPath('--train-index', train, 'file');
    checkPath('--test-index', test, 'file');
    dataset = { kind: 'index', train, test, numClasses, ffmpegPath: checkFfmpeg(values) };
  } else {
    if (official?.kind === 'image') {
      throw new ConfigError(`${str(values, 'config') ?? str(values, 'fname')}: data`, { expected: 'a video evaluation (dataset_train / dataset_val index files)', received: 'an image folder (root_path, image_folder), which vjepa-eval probe does not read', hint: 'pass --train-index and --test-index' });
    }
    choice(values, 'dataset', ['moving-mnist'] as const, 'moving-mnist');
    const tasks = (str(values, 'task') ?? 'digit,direction').split(',').map((t) => t.trim());
    for (const t of tasks) if (!['digit', 'direction', 'speed'].includes(t)) throw new ConfigError('--task', { expected: 'digit, direction or speed (comma-separated)', received: t });
    dataset = { kind: 'moving-mnist', tasks: tasks as ('digit' | 'direction' | 'speed')[], trainClips: int(values, 'train-clips', SUITE_DEFAULTS.trainClips, 1), testClips: int(values, 'test-clips', SUITE_DEFAULTS.testClips, 1) };
  }
  const out = need(values, 'out', 'probe');
  const settings = {
    probe: probeKind(values),
    seeds: int(values, 'seeds', SUITE_DEFAULTS.seeds, 1),
    epochs: int(values, 'epochs', official?.probe.epochs ?? SUITE_DEFAULTS.epochs, 1),
    batchSize: int(values, 'probe-batch', official?.probe.batchSize ?? SUITE_DEFAULTS.batchSize, 1),
    lr: lrOption(values, official?.probe.lr ?? SUITE_DEFAULTS.lr),
  };
  for (const note of official?.notes ?? []) io.log(`note: ${note}`);
  await probeSets(arch, dataset); // the indexes and their labels are read and checked before the backend starts
  await setupBackendFromOptions(values, io.log);
  const r = await runProbeEval({ arch, encoder, dataset, out, cacheDir: str(values, 'cache'), ...settings, failFast: values['fail-fast'] === true, log: io.log });
  const skipped = r.skipped.train.length + r.skipped.test.length;
  if (skipped > 0) {
    io.error(`vjepa-eval probe: ${skipped} video(s) could not be read and were left out (${r.skipped.train.length} train, ${r.skipped.test.length} test; listed in ${out}/results.json) (exit code ${EXIT.PARTIAL})`);
    return EXIT.PARTIAL;
  }
  return EXIT.OK;
}

const SUITE_OPTIONS = { ...ENCODER_OPTIONS, ...PROBE_OPTIONS, run: { type: 'string' }, 'pixel-run': { type: 'string' }, 'pixel-checkpoint': { type: 'string' }, jobs: { type: 'string' } } as const;

async function suiteOptions(values: OptionValues, io: CliIo) {
  const hasArch = values.config !== undefined || values.fname !== undefined || values.preset !== undefined;
  const key = str(values, 'key');
  if (key !== undefined && key !== 'target_encoder' && key !== 'encoder') throw new ConfigError('--key', { expected: 'target_encoder or encoder', received: key });
  for (const flag of ['run', 'checkpoint', 'pixel-run', 'pixel-checkpoint'] as const) {
    const path = str(values, flag);
    if (path !== undefined) checkPath(`--${flag}`, path, flag === 'run' || flag === 'pixel-run' ? 'dir' : 'any');
  }
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

async function suite(argv: readonly string[], io: CliIo): Promise<number> {
  const values = parse(argv, SUITE_OPTIONS, 'suite');
  if (values.help) return io.log(COMMAND_USAGE.suite), EXIT.OK;
  const opts = await suiteOptions(values, io);
  if (opts.run === undefined && opts.checkpoint === undefined && opts.arch === undefined) {
    throw new ConfigError('vjepa-eval suite', { expected: '--run DIR, or --checkpoint (a checkpoint directory, or a file with --config/--preset)', received: 'neither', hint: 'see vjepa-eval suite --help' });
  }
  await setupBackendFromOptions(values, io.log);
  const { jobs, ...suiteOpts } = opts;
  const result = await runSuite({ ...suiteOpts, runFeatures: featurePoolRunner(jobs, io.log), runProbes: probePoolRunner(jobs, io.log) });
  io.log(`\n${result.table}`);
  io.log(`wrote ${result.files.markdown}, ${result.files.json} and ${result.files.pngs.length} confusion PNG(s) in ${result.seconds.toFixed(1)} s`);
  return EXIT.OK;
}

async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const values = parse(argv, { ...SUITE_OPTIONS, folder: { type: 'string' }, set: { type: 'string', multiple: true }, 'train-only': { type: 'string' }, 'feature-jobs': { type: 'string' } }, 'main');
  if (values.help) return io.log(COMMAND_USAGE.main), EXIT.OK;
  const sets = (values.set as string[] | undefined) ?? [];
  const common = { folder: str(values, 'folder') ?? 'runs/main', set: sets, backend: str(values, 'backend') ?? 'auto', log: io.log, signal: io.signal };
  const trainOnly = values['train-only'] === undefined ? undefined : choice(values, 'train-only', ['features', 'pixels'] as const, 'features');
  const featureJobsText = str(values, 'feature-jobs');
  if (featureJobsText !== undefined && trainOnly === undefined) throw new ConfigError('--feature-jobs', { expected: 'only with --train-only (what the main command passes its child process)', received: '--feature-jobs without --train-only' });
  const featureJobs = featureJobsText === undefined ? undefined : parseFeatureJobs(featureJobsText);
  // both configs are validated, and checked against this machine's memory, before the backend starts
  for (const objective of trainOnly === undefined ? (['features', 'pixels'] as const) : [trainOnly]) checkRunFits(mainRunConfig(objective, common));
  try {
    if (trainOnly !== undefined) {
      const backendInfo = await setupBackendFromOptions(values, io.log);
      await runMainTraining(trainOnly, { ...common, backendInfo, featureJobs });
      return EXIT.OK;
    }
    const { jobs, run: _run, checkpoint: _checkpoint, key: _key, arch: _arch, pixelRun: _pixelRun, pixelCheckpoint: _pixelCheckpoint, out, cacheDir, log: _log, ...probe } = await suiteOptions(values, io);
    const backendInfo = await setupBackendFromOptions(values, io.log);
    await runMain({ ...common, backendInfo, jobs, suite: { out, cacheDir, ...probe } });
    return EXIT.OK;
  } catch (e) {
    if (io.signal?.aborted === true) {
      const what = trainOnly === undefined ? 'each training saved a checkpoint at a step boundary' : `the training saved a checkpoint at a step boundary${featureJobs !== undefined ? " (or had finished: the suite's feature parts written so far are kept)" : ''}`;
      io.error(`vjepa-eval main: interrupted; ${what}. Rerun the same command to resume.`);
      return EXIT.INTERRUPTED;
    }
    throw e;
  }
}

/**
 * Runs one `vjepa-eval` command line; returns the exit code ({@link EXIT}: 0 ok, 1 failed, 2 bad
 * command line or config, 3 done with some inputs skipped, 130 interrupted), printing errors as one
 * `vjepa-eval: Name: message` line. A leading `--` is dropped (`pnpm run eval -- extract ...`).
 *
 * @example
 * const code = await runCli(['extract', '--checkpoint', 'c.pth.tar', '--config', 'a.yaml', '--input', 'x.npy', '--out', 'f.npy']);
 */
export async function runCli(argv: readonly string[], io: CliIo = { log: (l) => console.log(l), error: (l) => console.error(l) }): Promise<number> {
  const [command, ...rest] = argv[0] === '--' ? argv.slice(1) : argv;
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
      case '-h': {
        const topic = rest[0] as keyof typeof COMMAND_USAGE | undefined;
        io.log(command === 'help' && topic !== undefined && topic in COMMAND_USAGE ? COMMAND_USAGE[topic] : USAGE);
        return command === undefined ? EXIT.USAGE : EXIT.OK;
      }
      default:
        throw unknownCommandError(command, ['extract', 'probe', 'suite', 'main'], 'vjepa-eval');
    }
  } catch (e) {
    if (VjepaError.isInstance(e)) {
      io.error(`vjepa-eval: ${e.name}: ${e.message}`);
      return ConfigError.isInstance(e) ? EXIT.USAGE : EXIT.FAILED;
    }
    throw e;
  }
}
