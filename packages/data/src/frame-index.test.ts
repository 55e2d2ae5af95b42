import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { decodeVideo } from './decode-video';
import { framePts, indexVideo, parseShowinfo } from './frame-index';

const videos = fileURLToPath(new URL('../../../fixtures/videos/', import.meta.url));
const lego = join(videos, 'lego-technic.mp4');
const mars = join(videos, 'mars-retrograde.avi');
const tmp = mkdtempSync(join(tmpdir(), 'vjepa-data-index-'));

describe('parseShowinfo', () => {
  it('reads frames (ffmpeg 4.1 and 6+ layouts, NOPTS) and the input time base', () => {
    const log = [
      '[Parsed_showinfo_1 @ 0x2198] [info] config in time_base: 1/12800, frame_rate: 25/1',
      '[Parsed_showinfo_1 @ 0x2198] [info] config out time_base: 0/0, frame_rate: 0/0',
      '[Parsed_showinfo_1 @ 0x2198] [info] n:   0 pts:      0 pts_time:0       pos:       48 fmt:yuv420p sar:16/15 s:720x576 i:P iskey:1 type:I checksum:F929BCC0',
      '[Parsed_showinfo_1 @ 0x2198] n:   1 pts:   1024 pts_time:0.08    duration:    512 duration_time:0.04 fmt:yuv420p cl:left sar:1/1 s:16x16 i:P iskey:0 type:B checksum:0',
      '[Parsed_showinfo_1 @ 0x2198] [info] n:   2 pts:NOPTS pts_time:NOPTS pos: -1 fmt:yuv420p iskey:0 type:P checksum:0',
      '[Parsed_showinfo_1 @ 0x2198] [info]   side data - SEI unregistered',
      '[mpeg4 @ 0x25da] [error] n: 7 pts: 3 is not a showinfo line',
    ].join('\n');
    const { timeBase, frames } = parseShowinfo(log);
    expect(timeBase).toEqual([1, 12800]);
    expect(frames).toEqual([
      { n: 0, pts: 0, key: true, type: 'I' },
      { n: 1, pts: 1024, key: false, type: 'B' },
      { n: 2, pts: null, key: false, type: 'P' },
    ]);
  });
});

describe('indexVideo on real clips', () => {
  it('counts the frames a full decode gives, with timestamps and keyframes (h264 mp4, one keyframe)', async () => {
    const { index, frames } = await indexVideo(lego);
    const full = await decodeVideo(lego, { size: [8, 8] });
    expect(index.numFrames).toBe(full.numFrames);
    expect([index.fps, index.sourceWidth, index.sourceHeight, index.startSec]).toEqual([30, 560, 320, 0]);
    expect(index.timeBase).toEqual([1, 90000]);
    expect(index.pts).toEqual({ first: 0, step: 3000 }); // 30 fps in 1/90000 s ticks, stored without per-frame memory
    expect(Array.from(index.keyframes)).toEqual([0]);
    expect(index.hasBFrames).toBe(false);
    expect(frames).toBeNull(); // nothing kept unless asked
  });

  it('finds the keyframes of the mpeg4 avi and keeps its frames byte for byte as decodeVideo gives them', async () => {
    const { index, frames } = await indexVideo(mars, { keep: { size: [24, 32], maxBytes: 1 << 20 } });
    const full = await decodeVideo(mars, { size: [24, 32] });
    expect(index.numFrames).toBe(full.numFrames);
    expect(Array.from(index.keyframes)).toEqual([0, 12, 24]);
    expect(framePts(index.pts!, 24)).toBe(24); // 10 fps, time base 1/10
    expect(frames).not.toBeNull();
    expect([frames!.height, frames!.width]).toEqual([24, 32]);
    expect(Buffer.compare(Buffer.from(frames!.data), Buffer.from(full.frames))).toBe(0);
  });

  it('keeps no frames when they do not fit in maxBytes, and still indexes', async () => {
    const { index, frames } = await indexVideo(mars, { keep: { size: [24, 32], maxBytes: 10 * 24 * 32 * 3 } });
    expect(frames).toBeNull();
    expect(index.numFrames).toBe(25);
  });

  it('refuses the files decodeVideo refuses, with the same DataErrors', async () => {
    const cut = join(tmp, 'cut.avi');
    writeFileSync(cut, readFileSync(mars).subarray(0, 100_000));
    await expect(indexVideo(cut)).rejects.toThrow(/cut\.avi.*decoder error.*Error at MB/);
    const text = join(tmp, 'text.mp4');
    writeFileSync(text, 'not a video\n');
    await expect(indexVideo(text)).rejects.toThrow(/text\.mp4.*ffmpeg exit code 1: .*Invalid data/);
    await expect(indexVideo(join(tmp, 'gone.mp4'))).rejects.toThrow(DataError);
    // with tolerateErrors the concealed frames count, as in decodeVideo
    const partial = await indexVideo(cut, { tolerateErrors: true });
    expect(partial.index.numFrames).toBe((await decodeVideo(cut, { size: [8, 8], tolerateErrors: true })).numFrames);
  });
});
