import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@vjepa/source'] },
  ssr: { resolve: { conditions: ['@vjepa/source'] } },
  test: { name: 'run', environment: 'node', testTimeout: 120_000 },
});
