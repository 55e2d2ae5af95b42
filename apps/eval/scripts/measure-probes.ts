// Measures feature and probe timings/accuracies of a random-init tiny-cpu encoder. Usage (repo root):
// node_modules/.bin/tsx --conditions=@vjepa/source apps/eval/scripts/measure-probes.ts wasm '[["attentive",8,16,0.005]]'
import { setupBackend } from '@vjepa/backends';
import { movingMnistClips } from '@vjepa/data';
import { cachedFeatures, clipOf, loadEncoder, readArchConfig, runProbe } from '@vjepa/eval';
const backend = process.argv[2] ?? 'wasm';
await setupBackend(backend as 'wasm');
const arch = readArchConfig('configs/tiny-cpu.yaml');
let t = Date.now();
const lap = (m: string) => { console.log(m, ((Date.now() - t) / 1000).toFixed(1), 's'); t = Date.now(); };
const train = movingMnistClips(clipOf(arch), { part: 'probe-train', count: 400, seed: 1001 });
const test = movingMnistClips(clipOf(arch), { part: 'probe-test', count: 200, seed: 1002 });
lap('sets');
await train.clips(0, 100); lap('100 clips generated');
const enc = await loadEncoder(arch, { randomInit: { seed: 0 } });
const trF = await cachedFeatures(enc, train, {});
const teF = await cachedFeatures(enc, test, {});
lap('features 600 clips');
for (const [kind, epochs, bs, lr] of (JSON.parse(process.argv[3] ?? '[["attentive",20,64,0.001]]') as [string, number, number, number][])) {
  for (const task of ['direction', 'digit']) {
    const r = await runProbe(trF, train.labels[task], teF, test.labels[task], { kind: kind as 'attentive', numClasses: task === 'digit' ? 10 : 8, numHeads: 4, seeds: 1, epochs, batchSize: bs, lr });
    lap(`${kind} e${epochs} b${bs} lr${lr} ${task}: ${(r.mean * 100).toFixed(1)}%`);
  }
}
