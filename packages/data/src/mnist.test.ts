import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { MNIST_SHA256, loadMnist, mnistDataDir } from './mnist';

describe('loadMnist', () => {
  it('loads both splits with the canonical counts and label distribution', () => {
    const train = loadMnist('train');
    const test = loadMnist('test');
    expect([train.count, test.count]).toEqual([60000, 10000]);
    expect(train.images.length).toBe(60000 * 784);
    const counts = new Array(10).fill(0);
    test.labels.forEach((l) => counts[l]++);
    expect(counts).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(train.labels.filter((l) => l === 1).length).toBe(6742);
    // MNIST digits are centred: the border rows are background
    expect(test.images.subarray(0, 28).every((v) => v === 0)).toBe(true);
    expect(Math.max(...test.images.subarray(0, 784))).toBe(255);
  });

  it('throws a DataError when a file does not match its checksum', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vjepa-mnist-'));
    for (const name of Object.keys(MNIST_SHA256)) copyFileSync(join(mnistDataDir(), name), join(dir, name));
    const labels = readFileSync(join(dir, 't10k-labels-idx1-ubyte'));
    labels[100] = (labels[100]! + 1) % 10;
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels);
    expect(() => loadMnist('test', dir)).toThrow(DataError);
    expect(() => loadMnist('test', dir)).toThrow(/t10k-labels-idx1-ubyte: SHA-256: expected ff7bcf.*received/);
    expect(() => loadMnist('test', join(dir, 'missing'))).toThrow(/ENOENT/);
  });
});
