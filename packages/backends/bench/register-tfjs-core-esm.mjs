// `--import` this file to run a script that imports '@tensorflow/tfjs-core/dist/register_all_gradients'
// under plain Node or tsx. tfjs-core 4.22's Node entry (tf-core.node.js) registers no gradients; only
// its ESM files (or the @tensorflow/tfjs union) do, and Node cannot resolve their extensionless imports.
import { register } from 'node:module';

register('./tfjs-core-esm-hooks.mjs', import.meta.url);
