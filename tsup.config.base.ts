import type { Options } from 'tsup';

/**
 * The one build config every package shares: ESM with declarations, one entry per public subpath.
 *
 * @example
 * // packages/x/tsup.config.ts
 * import { defineConfig } from 'tsup';
 * import { packageConfig } from '../../tsup.config.base';
 * export default defineConfig(packageConfig(['src/index.ts']));
 */
export function packageConfig(entry: string[], extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    treeshake: true,
    ...extra,
  };
}
