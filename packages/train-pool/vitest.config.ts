import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@vjepa/source'] },
  ssr: { resolve: { conditions: ['@vjepa/source'] } },
  test: { name: 'train-pool', environment: 'node', testTimeout: 300_000 },
});
