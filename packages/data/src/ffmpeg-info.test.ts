import { describe, expect, it } from 'vitest';
import { parseFfmpegInfo } from './ffmpeg-info';

const LOG = [
  "[info] Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'a.mp4':",
  '[info]   Duration: 00:01:05.57, start: 0.000000, bitrate: 551 kb/s',
  '[info]     Stream #0:0(und): Video: h264 (Constrained Baseline) (avc1 / 0x31637661), yuv420p(tv, bt709), 560x320, 465 kb/s, 29.97 fps, 30 tbr, 90k tbn, 60 tbc (default)',
  '[info]     Stream #0:1(eng): Audio: aac (LC), 48000 Hz, mono',
  "[info] Output #0, rawvideo, to 'pipe:1':",
  '[info]     Stream #0:0(und): Video: rawvideo (RGB[24] / 0x18424752), rgb24, 112x64, q=2-31, 5160 kb/s, 30 fps, 30 tbn',
  '[mpeg4 @ 0x25da7fc0] [error] Error at MB: 131',
  'frame=  166 fps=0.0 q=-0.0 Lsize=    3486kB time=00:00:05.53\r',
].join('\n');

describe('parseFfmpegInfo', () => {
  it('reads input size, output size, fps, duration and error lines', () => {
    const info = parseFfmpegInfo(LOG);
    expect(info.input).toEqual({ width: 560, height: 320 });
    expect(info.output).toEqual({ width: 112, height: 64 });
    expect(info.fps).toBeCloseTo(29.97);
    expect(info.durationSec).toBeCloseTo(65.57);
    expect(info.startSec).toBe(0);
    expect(info.errors).toEqual(['[mpeg4 @ 0x25da7fc0] Error at MB: 131']);
    expect(info.lastLine).toMatch(/^frame=/);
  });

  it('falls back to tbr and leaves unknowns null (images have Duration: N/A)', () => {
    const info = parseFfmpegInfo(
      "Input #0, png_pipe, from 'x.png':\n  Duration: N/A, bitrate: N/A\n    Stream #0:0: Video: png, rgb24(pc), 40x30 [SAR 1:1 DAR 4:3], 25 tbr, 25 tbn",
    );
    expect(info.input).toEqual({ width: 40, height: 30 });
    expect(info.fps).toBe(25);
    expect(info.durationSec).toBeNull();
    expect(info.startSec).toBeNull();
    expect(info.output).toBeNull();
  });
});
