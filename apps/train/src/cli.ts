import { backendSummary, setupBackend } from '@vjepa/backends';
import { ConfigError, VjepaError } from '@vjepa/errors';
import { defaultJobs, featurePoolRunner, probePoolRunner } from '@vjepa/probe-pool';
import { Progress, type RunConfig, type RunResult, type RunTrainingOptions, checkRunFits, loadConfig, runTraining, trainThenEvaluate } from '@vjepa/run';
import { dataParallelSession } from '@vjepa/train-pool';
import { stringify } from 'yaml';
import { USAGE, parseCliArgs } from './cli-args';

function printSummary(result: RunResult, log: (line: string) => void): void {
  const s = result.skipped;
  log(`\n${result.status === 'completed' ? 'done' : 'stopped'}: steps ${result.startStep} -> ${result.endStep} of ${result.totalSteps} in ${result.wallSeconds.toFixed(1)} s, ${result.clipsPerSec.toFixed(2)} clips/s on ${result.backend.name}`);
  if (result.finalLoss !== null) log(`  final loss ${result.finalLoss.toFixed(4)}`);
  log(`  skipped inputs: ${s.length}${s.length > 0 ? ` (${s.slice(0, 5).map((i) => `${i.source}: ${i.reason}`).join('; ')}${s.length > 5 ? '; ...' : ''})` : ''}`);
  log(`  run folder: ${result.paths.folder}`);
  log(`  checkpoint: ${result.checkpoint ?? '(none)'}`);
  if (result.encoderExport) log(`  encoder (official layout): ${result.encoderExport}`);
  log('  also there: config.yaml, metrics.jsonl, the CSV log, curves.png, masks.png, summary.json');
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseCliArgs(argv);
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const config = loadConfig(args.config);
  if (args.printConfig) {
    process.stdout.write(stringify(config));
    return 0;
  }
  checkRunFits(config); // before the backend starts: a batch that cannot fit is refused at once
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (name: string) => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write(`\n${name} again: exiting without saving\n`);
      process.exit(130);
    }
    process.stderr.write(`\n${name}: finishing the current step and saving a checkpoint (press again to quit now)\n`);
    controller.abort();
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));

  const progress = new Progress(process.stdout, { batchSize: config.data.batch_size, every: config.logging.log_every });
  const log = (line: string) => progress.log(line);
  const backend = await setupBackend(config.meta.backend);
  for (const line of backendSummary(backend, { verbose: args.verbose })) log(line);
  const onStep = (r: { iteration: number; loss: number; clipsPerSec: number; lr: number }, totalSteps: number) =>
    progress.update({ step: r.iteration + 1, totalSteps, loss: r.loss, clipsPerSec: r.clipsPerSec, lr: r.lr });
  const summarise = (result: RunResult) => {
    progress.done();
    printSummary(result, log);
  };

  // meta.replicas > 1: one training on that many cores (data-parallel worker threads, @vjepa/train-pool)
  const train = (c: RunConfig, o: RunTrainingOptions = {}) =>
    runTraining(c, c.meta.replicas > 1 ? { ...o, session: (cc, s, dir) => dataParallelSession(cc, s, dir, { replicas: cc.meta.replicas, log }) } : o);
  if (!args.thenEval) {
    const result = await train(config, { signal: controller.signal, log, backend, onStep });
    summarise(result);
    return result.status === 'interrupted' ? 130 : 0;
  }
  // --then-eval: the one train-then-evaluate of @vjepa/run (the pixel control from a sibling <folder>-pixels run, if any)
  try {
    await trainThenEvaluate([{ name: config.meta.objective, config }], {
      signal: controller.signal,
      log,
      backend,
      train,
      onStep: (_, r, total) => onStep(r, total),
      onTrained: (_, result) => summarise(result),
      suite: { runFeatures: featurePoolRunner(defaultJobs(), log), runProbes: probePoolRunner(defaultJobs(), log) },
    });
  } catch (e) {
    if (controller.signal.aborted) return 130; // interrupted: saved, no evaluation
    throw e;
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (VjepaError.isInstance(error)) {
      process.stderr.write(`vjepa-train: ${error.name}: ${error.message}\n`);
      process.exit(ConfigError.isInstance(error) ? 2 : 1);
    }
    process.stderr.write(`vjepa-train: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
