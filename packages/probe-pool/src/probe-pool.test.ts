import { setupBackend } from '@vjepa/backends';
import { DataError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Features, type ProbeUnit, probeCost, runProbe } from '@vjepa/eval';
import { poolBackend, probePoolRunner, runProbePool } from './probe-pool';

/** Deterministic pseudo-random features `[n, tokens, d]` (a small LCG, no tfjs). */
function randomFeatures(n: number, tokens: number, d: number, seed: number): Features {
  const data = new Float32Array(n * tokens * d);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 32 - 0.5;
  }
  return { data, shape: [n, tokens, d], cached: false };
}

function labels(n: number, classes: number, seed: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % classes);
}

function units(): ProbeUnit[] {
  const train = randomFeatures(24, 4, 8, 1);
  const test = randomFeatures(12, 4, 8, 2);
  return [
    { name: 'digit/a', train, trainLabels: labels(24, 4, 0), test, testLabels: labels(12, 4, 1), options: { kind: 'attentive', numClasses: 4, numHeads: 2, seeds: 2, epochs: 2, batchSize: 8, lr: 5e-3 } },
    { name: 'direction/a', train, trainLabels: labels(24, 3, 2), test, testLabels: labels(12, 3, 0), options: { kind: 'linear', numClasses: 3, numHeads: 2, seeds: 2, epochs: 2, batchSize: 8, lr: 5e-3 } },
    { name: 'digit/b', train: randomFeatures(24, 4, 8, 3), trainLabels: labels(24, 4, 1), test: randomFeatures(12, 4, 8, 4), testLabels: labels(12, 4, 3), options: { kind: 'attentive', numClasses: 4, numHeads: 2, seeds: 1, epochs: 2, batchSize: 8, lr: 5e-3 } },
  ];
}

describe('probe pool', () => {
  beforeAll(async () => {
    await setupBackend('cpu');
  });

  it('gives the in-process results bit for bit, in the order of the units, with prefixed log lines', async () => {
    const us = units();
    const expected = [];
    for (const u of us) expected.push(await runProbe(u.train, u.trainLabels, u.test, u.testLabels, u.options));
    const lines: string[] = [];
    const got = await runProbePool(us, { jobs: 2, backend: poolBackend()!, log: (l) => lines.push(l) });
    expect(got).toEqual(expected);
    expect(lines).toContain('  [digit/a] attentive probe seed 1: ' + `${(100 * expected[0].accuracies[1]).toFixed(1)}%`);
    expect(lines.filter((l) => / probe on worker [12]$/.test(l))).toHaveLength(3);
  });

  it("sets up the parent's backend in the workers: wasm with its training fixes gives its own numbers too", async () => {
    await setupBackend('wasm');
    try {
      const us = units().slice(0, 2);
      const expected = [];
      for (const u of us) expected.push(await runProbe(u.train, u.trainLabels, u.test, u.testLabels, u.options));
      const backend = poolBackend()!;
      expect(backend.name).toBe('wasm');
      expect(backend.wasmPatches?.matMul).toBe(true);
      expect(await runProbePool(us, { jobs: 2, backend })).toEqual(expected);
    } finally {
      await setupBackend('cpu');
    }
  });

  it('is the suite runner for 2 or more jobs on cpu or wasm, and none (train here) for 1', () => {
    expect(probePoolRunner(1)).toBeUndefined();
    expect(typeof probePoolRunner(2)).toBe('function');
  });

  it('starts the longest unit first', () => {
    const [a, b, c] = units();
    expect(probeCost(a)).toBeGreaterThan(probeCost(c));
    expect(probeCost({ ...b, options: { ...b.options, kind: 'knn' } })).toBeLessThan(probeCost(b));
  });

  it('rethrows a worker failure as the same error class, naming the unit', async () => {
    const [a, b] = units();
    const bad = { ...b, testLabels: Int32Array.from(b.testLabels, (v, i) => (i === 3 ? 9 : v)) };
    const run = runProbePool([a, bad], { jobs: 2, backend: { name: 'cpu' } });
    await expect(run).rejects.toBeInstanceOf(DataError);
    await expect(run).rejects.toThrow(/probe direction\/a \(in a worker thread\): probe-test labels\[3\]: expected a class in \[0, 3\), received 9/);
  });
});
