export { createRng, deriveSeed, restoreRng } from './rng';
export type { Rng, RngState } from './rng';
