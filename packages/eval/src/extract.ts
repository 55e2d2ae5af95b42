import { mkdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { listVideoFiles, videoClips } from '@vjepa/data';
import { ConfigError } from '@vjepa/errors';
import { tensorData, writeFileAtomic, writeNpy } from '@vjepa/io';
import { type EvalArch, clipOf } from './arch';
import { type ClipLayout, readClipNpy } from './clip-input';
import { type Pool, encodeClips } from './encode';
import { type EncoderSpec, loadEncoder } from './encoder-source';

/**
 * Options of {@link extractFeatures}.
 *
 * @example
 * const opts: ExtractOptions = { arch, encoder: { checkpoint: 'ckpt.pth.tar' }, input: 'clip.npy', out: 'features.npy' };
 */
export interface ExtractOptions {
  arch: EvalArch;
  encoder: EncoderSpec;
  /** A `.npy` clip array, a video/image file, or a folder of videos. */
  input: string;
  /** Output `.npy` file (for a `.npy` input or `stack`), else an output folder (one `.npy` per video). */
  out: string;
  pool?: Pool;
  /** Layout of a `.npy` input (default: detected from the axis of size 3). */
  layout?: ClipLayout;
  /** Videos of a folder into one stacked `[V * numClips, ...]` file instead of one file per video. */
  stack?: boolean;
  batchSize?: number;
  ffmpegPath?: string;
  log?: (line: string) => void;
}

/**
 * What {@link extractFeatures} wrote.
 *
 * @example
 * const { files, shapes } = await extractFeatures(opts);
 */
export interface ExtractResult {
  files: string[];
  shapes: number[][];
}

async function save(path: string, data: Float32Array, shape: number[]): Promise<void> {
  mkdirSync(dirname(path) || '.', { recursive: true });
  await writeFileAtomic(path, writeNpy(tensorData('float32', shape, data)));
}

/**
 * Frozen-feature extraction (`vjepa-eval extract`): features of clips given as `.npy` (official
 * channels-first or channels-last), of a video, or of every video (and image) in a folder, written as
 * float32 `.npy`: `[B, N, D]` tokens, or `[B, D]` with `pool: 'mean'`. Videos give `[numClips, ...]` each.
 *
 * @example
 * await extractFeatures({ arch: readArchConfig('arch.yaml'), encoder: { checkpoint: 'checkpoint.pth.tar' }, input: 'input.npy', out: 'features.npy' });
 */
export async function extractFeatures(options: ExtractOptions): Promise<ExtractResult> {
  const log = options.log ?? (() => {});
  const { arch } = options;
  const isDir = (() => {
    try {
      return statSync(options.input).isDirectory();
    } catch {
      return false;
    }
  })();
  const isNpy = !isDir && extname(options.input).toLowerCase() === '.npy';
  if (options.layout !== undefined && !isNpy) throw new ConfigError('--layout', { expected: 'only with a .npy input', received: options.input });
  const { encoder, description } = await loadEncoder(arch, options.encoder, log);
  log(`encoder: ${description} (${arch.source})`);
  const enc = { batchSize: options.batchSize, pool: options.pool };
  try {
    if (isNpy) {
      const clips = await readClipNpy(options.input, options.layout);
      log(`input: ${options.input} [${clips.shape.join(', ')}] (${clips.layout})`);
      const f = await encodeClips(encoder, clips.data, clips.shape, enc);
      await save(options.out, f.data, f.shape);
      log(`wrote ${options.out} [${f.shape.join(', ')}]`);
      return { files: [options.out], shapes: [f.shape] };
    }
    const videos = isDir ? await listVideoFiles(options.input) : [options.input];
    const result: ExtractResult = { files: [], shapes: [] };
    const stacked: Float32Array[] = [];
    let rowShape: number[] = [];
    for (const video of videos) {
      const clips = await videoClips(video, clipOf(arch), { ffmpegPath: options.ffmpegPath });
      const f = await encodeClips(encoder, clips.clips, clips.shape, enc);
      rowShape = f.shape.slice(1);
      if (options.stack) {
        stacked.push(f.data);
        continue;
      }
      const out = isDir ? join(options.out, `${basename(video, extname(video))}.npy`) : options.out;
      await save(out, f.data, f.shape);
      log(`wrote ${out} [${f.shape.join(', ')}] from ${video}`);
      result.files.push(out);
      result.shapes.push(f.shape);
    }
    if (options.stack) {
      const total = stacked.reduce((a, x) => a + x.length, 0);
      const data = new Float32Array(total);
      let at = 0;
      for (const s of stacked) {
        data.set(s, at);
        at += s.length;
      }
      const shape = [total / rowShape.reduce((a, x) => a * x, 1), ...rowShape];
      await save(options.out, data, shape);
      await writeFileAtomic(`${options.out}.txt`, `${videos.map((v) => `${v} ${arch.numClips}`).join('\n')}\n`);
      log(`wrote ${options.out} [${shape.join(', ')}] from ${videos.length} video(s); rows listed in ${options.out}.txt`);
      result.files.push(options.out);
      result.shapes.push(shape);
    }
    return result;
  } finally {
    encoder.dispose();
  }
}
