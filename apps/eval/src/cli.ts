import { runCli } from './cli-main';
import { STOP_ON_STDIN_EOF } from './training-child';

const argv = process.argv.slice(2);
const command = argv[0] === '--' ? argv[1] : argv[0];
// extract (between videos) and main (at a step boundary, saving) stop cleanly; the others quit at once
const graceful = command === 'extract' || command === 'main';
const controller = new AbortController();
let signals = 0;
const onSignal = (name: NodeJS.Signals): void => {
  signals += 1;
  if (!graceful || signals > 1) {
    if (graceful) process.stderr.write(`\n${name} again: exiting without waiting\n`);
    process.exit(130);
  }
  const what = command === 'main' ? 'the trainings save at the next step boundary (during the suite: after the current feature part)' : 'after the current video';
  process.stderr.write(`\n${name}: stopping: ${what}; press Ctrl-C again to quit at once\n`);
  controller.abort();
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
if (process.env[STOP_ON_STDIN_EOF] === '1') {
  // a training of `main` in a child process: the parent closes our stdin to stop us (or dies)
  process.stdin.on('end', () => controller.abort());
  process.stdin.on('error', () => controller.abort());
  process.stdin.resume();
}

runCli(argv, { log: (l) => console.log(l), error: (l) => console.error(l), signal: controller.signal }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`vjepa-eval: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
