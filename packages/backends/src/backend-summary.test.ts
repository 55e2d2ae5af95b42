import { describe, expect, it } from 'vitest';
import { backendSummary } from './backend-summary';

const SETUP = {
  name: 'wasm' as const,
  detail: 'tfjs-backend-wasm (SIMD, 1 thread), training patches: segmentSum',
  tried: [
    { name: 'tfjs-node-gpu' as const, ok: false, reason: 'tfjs_binding.node can not be found: the native addon was not built (its install script downloads libtensorflow)' },
    { name: 'webgpu' as const, ok: false, reason: 'only the software adapter mesa llvmpipe-llvm-15-0-6-256-bits (software), which runs on the CPU several times slower than wasm' },
    { name: 'wasm' as const, ok: true, reason: '' },
  ],
};

describe('backendSummary', () => {
  it('says the backend and why the others were skipped on one line', () => {
    expect(backendSummary(SETUP)).toEqual([
      'backend: wasm (tfjs-backend-wasm (SIMD, 1 thread), training patches: segmentSum); auto skipped tfjs-node-gpu (tfjs_binding.node can not be found), webgpu (only the software adapter mesa llvmpipe-llvm-15-0-6-256-bits)',
    ]);
  });

  it('adds every full reason with verbose, and nothing when no backend was skipped', () => {
    const lines = backendSummary(SETUP, { verbose: true });
    expect(lines).toHaveLength(3);
    expect(lines[1]).toBe(`  tfjs-node-gpu skipped: ${SETUP.tried[0].reason}`);
    expect(backendSummary({ name: 'cpu', detail: 'tfjs-backend-cpu', tried: [{ name: 'cpu', ok: true, reason: '' }] }, { verbose: true })).toEqual(['backend: cpu (tfjs-backend-cpu)']);
  });
});
