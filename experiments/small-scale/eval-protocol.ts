/**
 * How noisy is the frozen evaluation, and what does it cost? Extracts features once (cached) for a
 * large held-out Moving MNIST probe-train / probe-test set under several encoders, then trains the
 * probe with several protocols on prefixes of those sets and prints accuracy mean ± std over seeds,
 * the margin over the random-init control in control-std units (the suite's rule), and seconds.
 *
 * Usage (from the repository root):
 *   node --import tsx --conditions=@vjepa/source experiments/small-scale/eval-protocol.ts \
 *     '{"encoders":{"vjepa":{"checkpoint":"/tmp/exp/v1000/jepa-latest.pth.tar"}},"run":"/tmp/exp/v1000",
 *       "maxTrain":2000,"maxTest":1000,"protocols":[{"trainClips":400,"testClips":200}]}'
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '@vjepa/backends';
import { movingMnistClips } from '@vjepa/data';
import { type EncoderSpec, type Features, MOVING_MNIST_SEEDS, type ProbeKind, cachedFeatures, clipOf, loadEncoder, openCheckpoint, runProbe } from '@vjepa/eval';

interface Protocol {
  trainClips: number;
  testClips: number;
  kind?: ProbeKind;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seeds?: number;
  tasks?: string[];
}
interface Input {
  run: string;
  encoders: Record<string, EncoderSpec & { oneFrame?: boolean }>;
  maxTrain: number;
  maxTest: number;
  protocols: Protocol[];
  cacheDir?: string;
}

const input: Input = JSON.parse(process.argv[2]!);
const backend = await setupBackend('wasm');
console.log(`backend ${backend.name}`);
const arch = (await openCheckpoint(input.run)).arch;
const cacheDir = input.cacheDir ?? '/tmp/exp/cache';
const trainSet = movingMnistClips(clipOf(arch), { part: 'probe-train', count: input.maxTrain, seed: MOVING_MNIST_SEEDS['probe-train'] });
const testSet = movingMnistClips(clipOf(arch), { part: 'probe-test', count: input.maxTest, seed: MOVING_MNIST_SEEDS['probe-test'] });

const feats = new Map<string, { train: Features; test: Features }>();
for (const [name, spec] of Object.entries(input.encoders)) {
  const t0 = Date.now();
  const loaded = await loadEncoder(arch, spec);
  const variant = { cacheDir, oneFrame: spec.oneFrame ? 0 : undefined };
  const train = await cachedFeatures(loaded, trainSet, variant);
  const test = await cachedFeatures(loaded, testSet, variant);
  loaded.encoder.dispose();
  feats.set(name, { train, test });
  console.log(`features ${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s${train.cached ? ' (cached)' : ''}`);
}

function prefix(f: Features, n: number): Features {
  const per = f.shape[1] * f.shape[2];
  return { data: f.data.subarray(0, n * per), shape: [n, f.shape[1], f.shape[2]], cached: f.cached };
}

const TASKS = [{ task: 'digit', classes: 10 }, { task: 'direction', classes: 8 }];
for (const p of input.protocols) {
  console.log(`\n## ${JSON.stringify(p)}`);
  for (const t of TASKS.filter((x) => !p.tasks || p.tasks.includes(x.task))) {
    const res = new Map<string, { mean: number; std: number; accs: number[]; s: number }>();
    for (const [name, f] of feats) {
      const t0 = Date.now();
      const r = await runProbe(prefix(f.train, p.trainClips), trainSet.labels[t.task]!.subarray(0, p.trainClips), prefix(f.test, p.testClips), testSet.labels[t.task]!.subarray(0, p.testClips), {
        kind: p.kind ?? 'attentive',
        numClasses: t.classes,
        numHeads: arch.vit.numHeads,
        seeds: p.seeds ?? 3,
        epochs: p.epochs ?? 20,
        batchSize: p.batchSize ?? 16,
        lr: p.lr ?? 5e-3,
      });
      res.set(name, { mean: r.mean, std: r.std, accs: r.accuracies, s: (Date.now() - t0) / 1000 });
    }
    const rnd = res.get('random');
    for (const [name, r] of res) {
      let m = '';
      if (rnd && name !== 'random') m = `  margin ${((r.mean - rnd.mean) / Math.max(r.std, rnd.std, 1e-9)).toFixed(1)} sd (+${(100 * (r.mean - rnd.mean)).toFixed(1)})`;
      console.log(`${t.task.padEnd(9)} ${name.padEnd(10)} ${(100 * r.mean).toFixed(1)} ± ${(100 * r.std).toFixed(1)}  [${r.accs.map((a) => (100 * a).toFixed(1)).join(' ')}]  ${r.s.toFixed(1)} s${m}`);
    }
  }
}
console.log(`numTensors ${tf.memory().numTensors}`);
