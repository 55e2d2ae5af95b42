import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { decodeVideo } from './decode-video';
import { resolveFfmpegPath } from './ffmpeg-path';

const videos = fileURLToPath(new URL('../../../fixtures/videos/', import.meta.url));
const lego = join(videos, 'lego-technic.mp4');
const mars = join(videos, 'mars-retrograde.avi');
const tmp = mkdtempSync(join(tmpdir(), 'vjepa-data-decode-'));

describe('decodeVideo on real clips', () => {
  it('decodes the h264 mp4 at full size (560x320, 166 +- 1 frames, 30 fps)', async () => {
    const v = await decodeVideo(lego);
    expect([v.width, v.height, v.sourceWidth, v.sourceHeight]).toEqual([560, 320, 560, 320]);
    expect(Math.abs(v.numFrames - 166)).toBeLessThanOrEqual(1);
    expect(v.fps).toBe(30);
    expect(v.frames.length).toBe(v.numFrames * 320 * 560 * 3);
    // real content: not a constant image
    let min = 255, max = 0;
    for (let i = 0; i < v.frames.length; i += 97) { min = Math.min(min, v.frames[i]); max = Math.max(max, v.frames[i]); }
    expect(max - min).toBeGreaterThan(100);
  });

  it('decodes the mpeg4 avi resized to [h, w] and by short side', async () => {
    const exact = await decodeVideo(mars, { size: [48, 40] });
    expect([exact.height, exact.width, exact.sourceHeight, exact.sourceWidth]).toEqual([48, 40, 768, 1024]);
    expect(Math.abs(exact.numFrames - 25)).toBeLessThanOrEqual(1);
    expect(exact.fps).toBe(10);
    const short = await decodeVideo(lego, { size: 64 });
    expect(short.height).toBe(64);
    expect(Math.abs(short.width - 112)).toBeLessThanOrEqual(1);
  });

  it('honours maxFrames and fps resampling', async () => {
    const few = await decodeVideo(lego, { size: [16, 16], maxFrames: 7 });
    expect(few.numFrames).toBe(7);
    const slow = await decodeVideo(lego, { size: [16, 16], fps: 10 });
    expect(slow.fps).toBe(10);
    expect(Math.abs(slow.numFrames - 56)).toBeLessThanOrEqual(1); // 5.57 s at 10 fps
  });

  it('decodes an image as one frame with exact pixels', async () => {
    const ppm = join(tmp, 'img.ppm');
    const header = Buffer.from('P6\n3 2\n255\n');
    const pixels = Buffer.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    writeFileSync(ppm, Buffer.concat([header, pixels]));
    const png = join(tmp, 'img.png');
    // make a lossless png from the ppm with the same ffmpeg the decoder uses
    const { execFileSync } = await import('node:child_process');
    execFileSync(resolveFfmpegPath(), ['-hide_banner', '-loglevel', 'error', '-y', '-i', ppm, png]);
    const v = await decodeVideo(png);
    expect([v.numFrames, v.height, v.width]).toEqual([1, 2, 3]);
    expect(Array.from(v.frames)).toEqual(Array.from(pixels));
    expect(v.durationSec).toBeNull();
  });
});

describe('decodeVideo refuses bad input with a DataError naming the file', () => {
  it('a missing file', async () => {
    const p = join(tmp, 'nope.mp4');
    await expect(decodeVideo(p)).rejects.toThrow(DataError);
    await expect(decodeVideo(p)).rejects.toThrow(/nope\.mp4.*ENOENT/);
  });

  it('a text file renamed .mp4', async () => {
    const p = join(tmp, 'text.mp4');
    writeFileSync(p, 'hello, I am not a video\n');
    await expect(decodeVideo(p)).rejects.toThrow(/text\.mp4.*ffmpeg exit code 1: .*Invalid data/);
  });

  it('a truncated mp4 (index at the end is lost)', async () => {
    const p = join(tmp, 'cut.mp4');
    writeFileSync(p, readFileSync(lego).subarray(0, 150_000));
    await expect(decodeVideo(p)).rejects.toThrow(/cut\.mp4.*moov atom not found/);
  });

  it('a truncated avi (decoder errors in the last frames)', async () => {
    const p = join(tmp, 'cut.avi');
    writeFileSync(p, readFileSync(mars).subarray(0, 100_000));
    const err = await decodeVideo(p, { size: [8, 8] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect(String((err as Error).message)).toMatch(/cut\.avi.*decoder error.*Error at MB/);
    // opting in keeps what could be decoded
    const partial = await decodeVideo(p, { size: [8, 8], tolerateErrors: true });
    expect(partial.numFrames).toBeGreaterThan(0);
    expect(partial.numFrames).toBeLessThan(25);
  });

  it('a broken ffmpeg path and bad options', async () => {
    await expect(decodeVideo(lego, { ffmpegPath: join(tmp, 'no-ffmpeg') })).rejects.toThrow(/could not start ffmpeg/);
    await expect(decodeVideo(lego, { size: 0 })).rejects.toThrow(/size/);
    await expect(decodeVideo(lego, { maxFrames: 1.5 })).rejects.toThrow(/maxFrames/);
  });
});

describe('resolveFfmpegPath', () => {
  it('prefers the option, then VJEPA_FFMPEG, then the npm binary', () => {
    expect(resolveFfmpegPath('/x/ffmpeg', { VJEPA_FFMPEG: '/y/ffmpeg' })).toBe('/x/ffmpeg');
    expect(resolveFfmpegPath(undefined, { VJEPA_FFMPEG: '/y/ffmpeg' })).toBe('/y/ffmpeg');
    expect(resolveFfmpegPath(undefined, {})).toMatch(/@ffmpeg-installer.*ffmpeg$/);
  });
});
