import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args';
import { loadConfig } from '@vjepa/run';

describe('parseCliArgs', () => {
  it('turns shorthand flags into --set overrides that reach the config', () => {
    const args = parseCliArgs(['--backend', 'cpu', '--folder', '/tmp/run', '--set', 'optimization.lr=1e-3', '--no-resume', '--then-eval']);
    expect(args.thenEval).toBe(true);
    const config = loadConfig(args.config);
    expect(config.meta.backend).toBe('cpu');
    expect(config.logging.folder).toBe('/tmp/run');
    expect(config.optimization.lr).toBe(1e-3);
    expect(config.meta.load_checkpoint).toBe(false);
  });

  it('rejects unknown flags with a hint, and names the flag meant', () => {
    expect(() => parseCliArgs(['--lr', '3'])).toThrow(/--help/);
    expect(() => parseCliArgs(['--sett', 'meta.seed=1'])).toThrow('vjepa-train: --sett: expected one of its flags, received an unknown flag. did you mean --set?');
    expect(() => parseCliArgs(['--no-resum'])).toThrow('did you mean --no-resume?');
  });

  it('accepts a leading -- (pnpm run train -- ...) and the official --fname for --config', () => {
    expect(parseCliArgs(['--', '--set', 'meta.seed=11']).config.set).toEqual(['meta.seed=11']);
    expect(parseCliArgs(['--fname', 'configs/vitl16.yaml']).config.configFile).toBe('configs/vitl16.yaml');
    expect(() => parseCliArgs(['--fname', 'a.yaml', '--config', 'b.yaml'])).toThrow('either --config or --fname');
    expect(parseCliArgs(['--verbose']).verbose).toBe(true);
  });
});
