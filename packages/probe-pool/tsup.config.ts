import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.config.base';

// probe-worker: the pool starts dist/probe-worker.js beside dist/index.js (see src/source-entry.ts)
export default defineConfig(packageConfig(['src/index.ts', 'src/probe-worker.ts']));
