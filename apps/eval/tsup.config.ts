import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.config.base';

// tfjs-core's gradient registrations exist only as ESM files with extensionless imports that Node
// cannot load, so the CLI bundles them (see src/register-gradients.ts).
export default defineConfig(
  packageConfig(['src/cli.ts', 'src/index.ts'], {
    dts: false,
    banner: { js: '#!/usr/bin/env node' },
    noExternal: [/^@tensorflow\/tfjs-core\/dist\/register_all_gradients/],
  }),
);
