import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.config.base';

// the CLI only: the training itself is @vjepa/run's
export default defineConfig(packageConfig(['src/cli.ts'], { dts: false, banner: { js: '#!/usr/bin/env node' } }));
