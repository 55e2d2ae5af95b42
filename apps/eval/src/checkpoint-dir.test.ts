import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, tensorData, writeNpy } from '@vjepa/io';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-main';
import { runMainTraining } from './main-command';
import { captureIo, tempDir } from './test/fixtures';

/** A tiny V-JEPA run: 32-token grid, D 32, one block, 2 steps, cpu. */
const TINY = ['data.batch_size=2', 'data.num_frames=4', 'data.crop_size=32', 'data.num_videos=16', 'model.embed_dim=32', 'model.depth=1', 'model.num_heads=2', 'model.pred_embed_dim=16', 'model.pred_depth=1', 'optimization.epochs=1', 'optimization.ipe=2', 'optimization.warmup=0'];

describe('vjepa-eval on a run folder: the manifest states the architecture', () => {
  it('extracts features from a run folder or a checkpoint directory without --config, the same as from the .pth.tar export with it', async () => {
    const dir = tempDir();
    const folder = join(dir, 'run');
    const result = await runMainTraining('features', { folder, set: TINY, backend: 'cpu', log: () => {} });
    const clip = join(dir, 'clip.npy');
    writeFileSync(clip, writeNpy(tensorData('float32', [1, 4, 32, 32, 3], Float32Array.from({ length: 4 * 32 * 32 * 3 }, (_, i) => Math.cos(i * 0.01)))));
    const outs = [join(dir, 'a.npy'), join(dir, 'b.npy'), join(dir, 'c.npy')];
    const config = join(folder, 'config.yaml');
    const runs = [
      ['--checkpoint', folder],
      ['--checkpoint', result.checkpoint!],
      ['--checkpoint', result.encoderExport!, '--config', config],
    ];
    for (const [i, args] of runs.entries()) {
      const io = captureIo();
      expect(await runCli(['extract', ...args, '--input', clip, '--out', outs[i], '--backend', 'cpu'], io)).toBe(0);
      expect(io.err).toEqual([]);
    }
    const [a, b, c] = outs.map((f) => readNpy(new Uint8Array(readFileSync(f)), { file: f }));
    expect(a.shape).toEqual([1, 32, 32]); // 2 x 4 x 4 tokens of width 32
    expect(Array.from(b.data as Float32Array)).toEqual(Array.from(a.data as Float32Array));
    expect(Array.from(c.data as Float32Array)).toEqual(Array.from(a.data as Float32Array));
    // a folder that is not a run is a usage error
    expect(await runCli(['extract', '--checkpoint', join(dir, 'nope'), '--input', clip, '--out', outs[0]], captureIo())).toBe(2);
  });
});
