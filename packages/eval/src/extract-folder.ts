import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { resolveFfmpegPath, videoClips } from '@vjepa/data';
import { ConfigError, DataError, ShapeError, type VjepaError } from '@vjepa/errors';
import { tensorData, writeFileAtomic, writeNpy } from '@vjepa/io';
import { type EvalArch, clipOf } from './arch';
import { checkClips, checkFeatures } from './clip-checks';
import { type Pool, encodeClips } from './encode';
import type { LoadedEncoder } from './encoder-source';
import { EXTRACT_SUMMARY, type ExtractRecord, appendExtractRecord, extractSettingsKey, readExtractLog, sha256Bytes, sha256File } from './extract-log';

/**
 * An input extraction could not use, and why (the error's message).
 *
 * @example
 * const s: SkippedInput = { input: 'videos/empty.mp4', reason: 'videos/empty.mp4: expected an existing video or image file, received an empty file (0 bytes).' };
 */
export interface SkippedInput {
  input: string;
  reason: string;
}

/** What one folder extraction did. */
export interface FolderOutcome {
  /** Every output of a usable input, in input order: written now or kept from an earlier run. */
  outputs: { input: string; file: string; shape: number[]; kept: boolean }[];
  skipped: SkippedInput[];
  interrupted: boolean;
  summary: string;
}

/** What a folder extraction needs besides its inputs. */
export interface FolderContext {
  loaded: LoadedEncoder;
  arch: EvalArch;
  pool: Pool;
  batchSize?: number;
  ffmpegPath?: string;
  failFast: boolean;
  signal?: AbortSignal;
  log: (line: string) => void;
}

/**
 * Output names for videos under `root`: the relative path with `.npy` for the extension, so the
 * output folder mirrors the input folder; two inputs that would share a name (`a.mp4`, `a.avi`)
 * keep their extension (`a.mp4.npy`, `a.avi.npy`).
 */
export function outputNames(root: string, videos: readonly string[]): string[] {
  const rel = videos.map((v) => relative(root, v).split(sep).join('/'));
  const plain = rel.map((r) => `${r.slice(0, r.length - extname(r).length)}.npy`);
  const count = new Map<string, number>();
  for (const p of plain) count.set(p, (count.get(p) ?? 0) + 1);
  return plain.map((p, i) => ((count.get(p) ?? 0) > 1 ? `${rel[i]}.npy` : p));
}

/**
 * The size of an input that can be read: a regular, non-empty file. A FIFO, socket or device is
 * refused before it is opened (opening one can block forever), as ffmpeg's runner does.
 */
