import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-main';
import { FIXTURES, captureIo, tempDir, writeArchConfig } from './test/fixtures';

describe('vjepa-eval probe', () => {
  const dir = tempDir();
  let config: string;
  let base: string[];
  beforeAll(() => {
    // read in a hook, not while collecting: a missing fixture fails these tests, not the file
    config = writeArchConfig(dir);
    base = ['probe', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--config', config, '--backend', 'cpu'];
  });

  it('trains and tests a probe end to end on a tiny Moving MNIST set, writing JSON, Markdown and PNG, then reuses cached features', async () => {
    const out = join(dir, 'probe');
    const args = [...base, '--task', 'digit,direction', '--train-clips', '12', '--test-clips', '8', '--epochs', '2', '--seeds', '2', '--probe-batch', '4', '--out', out];
    const io = captureIo();
    expect(await runCli(args, io)).toBe(0);
    expect(io.err).toEqual([]);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.results.map((r: { task: string }) => r.task)).toEqual(['digit', 'direction']);
    for (const r of results.results) {
      expect(r.result.accuracies).toHaveLength(2);
      for (const a of r.result.accuracies) expect(a * 8).toBeCloseTo(Math.round(a * 8), 9); // k / 8 test clips
      expect(r.result.mean).toBeGreaterThanOrEqual(0);
      expect(r.result.mean).toBeLessThanOrEqual(1);
      expect(r.result.confusion.flat().reduce((s: number, v: number) => s + v, 0)).toBe(2 * 8);
    }
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).toMatch(/\| direction \| checkpoint\.pth\.tar\[target_encoder\] \| \d+\.\d ± \d+\.\d \| 12\.5 \| 2 \|/);
    const png = PNG.sync.read(readFileSync(join(out, 'confusion-direction-checkpoint.pth.tar_target_encoder_.png')));
    expect([png.width, png.height]).toEqual([14 + 8 * 24 + 1, 18 + 8 * 24 + 1]); // 8 classes of 24 px, plus the class-index labels
    expect(io.out.filter((l) => l.startsWith('features:'))).toHaveLength(2);
    // second run: the features come from the cache (no "features:" lines) and the accuracies repeat
    const io2 = captureIo();
    expect(await runCli(args, io2)).toBe(0);
    expect(io2.out.filter((l) => l.startsWith('features:'))).toHaveLength(0);
    expect(JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).results[1].result.accuracies).toEqual(results.results[1].result.accuracies);
  });

  it('runs the linear and k-NN probes', async () => {
    for (const probe of ['linear', 'knn']) {
      const out = join(dir, probe);
      const io = captureIo();
      expect(await runCli([...base, '--probe', probe, '--task', 'digit', '--train-clips', '10', '--test-clips', '5', '--epochs', '1', '--out', out, '--cache', join(dir, 'cache')], io)).toBe(0);
      const r = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')).results[0].result;
      expect(r.kind).toBe(probe);
      expect(r.accuracies).toHaveLength(probe === 'knn' ? 1 : 3);
    }
  });

  it('names the file and line of a bad label, and refuses class counts that disagree', async () => {
    writeFileSync(join(dir, 'train.txt'), 'a.mp4 0\nb.mp4 1\nc.mp4 2\n');
    writeFileSync(join(dir, 'test.txt'), 'd.mp4 0\ne.mp4 1\n');
    writeFileSync(join(dir, 'bad.txt'), 'a.mp4 0\nb.mp4 one\n');
    const io = captureIo();
    expect(await runCli([...base, '--train-index', join(dir, 'bad.txt'), '--test-index', join(dir, 'test.txt'), '--out', join(dir, 'x')], io)).toBe(1);
    expect(io.err[0]).toMatch(/DataError: .*bad\.txt line 2: expected "path label" with an integer label/);
    const io2 = captureIo();
    expect(await runCli([...base, '--train-index', join(dir, 'train.txt'), '--test-index', join(dir, 'test.txt'), '--out', join(dir, 'x')], io2)).toBe(1);
    expect(io2.err[0]).toMatch(/class counts .*3 in .*train\.txt, 2 in .*test\.txt/);
    expect(existsSync(join(dir, 'x', 'results.json'))).toBe(false);
  });

  it('probes an index of real videos, leaving out and naming the unreadable ones (exit 3), with the suite protocol by default', async () => {
    const videos = fileURLToPath(new URL('../../../fixtures/videos/', import.meta.url));
    writeFileSync(join(dir, 'empty.mp4'), '');
    const lego = join(videos, 'lego-technic.mp4');
    const mars = join(videos, 'mars-retrograde.avi');
    writeFileSync(join(dir, 'v-train.txt'), `${lego} 0\n${mars} 1\nempty.mp4 0\nmissing.mp4 1\n${lego} 0\n${mars} 1\n`);
    writeFileSync(join(dir, 'v-test.txt'), `${mars} 1\n${lego} 0\n`);
    const out = join(dir, 'videos-probe');
    const io = captureIo();
    const code = await runCli([...base, '--train-index', join(dir, 'v-train.txt'), '--test-index', join(dir, 'v-test.txt'), '--epochs', '1', '--seeds', '1', '--out', out], io);
    expect(code).toBe(3);
    expect(io.err).toEqual([`vjepa-eval probe: 2 video(s) could not be read and were left out (2 train, 0 test; listed in ${out}/results.json) (exit code 3)`]);
    expect(io.out.some((l) => l.startsWith(`skipped: ${join(dir, 'empty.mp4')} (${join(dir, 'v-train.txt')} line 3): `) && l.includes('an empty file (0 bytes)'))).toBe(true);
    expect(io.out.some((l) => l.startsWith(`skipped: ${join(dir, 'missing.mp4')} (${join(dir, 'v-train.txt')} line 4): `))).toBe(true);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results).toMatchObject({ seeds: 1, epochs: 1, batchSize: 64, lr: 0.005 }); // the suite's batch and lr by default
    expect(results.skipped.train.map((s: { index: number }) => s.index)).toEqual([2, 3]);
    expect(results.results[0].result.trainSize).toBe(4);
  });

  it('refuses a checkpoint whose architecture does not match the config', async () => {
    const io = captureIo();
    expect(await runCli(['probe', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--preset', 'tiny', '--patch-size', '8', '--num-frames', '4', '--crop-size', '32', '--train-clips', '4', '--test-clips', '2', '--out', join(dir, 'y'), '--backend', 'cpu'], io)).toBe(1);
    expect(io.err[0]).toMatch(/does not match the architecture of preset tiny.*embed_dim 192.*embed_dim 64/);
  });
});
