/**
 * One small-scale V-JEPA recipe, end to end: pretrain on Moving MNIST (MNIST train digits) on the
 * wasm backend for a fixed budget, then evaluate FROZEN on held-out Moving MNIST (MNIST test digits)
 * with an attentive probe (3 seeds) on digit (10 classes) and direction (8 classes), for
 *   (a) the trained target encoder and (b) a random-init encoder of the same architecture
 *       (same init seed as the trained encoder before training).
 *
 * Usage (from the repository root):
 *   timeout 900 node --import tsx --conditions=@vjepa/source experiments/small-scale/recipe.ts \
 *     '{"name":"baseline","set":["optimization.epochs=4"],"minutes":4.5}'
 * Recipe JSON:
 *   name          run name (results/<name>.json, RESULTS.md row)
 *   set           apps/train `--set` overrides on top of configs/tiny-cpu.yaml (official key names)
 *   minutes       optional wall-clock cap on training (the schedules still span epochs*ipe steps)
 *   probe         optional { trainClips=400, testClips=200, epochs=20, batchSize=16, lr=5e-3, seeds=3 }
 *   randomSeed    optional random-init seed (default: the trained encoder's init seed, meta.seed+1)
 *   evalKey       optional 'target_encoder' (default, what vjepa-eval reads) or 'encoder' (the online one)
 *   note          free text copied to RESULTS.md
 * Everything is done through the packages the CLIs use (`@vjepa/run`'s loadConfig, batch source and
 * training session, the official export; `@vjepa/data`'s clip sets; `@vjepa/eval`'s loadEncoder /
 * encodeClips / runProbe), so a recipe that wins here is exactly what the same YAML does in
 * `vjepa-train` + `vjepa-eval`.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '@vjepa/backends';
import { type ClipBatch, movingMnistClips } from '@vjepa/data';
import { type Features, MOVING_MNIST_SEEDS, archFromConfig, clipOf, encodeClips, loadEncoder, runProbe } from '@vjepa/eval';
import { createBatchSource, createTrainingSession, loadConfig, prepareRunFolder, runPaths, strategyForConfig } from '@vjepa/run';

interface Recipe {
  name: string;
  set?: string[];
  minutes?: number;
  probe?: { trainClips?: number; testClips?: number; epochs?: number; batchSize?: number; lr?: number; seeds?: number };
  randomSeed?: number;
  evalKey?: 'target_encoder' | 'encoder';
  note?: string;
}

const HERE = join(process.cwd(), 'experiments', 'small-scale');
const recipe: Recipe = JSON.parse(process.argv[2] ?? '{"name":"baseline"}');
const runDir = `/tmp/vjepa-exp-${recipe.name}`;
if (existsSync(runDir)) rmSync(runDir, { recursive: true, force: true });
const config = loadConfig({
  preset: 'tiny-cpu',
  set: [...(recipe.set ?? []), 'meta.backend=wasm', `logging.folder=${runDir}`, 'meta.load_checkpoint=false', 'logging.checkpoint_every=100000'],
});

const log = (s: string) => console.log(s);

const backend = await setupBackend('wasm'); // registers tfjs gradients too
log(`backend ${backend.name}: ${backend.detail}`);

// ---------------- pretraining ----------------
const strategy = await strategyForConfig(config);
const paths = runPaths(config);
prepareRunFolder(paths, config);
const data = await createBatchSource(config);
const session = createTrainingSession(config, strategy, paths.checkpoints);
const total = session.totalSteps;
const capMs = (recipe.minutes ?? Infinity) * 60_000;
const curve: { step: number; loss: number; reg: number; encVar: number; encCov: number; spread: number; lr: number; ema: number; s: number }[] = [];
const t0 = performance.now();
let step = 0;
while (step < total && performance.now() - t0 < capMs) {
  const batch = await data.batch(step);
  const m = await session.step(batch);
  const s = (performance.now() - t0) / 1000;
  curve.push({ step, loss: m.loss, reg: m.reg, encVar: m.encVar, encCov: m.encCov, spread: m.featureSpread, lr: m.lr, ema: m.momentum, s });
  if (step % 20 === 0 || step === total - 1) log(`step ${step}/${total} loss ${m.loss.toFixed(4)} jepa ${m.lossJepa.toFixed(4)} reg ${m.reg.toFixed(3)} encVar ${m.encVar.toFixed(3)} encCov ${m.encCov.toFixed(3)} spread ${m.featureSpread.toFixed(3)} lr ${m.lr.toExponential(2)} ema ${m.momentum.toFixed(4)} ${s.toFixed(0)}s`);
  step++;
}
const trainSeconds = (performance.now() - t0) / 1000;
const exportPath = join(runDir, 'jepa-latest.pth.tar');
await session.exportEncoder(exportPath);
session.dispose();
log(`trained ${step}/${total} steps in ${trainSeconds.toFixed(0)} s; tensors ${tf.memory().numTensors}`);

// ---------------- frozen evaluation ----------------
const arch = archFromConfig(config);
const p = { trainClips: 400, testClips: 200, epochs: 20, batchSize: 16, lr: 5e-3, seeds: 3, ...(recipe.probe ?? {}) };
const trainSet = movingMnistClips(clipOf(arch), { part: 'probe-train', count: p.trainClips, seed: MOVING_MNIST_SEEDS['probe-train'] });
const testSet = movingMnistClips(clipOf(arch), { part: 'probe-test', count: p.testClips, seed: MOVING_MNIST_SEEDS['probe-test'] });
const trainClips = await trainSet.clips(0, p.trainClips);
const testClips = await testSet.clips(0, p.testClips);

/** Mean over clips and channels of the std across tokens (the collapse indicator, on eval clips). */
function tokenSpread(f: { data: Float32Array; shape: number[] }): number {
  const [M, N, D] = f.shape;
  return tf.tidy(() => tf.mean(tf.sqrt(tf.moments(tf.tensor3d(f.data, [M, N, D]), 1).variance)).dataSync()[0]);
}

