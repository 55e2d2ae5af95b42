import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import { gridOf, parseModuleSpec, strategyForConfig } from './masking-strategy';

const fixtures = fileURLToPath(new URL('../../../fixtures/masking-strategies/', import.meta.url));

describe('strategyForConfig', () => {
  it('builds multiblock3d from the mask list by default', async () => {
    const config = loadConfig();
    const strategy = await strategyForConfig(config);
    expect(strategy.numMaskTypes).toBe(2);
    expect(gridOf(config)).toEqual({ t: 4, h: 4, w: 4 });
  });

  it('accepts a conforming custom strategy, default or named export', async () => {
    for (const spec of [join(fixtures, 'good-strategy.mjs'), `${join(fixtures, 'good-strategy.mjs')}#missingMoment`]) {
      const strategy = await strategyForConfig(loadConfig({ set: [`mask_strategy_module=${spec}`] }));
      expect(strategy.name).toBe('missing-moment');
    }
  });

  it('resolves relative module paths from the base directory', async () => {
    const strategy = await strategyForConfig(loadConfig({ set: ['mask_strategy_module=masking-strategies/good-strategy.mjs'] }), join(fixtures, '..'));
    expect(strategy.numMaskTypes).toBe(1);
  });

  it('refuses a broken strategy with the conformance kit reason and the module name', async () => {
    const spec = join(fixtures, 'broken-strategy.mjs');
    const error = await strategyForConfig(loadConfig({ set: [`mask_strategy_module=${spec}`] })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('mask_strategy_module');
    expect(message).toContain('broken-strategy.mjs');
    expect(message).toContain('[overlap]');
  });

  it('names a missing export and a missing file', async () => {
    const missingExport = await strategyForConfig(loadConfig({ set: [`mask_strategy_module=${join(fixtures, 'good-strategy.mjs')}#nope`] })).catch((e: Error) => e.message);
    expect(missingExport).toContain('an export named "nope"');
    expect(missingExport).toContain('"missingMoment"');
    const missingFile = await strategyForConfig(loadConfig({ set: ['mask_strategy_module=/no/such/file.js'] })).catch((e: Error) => e.message);
    expect(missingFile).toContain('no file at /no/such/file.js');
  });

  it('splits module specs at the last #', () => {
    expect(parseModuleSpec('a/b.js#x')).toEqual({ path: 'a/b.js', exportName: 'x' });
    expect(parseModuleSpec('a/b.js')).toEqual({ path: 'a/b.js', exportName: 'default' });
  });
});
