import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'self-contained', environment: 'node', testTimeout: 60_000 },
});