const randomSeed = recipe.randomSeed ?? config.meta.seed + 1;
const encoders = [
  { name: 'vjepa', spec: { checkpoint: exportPath, key: recipe.evalKey ?? 'target_encoder' } },
  { name: 'random', spec: { randomInit: { seed: randomSeed } } },
] as const;
const tasks = [
  { task: 'digit', classes: 10 },
  { task: 'direction', classes: 8 },
] as const;
const results: Record<string, Record<string, { mean: number; std: number; accs: number[] }>> = {};
const spreads: Record<string, number> = {};
const te = performance.now();
// the random-init control depends only on the architecture, the init seed, the eval clips and the probe
// settings: cache its numbers so every run with the same architecture reuses them
const randomKey = JSON.stringify({ vit: arch.vit, frameStep: arch.frameStep, randomSeed, p });
const randomCacheFile = join(HERE, 'results', 'random-init-cache.json');
const randomCache: Record<string, { results: (typeof results)[string]; spread: number }> = existsSync(randomCacheFile) ? JSON.parse(readFileSync(randomCacheFile, 'utf8')) : {};
for (const enc of encoders) {
  if (enc.name === 'random' && randomCache[randomKey]) {
    results.random = randomCache[randomKey].results;
    spreads.random = randomCache[randomKey].spread;
    for (const t of tasks) log(`random ${t.task} (cached): ${(100 * results.random[t.task].mean).toFixed(1)} ± ${(100 * results.random[t.task].std).toFixed(1)}`);
    continue;
  }
  const loaded = await loadEncoder(arch, enc.spec);
  const features = async (c: ClipBatch): Promise<Features> => {
    const f = await encodeClips(loaded.encoder, c.clips, c.shape, { batchSize: 25 });
    return { data: f.data, shape: f.shape as [number, number, number], cached: false };
  };
  const fTrain = await features(trainClips);
  const fTest = await features(testClips);
  loaded.encoder.dispose();
  spreads[enc.name] = tokenSpread(fTest);
  results[enc.name] = {};
  for (const t of tasks) {
    const r = await runProbe(fTrain, trainSet.labels[t.task], fTest, testSet.labels[t.task], {
      kind: 'attentive', numClasses: t.classes, numHeads: arch.vit.numHeads, seeds: p.seeds, epochs: p.epochs, batchSize: p.batchSize, lr: p.lr,
    });
    results[enc.name][t.task] = { mean: r.mean, std: r.std, accs: r.accuracies };
    log(`${enc.name} ${t.task}: ${(100 * r.mean).toFixed(1)} ± ${(100 * r.std).toFixed(1)} [${r.accuracies.map((a) => (100 * a).toFixed(1)).join(', ')}]`);
  }
}
const evalSeconds = (performance.now() - te) / 1000;
mkdirSync(join(HERE, 'results'), { recursive: true });
if (!randomCache[randomKey]) {
  randomCache[randomKey] = { results: results.random, spread: spreads.random };
  writeFileSync(randomCacheFile, JSON.stringify(randomCache, null, 1));
}

