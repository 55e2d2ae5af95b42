/**
 * What `ffmpeg -i` reports on stderr about the first video stream (there is no ffprobe in the npm
 * binary, so we read the log ffmpeg writes anyway).
 *
 * @example
 * const info = parseFfmpegInfo(stderr); // { input: { width: 560, height: 320 }, fps: 30, ... }
 */
export interface FfmpegInfo {
  /** Size of the source video stream, or null when not found. */
  input: { width: number; height: number } | null;
  /** Size of the raw output stream (after scaling), or null when not found. */
  output: { width: number; height: number } | null;
  /** Frame rate of the source stream (fps, else tbr), or null. */
  fps: number | null;
  /** Container duration in seconds, or null (`N/A` for images). */
  durationSec: number | null;
  /** Container start time in seconds (`start:` on the Duration line), or null when not printed. */
  startSec: number | null;
  /** `[error]`/`[fatal]` lines (ffmpeg run with `-loglevel level+info`). */
  errors: string[];
  /** The last non-empty line, for messages. */
  lastLine: string;
}

const STREAM = /Stream #\d+:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: Video: (.*)$/;

function parseSize(spec: string): { width: number; height: number } | null {
  const m = /(?:^|[ ,])(\d{1,5})x(\d{1,5})(?=[ ,\]]|$)/.exec(spec);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
}

function parseRate(spec: string): number | null {
  const fps = /([\d.]+)(k?) fps/.exec(spec) ?? /([\d.]+)(k?) tbr/.exec(spec);
  if (!fps) return null;
  const value = Number(fps[1]) * (fps[2] === 'k' ? 1000 : 1);
  return Number.isFinite(value) && value > 0 ? value : null;
}

/**
 * Parses ffmpeg's stderr (with or without `level+` prefixes, `\r` progress lines allowed).
 *
 * @example
 * parseFfmpegInfo('  Duration: 00:00:02.50, start: 0.000000\n    Stream #0:0: Video: mpeg4, yuv420p, 1024x768, 10 fps').fps; // 10
 */
export function parseFfmpegInfo(stderr: string): FfmpegInfo {
  const lines = stderr.split(/\r\n|\r|\n/);
  let section: 'none' | 'input' | 'output' = 'none';
  const info: FfmpegInfo = { input: null, output: null, fps: null, durationSec: null, startSec: null, errors: [], lastLine: '' };
  for (const raw of lines) {
    const line = raw.replace(/\[(?:info|warning|error|fatal|verbose|debug|panic|trace)\] /, '');
    if (line.trim() !== '') info.lastLine = line.trim();
    if (/\[(?:error|fatal|panic)\]/.test(raw)) info.errors.push(line.trim());
    if (/^Input #\d+/.test(line)) section = 'input';
    else if (/^Output #\d+/.test(line)) section = 'output';
    const duration = /Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)/.exec(line);
    if (duration && section === 'input' && info.durationSec === null) {
      info.durationSec = Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]);
    }
    const start = /Duration: .*, start: (-?\d+(?:\.\d+)?)/.exec(line);
    if (start && section === 'input' && info.startSec === null) info.startSec = Number(start[1]);
    const stream = STREAM.exec(line);
    if (stream) {
      const spec = stream[1] as string;
      if (section === 'input' && info.input === null) {
        info.input = parseSize(spec);
        info.fps = parseRate(spec);
      } else if (section === 'output' && info.output === null) {
        info.output = parseSize(spec);
      }
    }
  }
  return info;
}
