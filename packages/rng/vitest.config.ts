import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@vjepa/source'] },
  ssr: { resolve: { conditions: ['@vjepa/source'] } },
  test: { name: 'rng', environment: 'node', testTimeout: 60_000 },
});
