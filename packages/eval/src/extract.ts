import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { listVideoFiles, videoClips } from '@vjepa/data';
import { ConfigError } from '@vjepa/errors';
import { readNpy, tensorData, toFloat32, writeFileAtomic, writeNpy } from '@vjepa/io';
import { type EvalArch, clipOf } from './arch';
import { checkClips, checkFeatures } from './clip-checks';
import { type ClipLayout, readClipNpy } from './clip-input';
import { type Pool, encodeClips } from './encode';
import { type EncoderSpec, loadEncoder } from './encoder-source';
import { type SkippedInput, extractFolder } from './extract-folder';

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
  /**
   * Videos of a folder into one stacked `[V * numClips, ...]` file instead of one file per video
   * (the per-video files are kept in `<out>.parts/`, so a rerun resumes).
   */
  stack?: boolean;
  batchSize?: number;
  ffmpegPath?: string;
  /** A folder's first bad input stops the extraction with its error (default: skipped, named, counted). */
  failFast?: boolean;
  /** Aborting stops a folder's extraction after the current video; what was written stays (a rerun resumes). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * What {@link extractFeatures} did.
 *
 * @example
 * const { files, skipped, status } = await extractFeatures(opts);
 * if (skipped.length > 0) console.log(`${skipped.length} bad input(s), see ${summary}`);
 */
export interface ExtractResult {
  /** The feature files of every usable input (written now or kept), and their shapes. */
  files: string[];
  shapes: number[][];
  /** Files written by this call, and files an earlier run wrote that were verified and kept. */
  written: number;
  kept: number;
  /** Inputs of a folder that could not be used, with the reason. */
  skipped: SkippedInput[];
  /** `interrupted` when `signal` stopped a folder's extraction early. */
  status: 'completed' | 'interrupted';
  /** The folder's `extract-summary.json`, or null for a single input. */
  summary: string | null;
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
 * A folder is robust and resumable: a bad input (missing, empty, a FIFO or device, not a video,
 * truncated or corrupt) is skipped and named, the others are extracted (`failFast` stops at the
 * first instead); an output written by an earlier run is kept when its record matches by content
 * (input SHA-256, weights, settings, output SHA-256); `extract-summary.json` lists everything.
 * Clips with NaN or infinite values, and arrays of zero clips, are refused with a clear error.
 *
 * @example
 * await extractFeatures({ arch: readArchConfig('arch.yaml'), encoder: { checkpoint: 'checkpoint.pth.tar' }, input: 'input.npy', out: 'features.npy' });
 * const r = await extractFeatures({ arch, encoder, input: 'videos/', out: 'features/' }); // r.skipped: the bad videos
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
  const videos = isDir ? await listVideoFiles(options.input) : [];
  const loaded = await loadEncoder(arch, options.encoder, log);
  const { encoder, description } = loaded;
  log(`encoder: ${description} (${arch.source})`);
  const enc = { batchSize: options.batchSize, pool: options.pool };
  const single = (file: string, shape: number[]): ExtractResult => ({ files: [file], shapes: [shape], written: 1, kept: 0, skipped: [], status: 'completed', summary: null });
  try {
    if (isNpy) {
      const clips = await readClipNpy(options.input, options.layout);
      log(`input: ${options.input} [${clips.shape.join(', ')}] (${clips.layout})`);
      checkClips(clips.data, clips.shape, options.input);
      const f = await encodeClips(encoder, clips.data, clips.shape, enc);
      checkFeatures(f.data, `features of ${options.input} under ${description}`);
      await save(options.out, f.data, f.shape);
      log(`wrote ${options.out} [${f.shape.join(', ')}]`);
      return single(options.out, f.shape);
    }
    if (!isDir) {
      const clips = await videoClips(options.input, clipOf(arch), { ffmpegPath: options.ffmpegPath });
      checkClips(clips.clips, clips.shape, options.input);
      const f = await encodeClips(encoder, clips.clips, clips.shape, enc);
      checkFeatures(f.data, `features of ${options.input} under ${description}`);
      await save(options.out, f.data, f.shape);
      log(`wrote ${options.out} [${f.shape.join(', ')}] from ${options.input}`);
      return single(options.out, f.shape);
    }
    const folderOut = options.stack ? `${options.out}.parts` : options.out;
    const done = await extractFolder(videos, options.input, folderOut, {
      loaded,
      arch,
      pool: options.pool ?? 'none',
      batchSize: options.batchSize,
      ffmpegPath: options.ffmpegPath,
      failFast: options.failFast === true,
      signal: options.signal,
      log,
    });
    const written = done.outputs.filter((o) => !o.kept).length;
    const kept = done.outputs.length - written;
    const result: ExtractResult = {
      files: done.outputs.map((o) => o.file),
      shapes: done.outputs.map((o) => o.shape),
      written,
      kept,
      skipped: done.skipped,
      status: done.interrupted ? 'interrupted' : 'completed',
      summary: done.summary,
    };
    const notReached = videos.length - done.outputs.length - done.skipped.length;
    log(
      `extract: ${videos.length} input(s): ${written} written, ${kept} kept (up to date from an earlier run), ${done.skipped.length} skipped` +
        `${notReached > 0 ? `, ${notReached} not reached (interrupted)` : ''}; summary in ${done.summary}`,
    );
    if (options.stack && !done.interrupted && done.outputs.length > 0) {
      const parts = done.outputs.map((o) => toFloat32(readNpy(new Uint8Array(readFileSync(o.file)), { file: o.file })));
      const rowShape = done.outputs[0].shape.slice(1);
      const data = new Float32Array(parts.reduce((a, x) => a + x.length, 0));
      parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
      const shape = [done.outputs.reduce((a, o) => a + o.shape[0], 0), ...rowShape];
      await save(options.out, data, shape);
      await writeFileAtomic(`${options.out}.txt`, `${done.outputs.map((o) => `${o.input} ${o.shape[0]}`).join('\n')}\n`);
      log(`wrote ${options.out} [${shape.join(', ')}] from ${done.outputs.length} video(s); rows listed in ${options.out}.txt (per-video files in ${folderOut})`);
      return { ...result, files: [options.out], shapes: [shape] };
    }
    return result;
  } finally {
    encoder.dispose();
  }
}
