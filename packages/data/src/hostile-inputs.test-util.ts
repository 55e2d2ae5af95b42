import { truncateSync, writeFileSync } from 'node:fs';
import { ConfigError, DataError } from '@vjepa/errors';
import { type HostileCase, scratchFolder } from '@vjepa/io/testing';
import { indexClips } from './index-clips';
import { readVideoIndex } from './video-index-dataset';
import { videoClips } from './video-clips';

const CLIP = { numFrames: 4, frameStep: 1, numClips: 1, cropSize: 32 } as const;

const scratchFiles = scratchFolder('vjepa-data-hostile-');
const scratch = scratchFiles.path;
const fifo = scratchFiles.fifo;

/**
 * Removes the files the rows wrote (index files, a sparse file, FIFOs).
 *
 * @example
 * afterAll(removeDataHostileScratch);
 */
export function removeDataHostileScratch(): void {
  scratchFiles.remove();
}

function indexFile(name: string, text: string): string {
  const path = scratch(name);
  writeFileSync(path, text);
  return path;
}

/**
 * The hostile inputs of issue 13 that reach `@vjepa/data` (video indexes, labels, special and
 * empty files), one row each; run by `adversarial.test.ts` with `@vjepa/io/testing`'s `expectHostile`.
 */
export function dataHostileRows(): HostileCase[] {
  return [
    {
      name: 'index: 200k lines (Kinetics-400 lists 240k): read, labels counted without a spread into Math.max',
      prepare: () => {
        const lines = Array.from({ length: 200_000 }, (_, i) => `videos/clip-${i}.mp4 ${i % 400}`);
        const file = indexFile('k400-like.txt', `${lines.join('\n')}\n`);
        return () => indexClips(CLIP, file);
      },
      expect: {
        accept: (set) => {
          const s = set as { size: number; numClasses: { label: number }; labels: { label: Int32Array } };
          if (s.size !== 200_000 || s.numClasses.label !== 400 || s.labels.label[399] !== 399) throw new Error(`size ${s.size}, classes ${s.numClasses.label}`);
        },
      },
    },
    {
      name: 'index: one 400 MB line (refused after 64 KiB, never held whole)',
      prepare: () => {
        const file = scratch('long-line.txt');
        writeFileSync(file, 'a.mp4 0\n');
        truncateSync(file, 400 * 2 ** 20); // sparse: 400 MB of NUL bytes and no newline after line 1
        return () => readVideoIndex(file);
      },
      expect: { error: DataError, message: /long-line\.txt line 2: expected a line of at most 64 KiB \("path label"\), received a line longer than that/ },
      maxRssGrowthBytes: 64 * 2 ** 20,
    },
    {
      name: 'index: label 1000000000 (a probe of a billion classes)',
      prepare: () => {
        const file = indexFile('billion.txt', 'a.mp4 0\nb.mp4 1000000000\n');
        return () => indexClips(CLIP, file);
      },
      expect: { error: DataError, message: /billion\.txt line 2: label: expected an integer class label below 100000, received 1000000000/ },
    },
    {
      name: 'index: label 4294967297 (2^32 + 1, which an Int32Array wraps to 1)',
      prepare: () => {
        const file = indexFile('wrap.txt', 'a.mp4 0\nb.mp4 4294967297\n');
        return () => indexClips(CLIP, file);
      },
      expect: { error: DataError, message: /wrap\.txt line 2: label: expected an integer class label below 100000, received 4294967297/ },
    },
    {
      name: 'index: a label of 400 digits',
      prepare: () => {
        const file = indexFile('digits.txt', `a.mp4 ${'9'.repeat(400)}\n`);
        return () => indexClips(CLIP, file);
      },
      expect: { error: DataError, message: /digits\.txt line 1: label: expected an integer class label below 100000, received 9{40}\.\.\. \(400 digits\)/ },
    },
    {
      name: 'index: a label at or above numClasses',
      prepare: () => {
        const file = indexFile('above.txt', 'a.mp4 0\nb.mp4 7\n');
        return () => indexClips(CLIP, file, { numClasses: 5 });
      },
      expect: { error: DataError, message: /above\.txt line 2: label: expected a class label in 0 \.\. 4 \(numClasses 5\), received 7/ },
    },
    {
      name: 'index: numClasses 1e9',
      prepare: () => {
        const file = indexFile('ok.txt', 'a.mp4 0\nb.mp4 1\n');
        return () => indexClips(CLIP, file, { numClasses: 1e9 });
      },
      expect: { error: ConfigError, message: /numClasses: expected an integer in 2 \.\. 100000, received 1000000000/ },
    },
    {
      name: 'index: a FIFO given as the index (open would block forever)',
      prepare: () => {
        const path = fifo('index-fifo.txt');
        return () => readVideoIndex(path);
      },
      expect: { error: DataError, message: /index-fifo\.txt: expected a readable video index file, received not a regular file \(a FIFO, socket or device\)/ },
      maxMs: 5000,
    },
    {
      name: 'video: a FIFO named like a video (ffmpeg would block forever)',
      prepare: () => {
        const path = fifo('clip.mp4');
        return () => videoClips(path, CLIP);
      },
      expect: { error: DataError, message: /clip\.mp4: expected an existing video or image file, received not a regular file \(a FIFO, socket or device/ },
      maxMs: 5000,
    },
    {
      name: 'video: an empty .mp4',
      prepare: () => {
        const path = indexFile('empty.mp4', '');
        return () => videoClips(path, CLIP);
      },
      expect: { error: DataError, message: /empty\.mp4: expected an existing video or image file, received an empty file \(0 bytes\)/ },
    },
    {
      name: 'video: a text file named .mp4',
      prepare: () => {
        const path = indexFile('text.mp4', 'this is not a video\n'.repeat(100));
        return () => videoClips(path, CLIP);
      },
      expect: { error: DataError, message: /text\.mp4: expected a readable video or image, received ffmpeg exit code/ },
    },
  ];
}
