import { stringify } from 'yaml';
import { VjepaError } from '@vjepa/errors';
import { USAGE, parseCliArgs } from './cli-args';
import { loadConfig } from './config/load-config';
import { Progress } from './logging/progress';
import { findEvalEntryPoint } from './run/eval-hook';
import { runTraining, type RunResult } from './run/run-training';

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
  const result = await runTraining(config, {
    signal: controller.signal,
    log,
    onStep: (r, totalSteps) => progress.update({ step: r.step + 1, totalSteps, loss: r.loss, clipsPerSec: r.clipsPerSec, lr: r.lr }),
  });
  progress.done();
  printSummary(result, log);
  if (result.status === 'interrupted') return 130;

  if (args.thenEval) {
    const found = await findEvalEntryPoint();
    if ('reason' in found) {
      log(`--then-eval: evaluation is not available yet (${found.reason}). The encoder is at ${result.encoderExport}.`);
    } else {
      log(`--then-eval: running apps/eval ${found.name}`);
      await found.run({ runFolder: result.paths.folder, checkpoint: result.checkpoint, encoderExport: result.encoderExport, backend: result.backend.name, config, log });
    }
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (VjepaError.isInstance(error)) {
      process.stderr.write(`vjepa-train: ${error.name}: ${error.message}\n`);
      process.exit(error.name === 'ConfigError' ? 2 : 1);
    }
    process.stderr.write(`vjepa-train: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
