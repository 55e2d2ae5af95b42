import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { DataError } from '@vjepa/errors';
import { type FfmpegInfo, parseFfmpegInfo } from './ffmpeg-info';
import { resolveFfmpegPath } from './ffmpeg-path';

/**
 * What one ffmpeg run left: exit code, raw stdout, stderr and what the log says about the streams.
 *
 * @example
 * const { stdout, info } = await runFfmpeg('clip.mp4', args);
 */
export interface FfmpegRun {
  code: number | null;
  stdout: Buffer;
  /** True when stdout outgrew `maxStdoutBytes` and was dropped (`stdout` is then empty). */
  stdoutDropped: boolean;
  stderr: string;
  info: FfmpegInfo;
}

/**
 * Checks `path` is a file, then runs ffmpeg (`ffmpegPath`, env `VJEPA_FFMPEG` or the npm binary)
 * with `args` and collects its output; past `maxStdoutBytes` stdout is read and dropped (the run goes
 * on). Throws `DataError` for a missing file or a binary that does not start; exit codes and decoder
 * errors are judged by {@link checkFfmpegRun}.
 *
 * @example
 * const run = await runFfmpeg('clip.mp4', ['-i', 'clip.mp4', '-f', 'null', '-']);
 * checkFfmpegRun('clip.mp4', run, false);
 */
export async function runFfmpeg(path: string, args: string[], ffmpegPath?: string, maxStdoutBytes = Infinity): Promise<FfmpegRun> {
  try {
    // synchronous on purpose: a read started from resolved promises reaches spawn() without waiting
    // for the event loop, which a synchronous training step may hold for a long time
    const s = statSync(path);
    if (!s.isFile()) throw new Error(s.isDirectory() ? 'a directory' : 'not a regular file (a FIFO, socket or device: never opened, since reading one can block forever)');
    if (s.size === 0) throw new Error('an empty file (0 bytes)');
  } catch (cause) {
    throw new DataError(path, { expected: 'an existing video or image file', received: (cause as Error).message, cause });
  }
  const bin = resolveFfmpegPath(ffmpegPath);
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out: Buffer[] = [];
    let kept = 0;
    let dropped = false;
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => {
      if (dropped) return;
      kept += b.length;
      if (kept <= maxStdoutBytes) out.push(b);
      else {
        dropped = true;
        out = [];
      }
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (cause) =>
      reject(
        new DataError(`${path}: could not start ffmpeg`, {
          expected: 'an executable ffmpeg',
          received: `${bin} (${(cause as Error).message})`,
          hint: 'pass ffmpegPath or set VJEPA_FFMPEG to a working ffmpeg >= 4.1.',
          cause,
        }),
      ),
    );
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      resolve({ code, stdout: Buffer.concat(out), stdoutDropped: dropped, stderr, info: parseFfmpegInfo(stderr) });
    });
  });
}

/**
 * Refuses a run that failed (non-zero exit: the demuxer's reason), logged decoder errors (unless
 * `tolerateErrors`: concealed frames are not the video) or found no video stream.
 *
 * @example
 * checkFfmpegRun(path, await runFfmpeg(path, args), false); // throws DataError naming the file
 */
export function checkFfmpegRun(path: string, run: FfmpegRun, tolerateErrors: boolean): void {
  const { info, code } = run;
  if (code !== 0) {
    // The last two error lines: the demuxer's reason ("moov atom not found") and ffmpeg's summary.
    const said = info.errors.length > 0 ? info.errors.slice(-2).join(' | ') : info.lastLine;
    throw new DataError(path, { expected: 'a readable video or image', received: `ffmpeg exit code ${code}: ${said}` });
  }
  if (info.errors.length > 0 && !tolerateErrors) {
    throw new DataError(path, {
      expected: 'a video that decodes without errors',
      received: `${info.errors.length} decoder error(s), last: ${info.errors[info.errors.length - 1]}`,
      hint: 'the file is probably truncated or corrupt; pass tolerateErrors: true to keep the concealed frames.',
    });
  }
  if (info.output === null || info.input === null) {
    throw new DataError(path, { expected: 'a video stream in ffmpeg output', received: info.lastLine });
  }
}
