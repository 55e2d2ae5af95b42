import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy, tensorData, writeNpy } from '@vjepa/io';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-main';
import { runMainTraining } from './main-command';
import { captureIo, tempDir } from './test/fixtures';

/** A tiny V-JEPA 2 (RoPE) run: 2 x 4 x 4 tokens, D 32 in 2 heads (width 16), predictor 24 wide in 4 heads (width 6), 2 steps, cpu. */
const TINY_ROPE = [
  'model.use_rope=true', 'data.batch_size=2', 'data.num_frames=4', 'data.crop_size=32', 'data.num_videos=16', 'model.embed_dim=32', 'model.depth=1', 'model.num_heads=2',
  'model.pred_embed_dim=24', 'model.pred_num_heads=4', 'model.pred_depth=1', 'optimization.epochs=1', 'optimization.ipe=2', 'optimization.warmup=0',
];

describe('a V-JEPA 2 (RoPE) run of vjepa-train through vjepa-eval', () => {
  it('its checkpoint, its official-layout export (with the run config, or read from the weights) and its predictor give the same outputs', async () => {
    const dir = tempDir();
    const folder = join(dir, 'run');
    const result = await runMainTraining('features', { folder, set: TINY_ROPE, backend: 'cpu', log: () => {} });
    const exported = result.encoderExport!;
    const clip = join(dir, 'clip.npy');
    writeFileSync(clip, writeNpy(tensorData('float32', [2, 4, 32, 32, 3], Float32Array.from({ length: 2 * 4 * 32 * 32 * 3 }, (_, i) => Math.sin(i * 0.013)))));
    const ctx = join(dir, 'ctx.npy');
    const tgt = join(dir, 'tgt.npy');
    writeFileSync(ctx, writeNpy(tensorData('int32', [2, 6], Int32Array.from([0, 1, 2, 5, 9, 30, 3, 4, 8, 16, 17, 31]))));
    writeFileSync(tgt, writeNpy(tensorData('int32', [2, 3], Int32Array.from([6, 7, 12, 0, 20, 21]))));
    const config = join(folder, 'config.yaml');
    const read = (f: string) => Array.from(readNpy(new Uint8Array(readFileSync(f)), { file: f }).data as Float32Array);
    const outputs = async (name: string, args: string[], extra: string[] = []) => {
      const out = join(dir, `${name}.npy`);
      const io = captureIo();
      expect(await runCli(['extract', ...args, '--input', clip, ...extra, '--out', out, '--backend', 'cpu'], io), name).toBe(0);
      expect(io.err).toEqual([]);
      return { values: read(out), io };
    };
    const sources: [string, string[]][] = [
      ['run', ['--checkpoint', folder]],
      ['export', ['--checkpoint', exported, '--config', config]],
      ['detected', ['--checkpoint', exported, '--num-heads', '2', '--num-frames', '4', '--crop-size', '32']],
    ];
    const features = [];
    for (const [name, args] of sources) features.push(await outputs(name, args));
    expect(features[0].values).toHaveLength(2 * 32 * 32);
    for (const f of features.slice(1)) expect(f.values).toEqual(features[0].values);
    expect(features[2].io.out.join('\n')).toContain('detected: V-JEPA 2 (RoPE: no pos_embed)');
    // the predictor: from the manifest's config, and read from the export's weights with pred_num_heads of the config
    const predict = ['--indices', ctx, '--predict', tgt, '--mask-index', '1'];
    const fromRun = await outputs('run-pred', sources[0][1], predict);
    const fromExport = await outputs('export-pred', sources[1][1], predict);
    expect(fromRun.values).toHaveLength(2 * 3 * 32);
    expect(fromExport.values).toEqual(fromRun.values);
    expect(fromExport.io.out.join('\n')).toContain('predictor: jepa-latest.pth.tar[predictor] (RoPE, 2 mask token(s))');
  });
});
