import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-main';
import { COMMAND_USAGE } from './usage';
import { FIXTURES, captureIo, tempDir, writeArchConfig } from './test/fixtures';

describe('vjepa-eval command line', () => {
  it('prints one command\'s usage for <command> --help (and help <command>), the overview for --help', async () => {
    for (const argv of [['extract', '--help'], ['extract', '-h'], ['help', 'extract'], ['--', 'extract', '--help']]) {
      const io = captureIo();
      expect(await runCli(argv, io)).toBe(0);
      expect(io.out).toEqual([COMMAND_USAGE.extract]);
    }
    expect(COMMAND_USAGE.extract).not.toContain('vjepa-eval suite:');
    expect(COMMAND_USAGE.extract).toContain('--fail-fast');
    const io = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out[0]).toContain('vjepa-eval <command> --help');
    expect(io.out[0]).toContain('3    done, but some inputs could not be read');
  });

  it('suggests the flag and the command meant', async () => {
    const io = captureIo();
    expect(await runCli(['main', '--sett', 'meta.seed=1'], io)).toBe(2);
    expect(io.err).toEqual(['vjepa-eval: ConfigError: vjepa-eval main: --sett: expected one of its flags, received an unknown flag. did you mean --set? (see vjepa-eval main --help)']);
    const io2 = captureIo();
    expect(await runCli(['extract', '--chekpoint', 'x'], io2)).toBe(2);
    expect(io2.err[0]).toContain('did you mean --checkpoint?');
    const io3 = captureIo();
    expect(await runCli(['extrat'], io3)).toBe(2);
    expect(io3.err[0]).toContain('did you mean vjepa-eval extract?');
  });

  it('accepts a leading -- (pnpm run main -- --set meta.seed=11)', async () => {
    const io = captureIo();
    expect(await runCli(['main', '--', '--help'], io)).toBe(0);
    expect(io.out).toEqual([COMMAND_USAGE.main]);
  });

  it('reports a missing checkpoint, input or index before the backend starts (exit 2)', async () => {
    const dir = tempDir();
    const config = writeArchConfig(dir);
    const cases: [string[], string][] = [
      [['extract', '--checkpoint', join(dir, 'nope.pth.tar'), '--config', config, '--input', join(FIXTURES, 'input.npy'), '--out', join(dir, 'o.npy')], `--checkpoint ${join(dir, 'nope.pth.tar')}: expected an existing file or folder, received no such file or folder`],
      [['extract', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--config', config, '--input', join(dir, 'nope'), '--out', join(dir, 'o.npy')], `--input ${join(dir, 'nope')}: expected an existing file or folder`],
      [['probe', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--config', config, '--train-index', join(dir, 'a.txt'), '--test-index', join(dir, 'b.txt'), '--out', dir], `--train-index ${join(dir, 'a.txt')}: expected an existing file or folder`],
      [['suite', '--run', join(dir, 'no-run')], `--run ${join(dir, 'no-run')}: expected an existing folder`],
      [['extract', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--config', join(dir, 'nope.yaml'), '--input', join(FIXTURES, 'input.npy'), '--out', join(dir, 'o.npy')], `--config ${join(dir, 'nope.yaml')}: expected a readable YAML or JSON file`],
    ];
    for (const [argv, message] of cases) {
      const io = captureIo();
      expect(await runCli([...argv, '--backend', 'auto'], io)).toBe(2);
      expect(io.err[0]).toContain(message);
      expect(io.out.filter((l) => l.startsWith('backend:'))).toEqual([]); // nothing started
    }
  });

  it('takes --fname as --config (the official CLI\'s name), not both', async () => {
    const dir = tempDir();
    const config = writeArchConfig(dir);
    const args = ['extract', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--input', join(FIXTURES, 'input.npy'), '--out', join(dir, 'f.npy'), '--backend', 'cpu'];
    expect(await runCli([...args, '--fname', config], captureIo())).toBe(0);
    const io = captureIo();
    expect(await runCli([...args, '--fname', config, '--config', config], io)).toBe(2);
    expect(io.err[0]).toContain('--fname: expected either --config or --fname (the same flag), received both');
  });
});
