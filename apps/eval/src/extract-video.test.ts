import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
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
    expect(readdirSync(out).sort()).toEqual(['extract-log.jsonl', 'extract-summary.json', 'lego-technic.npy', 'mars-retrograde.npy']);
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

describe('vjepa-eval extract over a folder with bad files', () => {
  /** Good clips, a copy in a subfolder, and every kind of bad file: corrupt, empty, not a video, truncated, a FIFO. */
  function badFolder(): string {
    const dir = join(tempDir(), 'videos');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    const lego = readFileSync(join(VIDEOS, 'lego-technic.mp4'));
    copyFileSync(join(VIDEOS, 'lego-technic.mp4'), join(dir, 'lego-technic.mp4'));
    copyFileSync(join(VIDEOS, 'mars-retrograde.avi'), join(dir, 'mars-retrograde.avi'));
    copyFileSync(join(VIDEOS, 'lego-technic.mp4'), join(dir, 'sub', 'lego-technic.mp4'));
    const corrupt = Buffer.from(lego);
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      corrupt[1000 + (seed % (corrupt.length - 1000))] = seed & 0xff;
    }
    writeFileSync(join(dir, 'corrupt.mp4'), corrupt);
    writeFileSync(join(dir, 'empty.mp4'), '');
    writeFileSync(join(dir, 'notes.mp4'), 'not a video\n');
    writeFileSync(join(dir, 'truncated.mp4'), lego.subarray(0, 100_000));
    execFileSync('mkfifo', [join(dir, 'pipe.mp4')]);
    return dir;
  }
  const BAD = ['corrupt.mp4', 'empty.mp4', 'notes.mp4', 'pipe.mp4', 'truncated.mp4'];
  const GOOD = ['lego-technic.npy', 'mars-retrograde.npy', 'sub/lego-technic.npy'];

  it('writes every good video, names every bad one, exits 3, and a rerun does no work twice', async () => {
    const input = badFolder();
    const out = join(tempDir(), 'feats');
    const args = ['extract', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--config', writeArchConfig(tempDir()), '--input', input, '--out', out, '--backend', 'cpu'];
    const io = captureIo();
    expect(await runCli(args, io)).toBe(3);
    expect(io.err).toEqual([`vjepa-eval extract: 5 input(s) skipped (listed in ${join(out, 'extract-summary.json')}); the others were extracted (exit code 3)`]);
    for (const name of BAD) expect(io.out.some((l) => l.startsWith(`skipped: ${join(input, name)}: expected `))).toBe(true);
    expect(io.out.filter((l) => l.startsWith('wrote '))).toHaveLength(3);
    expect(io.out).toContain(`extract: 8 input(s): 3 written, 0 kept (up to date from an earlier run), 5 skipped; summary in ${join(out, 'extract-summary.json')}`);
    const summary = JSON.parse(readFileSync(join(out, 'extract-summary.json'), 'utf8'));
    expect(summary).toMatchObject({ status: 'completed', inputs: 8, written: 3, kept: 0 });
    expect(summary.outputs.map((o: { output: string }) => o.output)).toEqual(GOOD);
    expect(summary.skipped.map((s: { input: string }) => basename(s.input))).toEqual(BAD);
    expect(summary.skipped.find((s: { input: string }) => s.input.endsWith('empty.mp4')).reason).toContain('an empty file (0 bytes)');
    expect(summary.skipped.find((s: { input: string }) => s.input.endsWith('pipe.mp4')).reason).toContain('not a regular file (a FIFO');
    const written = GOOD.map((f) => readFileSync(join(out, f)));
    const mtimes = GOOD.map((f) => statSync(join(out, f)).mtimeMs);

    // rerun: nothing decoded or written again, the bad inputs named again
    const again = captureIo();
    expect(await runCli(args, again)).toBe(3);
    expect(again.out.filter((l) => l.startsWith('wrote '))).toEqual([]);
    expect(again.out).toContain(`extract: 8 input(s): 0 written, 3 kept (up to date from an earlier run), 5 skipped; summary in ${join(out, 'extract-summary.json')}`);
    for (const name of ['corrupt.mp4', 'notes.mp4', 'truncated.mp4']) {
      expect(again.out.find((l) => l.startsWith(`skipped: ${join(input, name)}`))).toContain('[unchanged since an earlier run skipped it: not decoded again]');
    }
    expect(GOOD.map((f) => statSync(join(out, f)).mtimeMs)).toEqual(mtimes);

    // verified by content: a changed input and a damaged output are redone, the rest kept
    copyFileSync(join(VIDEOS, 'lego-technic.mp4'), join(input, 'mars-retrograde.avi'));
    writeFileSync(join(out, 'sub', 'lego-technic.npy'), Buffer.alloc(written[2].length));
    const third = captureIo();
    expect(await runCli(args, third)).toBe(3);
    expect(third.out.filter((l) => l.startsWith('wrote ')).map((l) => l.split(' ')[1])).toEqual([join(out, 'mars-retrograde.npy'), join(out, 'sub', 'lego-technic.npy')]);
    expect(readFileSync(join(out, 'sub', 'lego-technic.npy')).equals(written[2])).toBe(true);
    expect(readFileSync(join(out, 'mars-retrograde.npy')).equals(written[0])).toBe(true); // now the lego clip
  });

  it('stops at the first bad input with --fail-fast (exit 1)', async () => {
    const input = badFolder();
    const io = captureIo();
    const code = await runCli(['extract', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--config', writeArchConfig(tempDir()), '--input', input, '--out', join(tempDir(), 'f'), '--backend', 'cpu', '--fail-fast'], io);
    expect(code).toBe(1);
    expect(io.err[0]).toMatch(new RegExp(`^vjepa-eval: DataError: ${join(input, 'corrupt.mp4')}: expected `));
  });
});
