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

  it('rejects unknown flags with a hint', () => {
    expect(() => parseCliArgs(['--lr', '3'])).toThrow(/--help/);
  });
});
