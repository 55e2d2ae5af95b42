import { createRequire } from 'node:module';
import { DataError } from '@vjepa/errors';

/**
 * Finds the ffmpeg binary: the explicit option, else env `VJEPA_FFMPEG`, else the static binary of
 * the npm package `@ffmpeg-installer/ffmpeg`. A system ffmpeg (>= 4.1) may be chosen via option/env.
 *
 * @example
 * const bin = resolveFfmpegPath();                 // the npm binary
 * const sys = resolveFfmpegPath('/usr/bin/ffmpeg'); // an explicit choice wins
 */
export function resolveFfmpegPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== '') return explicit;
  const fromEnv = env.VJEPA_FFMPEG;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    const require = createRequire(import.meta.url);
    const installer = require('@ffmpeg-installer/ffmpeg') as { path: string };
    return installer.path;
  } catch (cause) {
    throw new DataError('ffmpeg binary', {
      expected: 'the ffmpegPath option, env VJEPA_FFMPEG, or the @ffmpeg-installer/ffmpeg binary for this platform',
      received: String(cause),
      hint: 'install a system ffmpeg and set VJEPA_FFMPEG=/path/to/ffmpeg.',
      cause,
    });
  }
}
