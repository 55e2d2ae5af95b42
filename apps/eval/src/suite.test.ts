import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-main';
import { FIXTURES, captureIo, tempDir, writeArchConfig } from './test/fixtures';

describe('vjepa-eval suite', () => {
  it('runs both tasks with every control on a tiny config and writes results.json, results.md and PNGs', async () => {
    const dir = tempDir();
    const config = writeArchConfig(dir);
    const out = join(dir, 'suite');
    const ckpt = join(FIXTURES, 'checkpoint.pth.tar');
    const io = captureIo();
    const code = await runCli(['suite', '--checkpoint', ckpt, '--pixel-checkpoint', ckpt, '--config', config, '--train-clips', '10', '--test-clips', '6', '--seeds', '2', '--epochs', '1', '--probe-batch', '5', '--out', out, '--backend', 'cpu'], io);
    expect(io.err).toEqual([]);
    expect(code).toBe(0);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(json.results).toHaveLength(2 * 4);
    for (const row of json.results) {
      expect(['digit', 'direction']).toContain(row.task);
      expect(['vjepa', 'random-init', 'one-frame', 'pixels']).toContain(row.encoder);
      expect(row.result.accuracies).toHaveLength(2);
      for (const a of [...row.result.accuracies, row.result.mean, row.result.std]) {
        expect(a).toBeGreaterThanOrEqual(0);
        expect(a).toBeLessThanOrEqual(1);
      }
      expect(row.chance).toBe(row.task === 'digit' ? 0.1 : 0.125);
    }
    expect(typeof json.temporalTaskIsTemporal).toBe('boolean');
    const md = readFileSync(join(out, 'results.md'), 'utf8');
    expect(md).toContain('| task | encoder | accuracy (%) | chance (%) | seeds | note |');
    expect(md).toMatch(/\| direction \| one-frame \| \d+\.\d ± \d+\.\d \| 12\.5 \| 2 \| (near|ABOVE) chance/);
    expect(io.out.join('\n')).toContain('| digit | random-init |');
    for (const task of ['digit', 'direction']) for (const enc of ['vjepa', 'random-init', 'one-frame', 'pixels']) expect(existsSync(join(out, `confusion-${task}-${enc}.png`))).toBe(true);
  });

  it('marks the pixel control "not run" without a pixel run, and needs an encoder source', async () => {
    const dir = tempDir();
    const config = writeArchConfig(dir);
    const io = captureIo();
    expect(await runCli(['suite', '--config', config, '--train-clips', '6', '--test-clips', '4', '--seeds', '1', '--epochs', '1', '--out', join(dir, 's'), '--backend', 'cpu'], io)).toBe(0);
    const md = readFileSync(join(dir, 's', 'results.md'), 'utf8');
    expect(md).toContain('| direction | pixels | not run | 12.5 | 0 | no --pixel-run given |');
    expect(await runCli(['suite', '--run', join(dir, 'nothing-here')], captureIo())).toBe(2);
  });

});
