import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.config.base';

// the CLI only: everything else is in the packages (the probe workers' entry is @vjepa/probe-pool's)
export default defineConfig(packageConfig(['src/cli.ts'], { dts: false, banner: { js: '#!/usr/bin/env node' } }));