// ---------------- report ----------------
const pct = (x: { mean: number; std: number }) => `${(100 * x.mean).toFixed(1)} ± ${(100 * x.std).toFixed(1)}`;
/** Margin in units of the larger of the two seed stds (the "> 3 std" criterion). */
function verdict(task: string) {
  const v = results.vjepa[task];
  const r = results.random[task];
  const sd = Math.max(v.std, r.std, 1e-9);
  const margin = (v.mean - r.mean) / sd;
  return { diff: v.mean - r.mean, margin, beats3sd: margin > 3 };
}
const spreadAt = (i: number) => curve[Math.min(Math.max(0, i), curve.length - 1)]?.spread ?? NaN;
const summary = {
  recipe,
  overrides: recipe.set ?? [],
  steps: step,
  plannedSteps: total,
  trainSeconds,
  evalSeconds,
  lossFirst: curve[0]?.loss,
  lossLast: curve.at(-1)?.loss,
  trainSpread: { first: spreadAt(0), mid: spreadAt(Math.floor(curve.length / 2)), last: spreadAt(curve.length - 1) },
  evalTokenSpread: spreads,
  probe: p,
  results,
  verdict: { digit: verdict('digit'), direction: verdict('direction') },
  curve: curve.filter((_, i) => i % 5 === 0 || i === curve.length - 1),
  config: { data: config.data, data_aug: config.data_aug, mask: config.mask, model: config.model, optimization: config.optimization, loss: config.loss },
};
mkdirSync(join(HERE, 'results'), { recursive: true });
writeFileSync(join(HERE, 'results', `${recipe.name}.json`), JSON.stringify(summary, null, 1));

const row =
  `| ${new Date().toISOString().slice(0, 16)} | ${recipe.name} | ${(recipe.set ?? []).join(' ') || '(tiny-cpu defaults)'}${recipe.evalKey === 'encoder' ? ' [eval: online encoder]' : ''} | ${step}/${total} | ${trainSeconds.toFixed(0)} s | ` +
  `${summary.lossFirst?.toFixed(3)} → ${summary.lossLast?.toFixed(3)} | ${summary.trainSpread.first.toFixed(3)} → ${summary.trainSpread.last.toFixed(3)} | ${spreads.vjepa.toFixed(3)} / ${spreads.random.toFixed(3)} | ` +
  `${pct(results.vjepa.digit)} vs ${pct(results.random.digit)} (${summary.verdict.digit.margin.toFixed(1)} sd) | ` +
  `${pct(results.vjepa.direction)} vs ${pct(results.random.direction)} (${summary.verdict.direction.margin.toFixed(1)} sd) | ${recipe.note ?? ''} |`;
console.log('\n| when | run | overrides | steps | train wall | loss first → last | pred spread first → last | eval token spread trained / random | digit trained vs random | direction trained vs random | note |');
console.log(row);
const resultsMd = join(HERE, 'RESULTS.md');
const MARK = '<!-- rows: newest first -->';
if (existsSync(resultsMd)) {
  const text = readFileSync(resultsMd, 'utf8');
  if (text.includes(MARK)) writeFileSync(resultsMd, text.replace(MARK, `${MARK}\n${row}`));
}
log(`eval ${evalSeconds.toFixed(0)} s; wrote results/${recipe.name}.json`);
