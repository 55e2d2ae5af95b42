/**
 * How well does a RANDOM-INIT encoder + probe do on the embedded tasks, by clip geometry? The
 * control every pretrained encoder must beat. Usage:
 *   node --import tsx --conditions=@vjepa/source apps/eval/bench/random-init-probe.ts CROP FRAMES FRAME_STEP [PATCH] [KIND]
 */
import { setupBackend } from '@vjepa/backends';
import { VisionTransformer } from '@vjepa/vit';
import { movingMnistClips } from '@vjepa/data';
import { archFromConfig, clipOf, encodeClips, runProbe } from '@vjepa/eval';

const [crop = 32, frames = 8, frameStep = 1, patch = 8] = process.argv.slice(2, 6).map(Number);
const kind = (process.argv[6] ?? 'attentive') as 'attentive';
await setupBackend('wasm', { log: () => {} });
const arch = archFromConfig({ model: { embed_dim: 96, depth: 4, num_heads: 4 }, data: { patch_size: patch, tubelet_size: 2, num_frames: frames, crop_size: crop, frame_step: frameStep } });
const encoder = new VisionTransformer(arch.vit, { seed: 235 });
const t0 = performance.now();
const feats = async (part: 'probe-train' | 'probe-test', count: number) => {
  const set = movingMnistClips(clipOf(arch), { part, count, seed: part === 'probe-train' ? 11 : 12 });
  const { clips: data, shape } = await set.clips(0, count);
  return { f: await encodeClips(encoder, data, shape), labels: set.labels };
};
const tr = await feats('probe-train', 400);
const te = await feats('probe-test', 200);
for (const task of (process.env.TASKS ?? 'direction,digit').split(',') as ('direction' | 'digit')[]) {
  const c = task === 'digit' ? 10 : 8;
  const r = await runProbe(tr.f, tr.labels[task], te.f, te.labels[task], { kind, numClasses: c, numHeads: 4, seeds: 1, epochs: Number(process.env.EPOCHS ?? 20), batchSize: Number(process.env.BATCH ?? 16), lr: Number(process.env.LR ?? 5e-3) });
  console.log(`crop ${crop} frames ${frames} step ${frameStep} patch ${patch} ${kind} e${process.env.EPOCHS ?? 20} b${process.env.BATCH ?? 16} lr${process.env.LR ?? 5e-3}: ${task} ${(100 * r.mean).toFixed(1)}%  (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
}
