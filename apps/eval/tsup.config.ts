import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.config.base';

export default defineConfig(packageConfig(['src/cli.ts', 'src/index.ts'], { dts: false, banner: { js: '#!/usr/bin/env node' } }));
