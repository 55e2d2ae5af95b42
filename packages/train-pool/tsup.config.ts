import { defineConfig } from 'tsup';
import { packageConfig } from '../../tsup.config.base';

// replica-worker: the pool starts dist/replica-worker.js beside dist/index.js (see @vjepa/probe-pool's siblingEntry)
export default defineConfig(packageConfig(['src/index.ts', 'src/replica-worker.ts']));