function inputSize(path: string): number {
  const expected = 'an existing video or image file';
  let st;
  try {
    st = statSync(path);
  } catch (cause) {
    throw new DataError(path, { expected, received: (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message, cause });
  }
  if (!st.isFile()) throw new DataError(path, { expected, received: st.isDirectory() ? 'a directory' : 'not a regular file (a FIFO, socket or device: never opened, since reading one can block forever)' });
  if (st.size === 0) throw new DataError(path, { expected, received: 'an empty file (0 bytes)' });
  return st.size;
}

/** An ffmpeg given by path must exist before a folder's videos are tried (else every one would fail). */
function checkFfmpeg(explicit: string | undefined): void {
  const bin = resolveFfmpegPath(explicit);
  if (/[\\/]/.test(bin) && !existsSync(bin)) {
    throw new ConfigError('ffmpeg', { expected: 'an ffmpeg binary (--ffmpeg PATH, env VJEPA_FFMPEG, or the bundled one)', received: `${bin}: no such file` });
  }
}

/** A bad input: the project's data or shape errors while reading or decoding it. */
function isBadInput(e: unknown): e is VjepaError {
  return DataError.isInstance(e) || ShapeError.isInstance(e);
}

/**
 * Extracts the features of every video of a folder into `outDir`, one `.npy` per video: a bad input
 * (missing, empty, special, not a video, truncated or corrupt, non-finite) is skipped, named and
 * counted, and the rest go on (unless `failFast`); an output an earlier run wrote is kept when its
 * record in `extract-log.jsonl` matches the input's SHA-256, the settings (weights, architecture,
 * sampling, pooling) and the file's own SHA-256; anything else is redone. Writes
 * `extract-summary.json` at the end (also when interrupted).
 */
export async function extractFolder(videos: readonly string[], root: string, outDir: string, ctx: FolderContext): Promise<FolderOutcome> {
  const { loaded, arch, log } = ctx;
  mkdirSync(outDir, { recursive: true });
  const settings = extractSettingsKey({ weights: loaded.id, vit: arch.vit, frameStep: arch.frameStep, numClips: arch.numClips, pool: ctx.pool });
  const done = readExtractLog(outDir);
  const names = outputNames(root, videos);
  const outcome: FolderOutcome = { outputs: [], skipped: [], interrupted: false, summary: join(outDir, EXTRACT_SUMMARY) };
  const skip = (input: string, e: VjepaError, reason = e.message): void => {
    if (ctx.failFast) throw e;
    outcome.skipped.push({ input, reason });
    log(`skipped: ${reason}`);
  };
  checkFfmpeg(ctx.ffmpegPath);
  for (const [i, video] of videos.entries()) {
    if (ctx.signal?.aborted) {
      outcome.interrupted = true;
      break;
    }
    const name = names[i];
    const file = join(outDir, ...name.split('/'));
    let inputSha256 = '';
    let inputBytes = 0;
    let clips;
    try {
      const before = done.get(name);
      inputBytes = inputSize(video);
      inputSha256 = await sha256File(video).catch((cause: unknown) => {
        throw new DataError(video, { expected: 'a readable file', received: (cause as Error).message, cause });
      });
      const same = before !== undefined && before.settings === settings && before.inputSha256 === inputSha256;
      if (same && before.skipped !== undefined) {
        const again = `${before.skipped} [unchanged since an earlier run skipped it: not decoded again]`;
        skip(video, new DataError(video, { expected: 'a readable video or image', received: again }), again);
        continue;
      }
      if (same && existsSync(file) && sha256Bytes(readFileSync(file)) === before.outputSha256) {
        outcome.outputs.push({ input: video, file, shape: before.shape, kept: true });
        continue;
      }
      clips = await videoClips(video, clipOf(arch), { ffmpegPath: ctx.ffmpegPath });
      checkClips(clips.clips, clips.shape, video);
    } catch (e) {
      if (!isBadInput(e)) throw e;
      // an input that failed to decode is remembered by content; not a failure to start ffmpeg
      const remember = inputSha256 !== '' && !e.message.includes('could not start ffmpeg');
      skip(video, e);
      if (remember) appendExtractRecord(outDir, { output: name, input: video, inputBytes, inputSha256, settings, outputSha256: '', shape: [], skipped: e.message });
      continue;
    }
    const f = await encodeClips(loaded.encoder, clips.clips, clips.shape, { batchSize: ctx.batchSize, pool: ctx.pool });
    checkFeatures(f.data, `features of ${video} under ${loaded.description}`);
    const bytes = writeNpy(tensorData('float32', f.shape, f.data));
    mkdirSync(dirname(file), { recursive: true });
    await writeFileAtomic(file, bytes);
    const record: ExtractRecord = { output: name, input: video, inputBytes, inputSha256, settings, outputSha256: sha256Bytes(bytes), shape: f.shape };
    appendExtractRecord(outDir, record);
    done.set(name, record);
    outcome.outputs.push({ input: video, file, shape: f.shape, kept: false });
    log(`wrote ${file} [${f.shape.join(', ')}] from ${video}`);
  }
  if (outcome.outputs.length === 0 && outcome.skipped.length > 0 && !outcome.interrupted) {
    throw new DataError(`${root}: every one of ${videos.length} input(s)`, {
      expected: 'at least one readable video or image',
      received: `${outcome.skipped.length} skipped; the first: ${outcome.skipped[0].reason}`,
      hint: 'check the files (and --ffmpeg); nothing was extracted',
    });
  }
  const written = outcome.outputs.filter((o) => !o.kept).length;
  const summary = {
    status: outcome.interrupted ? 'interrupted' : 'completed',
    encoder: loaded.description,
    weights: loaded.id,
    architecture: arch.source,
    pool: ctx.pool,
    inputs: videos.length,
    written,
    kept: outcome.outputs.length - written,
    skipped: outcome.skipped,
    notReached: outcome.interrupted ? videos.length - outcome.outputs.length - outcome.skipped.length : 0,
    outputs: outcome.outputs.map((o) => ({ input: o.input, output: relative(outDir, o.file).split(sep).join('/'), shape: o.shape, kept: o.kept })),
  };
  await writeFileAtomic(outcome.summary, `${JSON.stringify(summary, null, 1)}\n`);
  return outcome;
}
