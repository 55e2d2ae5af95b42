import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.config.base';

// probe-worker: the suite's probe threads start dist/probe-worker.js beside dist/cli.js (see src/sibling-entry.ts)
export default defineConfig(packageConfig(['src/cli.ts', 'src/index.ts', 'src/probe-worker.ts'], { dts: false, banner: { js: '#!/usr/bin/env node' } }));
