import { describe, expect, it } from 'vitest';
import { isSoftwareAdapter } from './adapter';

describe('isSoftwareAdapter', () => {
  it('recognises CPU rasterisers and fallback adapters, and not GPUs', () => {
    // What Dawn reports for Mesa 25's lavapipe on Debian 12, and for the H200.
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 25.0.7' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', device: 'SwiftShader Device (Subzero)' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'x' }, true)).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'x', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h200' })).toBe(false);
    expect(isSoftwareAdapter({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M1 Max' })).toBe(false);
    expect(isSoftwareAdapter({})).toBe(false);
  });
});
