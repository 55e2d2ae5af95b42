import { defineConfig } from 'vitest/config';

// One root config; every package and app is a project. Tests resolve workspace packages to their
// sources through the "@vjepa/source" export condition, so they run without a build.
export default defineConfig({
  resolve: { conditions: ['@vjepa/source'] },
  ssr: { resolve: { conditions: ['@vjepa/source'] } },
  test: {
    projects: ['packages/*', 'apps/*', 'scripts/architecture', 'scripts/self-contained'],
  },
});
