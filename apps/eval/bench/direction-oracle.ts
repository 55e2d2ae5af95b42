/** Sanity check of the temporal task: how often does the centre-of-mass displacement between the
 * first and last frame of an eval clip agree with its direction label? Usage: ... CROP FRAMES FRAME_STEP */
import { movingMnistClips } from '@vjepa/data';
import { archFromConfig, clipOf } from '@vjepa/eval';

const [crop = 32, frames = 8, frameStep = 1] = process.argv.slice(2, 5).map(Number);
const arch = archFromConfig({ model: { embed_dim: 96, depth: 4, num_heads: 4 }, data: { patch_size: 8, tubelet_size: 2, num_frames: frames, crop_size: crop, frame_step: frameStep } });
const set = movingMnistClips(clipOf(arch), { part: 'probe-test', count: 200, seed: 12 });
const { clips: data, shape } = await set.clips(0, 200);
const [b, t, h, w] = shape;
const com = (i: number, f: number) => {
  let sx = 0, sy = 0, s = 0;
  let min = Infinity;
  for (let p = 0; p < h * w; p++) min = Math.min(min, data[((i * t + f) * h * w + p) * 3]);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const v = data[((i * t + f) * h * w + y * w + x) * 3] - min;
    sx += v * x; sy += v * y; s += v;
  }
  return [sx / s, sy / s];
};
let agree = 0; const hist = new Array(8).fill(0);
for (let i = 0; i < b; i++) {
  const [x0, y0] = com(i, 0), [x1, y1] = com(i, t - 1);
  const ang = Math.atan2(y0 - y1, x1 - x0); // image rows grow downwards: up is -y
  const cls = ((Math.round(ang / (Math.PI / 4)) % 8) + 8) % 8;
  hist[set.labels.direction[i]]++;
  if (cls === set.labels.direction[i]) agree++;
}
console.log(`crop ${crop} frames ${frames} step ${frameStep}: CoM-direction agrees with label ${(100 * agree / b).toFixed(1)}%; label histogram ${hist.join(' ')}`);
