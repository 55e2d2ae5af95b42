import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy, toFloat32 } from '@vjepa/io';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-main';
import { FIXTURES, captureIo, tempDir, writeArchConfig } from './test/fixtures';

const VIDEOS = fileURLToPath(new URL('../../../fixtures/videos/', import.meta.url));

describe('vjepa-eval extract on real video files', () => {
  it('decodes a folder of real clips (h264 mp4, mpeg4 avi) and writes one feature file per video', async () => {
    const dir = tempDir();
    const out = join(dir, 'feats');
    const io = captureIo();
    const code = await runCli(['extract', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--config', writeArchConfig(dir), '--input', VIDEOS, '--out', out, '--backend', 'cpu'], io);
    expect(io.err).toEqual([]);
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['lego-technic.npy', 'mars-retrograde.npy']);
    const feats = ['lego-technic.npy', 'mars-retrograde.npy'].map((f) => {
      const t = readNpy(new Uint8Array(readFileSync(join(out, f))), { file: f });
      expect(t.shape).toEqual([1, 32, 64]); // [clips, tokens, D]
      const x = toFloat32(t);
      expect(x.every(Number.isFinite)).toBe(true);
      return x;
    });
    // two different videos give different features
    expect(feats[0].some((v, i) => Math.abs(v - feats[1][i]) > 1e-3)).toBe(true);
  });
});
