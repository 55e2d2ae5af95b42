import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, tensorData, toFloat32, writeNpy } from '@vjepa/io';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './cli-main';
import { toChannelsLast } from '@vjepa/eval';
import { FIXTURES, captureIo, tempDir, writeArchConfig } from './test/fixtures';

const npy = (path: string) => readNpy(new Uint8Array(readFileSync(path)), { file: path });
const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('vjepa-eval extract', () => {
  const dir = tempDir();
  let config: string;
  let expected: Float32Array;
  beforeAll(() => {
    // read in a hook, not while collecting: a missing fixture fails these tests, not the file
    config = writeArchConfig(dir);
    expected = toFloat32(npy(join(FIXTURES, 'expected_target_features.npy')));
  });

  it('reproduces the official target features from checkpoint.pth.tar and a channels-first clip', async () => {
    const io = captureIo();
    const out = join(dir, 'features.npy');
    const code = await runCli(['extract', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--config', config, '--input', join(FIXTURES, 'input.npy'), '--out', out, '--backend', 'cpu'], io);
    expect(io.err).toEqual([]);
    expect(code).toBe(0);
    const got = npy(out);
    expect(got.shape).toEqual([2, 32, 64]);
    expect(maxDiff(toFloat32(got), expected)).toBeLessThan(1e-4);
  });

  it('reads .safetensors weights and channels-last clips, and mean-pools', async () => {
    const input = npy(join(FIXTURES, 'input.npy'));
    const last = toChannelsLast(toFloat32(input), input.shape);
    const clip = join(dir, 'clip-last.npy');
    writeFileSync(clip, writeNpy(tensorData('float32', last.shape, last.data)));
    const out = join(dir, 'pooled.npy');
    const code = await runCli(['extract', '--checkpoint', join(FIXTURES, 'weights.safetensors'), '--config', config, '--input', clip, '--out', out, '--pool', 'mean', '--backend', 'cpu'], captureIo());
    expect(code).toBe(0);
    const got = npy(out);
    expect(got.shape).toEqual([2, 64]);
    const mean = new Float32Array(2 * 64);
    for (let b = 0; b < 2; b++) for (let n = 0; n < 32; n++) for (let d = 0; d < 64; d++) mean[b * 64 + d] += expected[(b * 32 + n) * 64 + d] / 32;
    expect(maxDiff(toFloat32(got), mean)).toBeLessThan(1e-4);
  });

  it('refuses a checkpoint whose architecture does not match the config, listing the keys', async () => {
    const wrong = join(dir, 'wrong.yaml');
    writeFileSync(wrong, 'model: {embed_dim: 64, depth: 3, num_heads: 4}\ndata: {patch_size: 8, tubelet_size: 2, num_frames: 4, crop_size: 32}\n');
    const io = captureIo();
    const code = await runCli(['extract', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--config', wrong, '--input', join(FIXTURES, 'input.npy'), '--out', join(dir, 'x.npy'), '--backend', 'cpu'], io);
    expect(code).toBe(1);
    expect(io.err.join('\n')).toMatch(/CheckpointError: .*does not match the architecture of .*wrong\.yaml/);
    expect(io.err.join('\n')).toContain('blocks.2.attn.qkv.weight');
    expect(io.err.join('\n')).toContain('depth 2');
  });

  it('uses the online encoder with --key encoder (different from the target encoder here)', async () => {
    const out = join(dir, 'online.npy');
    const code = await runCli(['extract', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--key', 'encoder', '--config', config, '--input', join(FIXTURES, 'input.npy'), '--out', out, '--backend', 'cpu'], captureIo());
    expect(code).toBe(0);
    expect(npy(out).shape).toEqual([2, 32, 64]);
  });

  it('names a missing option and a bad layout as usage errors (exit 2)', async () => {
    const io = captureIo();
    expect(await runCli(['extract', '--config', config, '--input', 'x.npy', '--out', 'y.npy'], io)).toBe(2);
    expect(io.err[0]).toContain('--checkpoint');
    const io2 = captureIo();
    expect(await runCli(['extract', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--config', config, '--input', join(FIXTURES, 'input.npy'), '--out', 'y.npy', '--layout', 'sideways'], io2)).toBe(2);
    expect(io2.err[0]).toContain('--layout');
  });
});
