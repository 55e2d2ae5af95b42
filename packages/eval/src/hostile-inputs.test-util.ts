import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError, ShapeError } from '@vjepa/errors';
import { type StateDict, readTorchCheckpoint, readZip, selectStateDict, tensorData, writeNpy, writeTorchCheckpoint } from '@vjepa/io';
import { type HostileCase, craftZip, deflatedZeros, scratchFolder } from '@vjepa/io/testing';
import { archFromConfig } from './arch';
import { extractFeatures } from './extract';
import { loadEncoder } from './encoder-source';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/official-parity/', import.meta.url));
const GiB = 2 ** 30;

const scratchFiles = scratchFolder('vjepa-eval-hostile-');
const scratch = scratchFiles.path;
const fifo = scratchFiles.fifo;

/**
 * Removes the files the rows wrote.
 *
 * @example
 * afterAll(removeEvalHostileScratch);
 */
export function removeEvalHostileScratch(): void {
  scratchFiles.remove();
}

/** The architecture of the official-parity fixture (its arch.json's model and data sections). */
function fixtureArch() {
  const a = JSON.parse(readFileSync(join(FIXTURES, 'arch.json'), 'utf8')) as { model: unknown; data: unknown };
  return archFromConfig({ model: a.model, data: a.data }, 'arch.json');
}

/**
 * The fixture's target encoder in a training checkpoint whose `opt` holds a storage that declares
 * 1 KiB and inflates to `bombBytes` (the 8.3 MB file that inflated to 8 GiB).
 */
function optBombCheckpoint(bombBytes: number): string {
  const fixture = readTorchCheckpoint(new Uint8Array(readFileSync(join(FIXTURES, 'checkpoint.pth.tar'))), { file: 'checkpoint.pth.tar' });
  const target: StateDict = selectStateDict(fixture, 'target_encoder', { prefixes: [] });
  const bytes = writeTorchCheckpoint({ target_encoder: target, opt: { state: tensorData('float32', [256], new Float32Array(256)) } });
  const zip = readZip(bytes);
  const storages = [...zip.entries.keys()].filter((n) => /\/data\/\d+$/.test(n));
  const last = storages.sort((a, b) => Number(a.split('/').pop()) - Number(b.split('/').pop())).at(-1)!; // opt's: written after the encoder's
  const file = scratch('opt-bomb.pth.tar');
  writeFileSync(file, craftZip([...zip.entries.keys()].map((name) => (name === last ? { name, data: deflatedZeros(bombBytes), method: 8 as const, declaredSize: 1024 } : { name, data: zip.read(name) }))));
  return file;
}

function npyClips(name: string, shape: number[], fill: (data: Float32Array) => void): string {
  const data = new Float32Array(shape.reduce((a, x) => a * x, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.1);
  fill(data);
  const file = scratch(name);
  writeFileSync(file, writeNpy(tensorData('float32', shape, data)));
  return file;
}

/**
 * The hostile inputs of issue 13 that reach `@vjepa/eval` (an optimizer bomb beside the encoder,
 * non-finite and empty clips, a FIFO as the input), one row each; run by `adversarial.test.ts`.
 */
export function evalHostileRows(): HostileCase[] {
  const arch = fixtureArch();
  const checkpoint = join(FIXTURES, 'checkpoint.pth.tar');
  return [
    {
      name: 'extract: a .pth.tar whose opt storage declares 1 KiB and inflates to 8 GiB (only target_encoder is read)',
      prepare: () => {
        const file = optBombCheckpoint(8 * GiB);
        return async () => {
          const loaded = await loadEncoder(arch, { checkpoint: file });
          loaded.encoder.dispose();
          return loaded.description;
        };
      },
      expect: {
        accept: (d) => {
          if (d !== 'opt-bomb.pth.tar[target_encoder]') throw new Error(String(d));
        },
      },
    },
    {
      name: 'extract: a clip with a NaN (reported, not all-NaN features and exit 0)',
      prepare: () => {
        const input = npyClips('nan.npy', [2, 3, 4, 32, 32], (d) => (d[2 * 4 * 32 * 32 + 5] = Number.NaN));
        return () => extractFeatures({ arch, encoder: { checkpoint }, input, out: scratch('nan-out.npy') });
      },
      expect: { error: DataError, message: /nan\.npy: clip values: expected finite numbers, received 1 NaN or infinite value\(s\) of 24576, the first NaN at \[clip 0, frame 0, row 0, column 5, channel 2\]/ },
    },
    {
      name: 'extract: a clip with +Infinity',
      prepare: () => {
        const input = npyClips('inf.npy', [1, 4, 32, 32, 3], (d) => d.fill(Number.POSITIVE_INFINITY, 100, 103));
        return () => extractFeatures({ arch, encoder: { checkpoint }, input, out: scratch('inf-out.npy') });
      },
      expect: { error: DataError, message: /inf\.npy: clip values: expected finite numbers, received 3 NaN or infinite value\(s\) of 12288, the first Infinity at \[clip 0, frame 0, row 1, column 1, channel 1\]/ },
    },
    {
      name: 'extract: a (0, 3, 8, 32, 32) array',
      prepare: () => {
        const input = npyClips('zero.npy', [0, 3, 8, 32, 32], () => {});
        return () => extractFeatures({ arch, encoder: { checkpoint }, input, out: scratch('zero-out.npy') });
      },
      expect: { error: ShapeError, message: /zero\.npy: clip array \[0, 8, 32, 32, 3\]: expected at least one clip \(a first axis of 1 or more\), received 0 clips/ },
    },
    {
      name: 'extract: a FIFO named .npy as the input (refused before it is opened)',
      prepare: () => {
        const input = fifo('clips.npy');
        return () => extractFeatures({ arch, encoder: { checkpoint }, input, out: scratch('fifo-out.npy') });
      },
      expect: { error: DataError, message: /clips\.npy": expected a regular file, received a FIFO \(named pipe\)/ },
      maxMs: 10_000,
    },
    {
      name: 'extract: a FIFO named .mp4 as the input (ffmpeg never starts)',
      prepare: () => {
        const input = fifo('clip.mp4');
        return () => extractFeatures({ arch, encoder: { checkpoint }, input, out: scratch('fifo-out.npy') });
      },
      expect: { error: DataError, message: /clip\.mp4: expected an existing video or image file, received not a regular file \(a FIFO/ },
      maxMs: 10_000,
    },
  ];
}
