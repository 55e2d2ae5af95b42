import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditerrorsns: ['@vjepa/source'] },
  ssr: { resolve: { conditerrorsns: ['@vjepa/source'] } },
  test: { name: 'errors', environment: 'node', testTimeout: 60_000 },
});
