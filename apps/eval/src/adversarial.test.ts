import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type HostileCase, expectHostile } from '@vjepa/io/testing';
import { describe, it } from 'vitest';
import { runCli } from './cli-main';
import { FIXTURES, captureIo, tempDir, writeArchConfig } from './test/fixtures';

/** A command line that ended with a non-zero exit code: the code, and what it printed as its error. */
class CliExit extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly out: string[],
  ) {
    super(message);
  }
}

/** The error class of an exit code, for `expectHostile` (any class with `isInstance`). */
const exitCode = (code: number) => ({ name: `exit code ${code}`, isInstance: (e: unknown) => e instanceof CliExit && e.code === code });

/** Runs `vjepa-eval argv`; throws a CliExit when it exits non-zero (the message is its error line, with ` [a backend started]` when one did). */
function cli(argv: string[]): () => Promise<string[]> {
  return async () => {
    const io = captureIo();
    const code = await runCli(argv, io);
    if (code !== 0) throw new CliExit(code, `${io.err.join('\n')}${io.out.some((l) => l.startsWith('backend:')) ? ' [a backend started]' : ''}`, io.out);
    return io.out;
  };
}

// The hostile inputs of issue 13 tried on vjepa-eval's command line, one row each: a clear error
// line and the documented exit code, within the time and memory bounds; the table grows with each case.
function rows(): HostileCase[] {
  const dir = tempDir();
  const config = writeArchConfig(dir);
  const checkpoint = join(FIXTURES, 'checkpoint.pth.tar');
  return [
    {
      name: 'extract --input FIFO: refused before the backend starts, no hang (exit 2)',
      prepare: () => {
        const input = join(dir, 'clip.mp4');
        rmSync(input, { force: true });
        execFileSync('mkfifo', [input]);
        return cli(['extract', '--checkpoint', checkpoint, '--config', config, '--input', input, '--out', join(dir, 'o.npy'), '--backend', 'auto']);
      },
      expect: { error: exitCode(2), message: /^vjepa-eval: ConfigError: --input .*clip\.mp4: expected a regular file or a folder, received a FIFO \(named pipe\) \(never opened: reading one can block forever\)\.$/ },
      maxMs: 10_000,
    },
    {
      name: 'main --set data.batch_size=1e9: refused by the memory bound before the backend starts (exit 2)',
      prepare: () => cli(['main', '--folder', join(dir, 'run'), '--set', 'data.batch_size=1e9', '--backend', 'auto']),
      expect: { error: exitCode(2), message: /^vjepa-eval: ConfigError: data\.batch_size 1000000000: expected a training step that fits in this machine's .* of memory, received a step that needs at least [\d.]+ TiB .*lower data\.batch_size to at most \d+/ },
      maxMs: 10_000,
      maxRssGrowthBytes: 128 * 2 ** 20,
    },
    {
      name: 'probe --train-index with label 4294967297 (exit 1, never wrapped to 1)',
      prepare: () => {
        writeFileSync(join(dir, 'wrap.txt'), 'a.mp4 0\nb.mp4 4294967297\n');
        writeFileSync(join(dir, 'ok.txt'), 'a.mp4 0\nb.mp4 1\n');
        return cli(['probe', '--checkpoint', checkpoint, '--config', config, '--train-index', join(dir, 'wrap.txt'), '--test-index', join(dir, 'ok.txt'), '--out', join(dir, 'p'), '--backend', 'cpu']);
      },
      expect: { error: exitCode(1), message: /^vjepa-eval: DataError: .*wrap\.txt line 2: label: expected an integer class label below 100000, received 4294967297\. (?!.*a backend started)/ },
    },
    {
      name: 'probe --num-classes 1000000000 (exit 2 before a billion-class probe is built)',
      prepare: () => cli(['probe', '--checkpoint', checkpoint, '--config', config, '--train-index', join(dir, 'ok.txt'), '--test-index', join(dir, 'ok.txt'), '--num-classes', '1000000000', '--out', join(dir, 'p'), '--backend', 'cpu']),
      expect: { error: exitCode(2), message: /^vjepa-eval: ConfigError: numClasses: expected an integer in 2 \.\. 100000, received 1000000000\.$/ },
      maxRssGrowthBytes: 128 * 2 ** 20,
    },
  ];
}

describe('hostile inputs on the command line', () => {
  for (const row of rows()) {
    it(row.name, async () => {
      await expectHostile(row);
    });
  }
});
