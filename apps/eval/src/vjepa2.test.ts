// V-JEPA 2 through vjepa-eval: the official fixture (fixtures/vjepa2-parity, made with the official
// V-JEPA 2 classes) from checkpoint.pt / probe.pt and from Hugging Face names, on the cpu backend.
import { readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { join } from 'node:path';
import { readNpy, readTorchCheckpoint, selectStateDict, stripPrefixes, toFloat32, toHfVjepa2, writeSafetensors } from '@vjepa/io';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-main';
import { FIXTURES, VJEPA2_FIXTURES, captureIo, tempDir, writeArchConfig, writeVjepa2ArchConfig } from './test/fixtures';

const F = (name: string) => join(VJEPA2_FIXTURES, name);
const npy = (path: string) => readNpy(new Uint8Array(readFileSync(path)), { file: path });
const maxDiff = (a: Float32Array, b: Float32Array) => (a.length === b.length ? a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0) : Infinity);

/** Runs the CLI on the cpu backend; returns what it printed and the output's max abs difference to an expected .npy. */
async function run(args: string[], out: string, expected: string) {
  const io = captureIo();
  const code = await runCli([...args, '--out', out, '--backend', 'cpu'], io);
  expect(io.err).toEqual([]);
  expect(code).toBe(0);
  const got = npy(out);
  const want = npy(F(expected));
  expect(got.shape).toEqual(want.shape);
  return { io, diff: maxDiff(toFloat32(got), toFloat32(want)) };
}

describe('vjepa-eval on the V-JEPA 2 fixture (checkpoint.pt, probe.pt)', () => {
  const dir = tempDir();
  const config = writeVjepa2ArchConfig(dir); // model.use_rope: true, 96 x 2, 4 heads; data 4 x 32 x 32, patch 8
  const base = ['--checkpoint', F('checkpoint.pt'), '--config', config, '--input', F('input.npy')];

  it('extract: target features (target_encoder on the whole clip)', async () => {
    const { diff } = await run(['extract', ...base], join(dir, 'target.npy'), 'expected_target_features.npy');
    console.log(`vjepa-eval extract, V-JEPA 2 target features: max abs diff ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
  });

  it('extract --key encoder --indices: context features (positions from the kept indices)', async () => {
    const { diff } = await run(['extract', ...base, '--key', 'encoder', '--indices', F('ctx_idx.npy')], join(dir, 'context.npy'), 'expected_context_features.npy');
    console.log(`vjepa-eval extract --indices, V-JEPA 2 context features: max abs diff ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
  });

  it('extract --indices --predict --mask-index 1: the RoPE predictor from the online encoder (its default there)', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const { io, diff } = await run(['extract', ...base, '--indices', F('ctx_idx.npy'), '--predict', F('tgt_idx.npy'), '--mask-index', '1'], join(dir, 'pred.npy'), 'expected_predictions.npy');
    console.log(`vjepa-eval extract --predict, V-JEPA 2 predictions: max abs diff ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
    expect(io.out.join('\n')).toMatch(/encoder: checkpoint\.pt\[encoder\].*\n.*predictor: checkpoint\.pt\[predictor\] \(RoPE, 2 mask token\(s\)\), mask token 1/);
    // mask token 0 is another prediction: the index reaches the predictor
    const other = await run(['extract', ...base, '--indices', F('ctx_idx.npy'), '--predict', F('tgt_idx.npy'), '--mask-index', '0'], join(dir, 'pred0.npy'), 'expected_predictions.npy');
    expect(other.diff).toBeGreaterThan(1e-3);
    expect(tf.memory().numTensors).toBe(tensorsBefore); // encoder, predictor and every intermediate disposed
  });

  it('probe --probe-checkpoint probe.pt: the V-JEPA 2 probe ({"classifiers": [...]}) on the target features', async () => {
    const tensorsBefore = tf.memory().numTensors;
    const { io, diff } = await run(['probe', ...base, '--probe-checkpoint', F('probe.pt')], join(dir, 'logits.npy'), 'expected_probe_logits.npy');
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    console.log(`vjepa-eval probe --probe-checkpoint, V-JEPA 2 probe logits: max abs diff ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
    expect(io.out.join('\n')).toContain('probe.pt #0 of 1 (V-JEPA 2 layout, depth 2, 4 heads, 5 classes)');
  });

  it('reads the architecture from the weights when there is no --config (V-JEPA 2: no pos_embed); heads are asked for', async () => {
    const detect = ['--checkpoint', F('checkpoint.pt'), '--input', F('input.npy')];
    const { io, diff } = await run(['extract', ...detect, '--num-heads', '4'], join(dir, 'detected.npy'), 'expected_target_features.npy');
    expect(diff).toBeLessThan(1e-4);
    expect(io.out.join('\n')).toMatch(/architecture: checkpoint\.pt\[target_encoder\], detected: V-JEPA 2 \(RoPE: no pos_embed\).*embed_dim 96, depth 2, heads 4, patch 8, tubelet 2/);
    const noHeads = captureIo();
    expect(await runCli(['extract', ...detect, '--out', join(dir, 'x.npy'), '--backend', 'cpu'], noHeads)).toBe(2);
    expect(noHeads.err[0]).toMatch(/ConfigError: .*checkpoint\.pt: the architecture of checkpoint\.pt\[target_encoder\] from its weights.*RoPE encoder of width 96, depth 2.*--num-heads N/s);
    const both = captureIo();
    expect(await runCli(['extract', ...base, '--num-heads', '4', '--out', join(dir, 'x.npy')], both)).toBe(2);
    expect(both.err[0]).toContain('--num-heads: expected only when the architecture is read from the checkpoint file');
  });

  it('loads Hugging Face VJEPA2Model / VJEPA2ForVideoClassification safetensors (names detected) with the same outputs', async () => {
    const ckpt = readTorchCheckpoint(new Uint8Array(readFileSync(F('checkpoint.pt'))), { file: 'checkpoint.pt' });
    const probe = readTorchCheckpoint(new Uint8Array(readFileSync(F('probe.pt'))), { file: 'probe.pt' }) as { classifiers: Record<string, never>[] };
    const encoder = selectStateDict(ckpt, 'target_encoder');
    const model = join(dir, 'model.safetensors');
    writeFileSync(model, writeSafetensors(toHfVjepa2({ encoder, predictor: selectStateDict(ckpt, 'predictor') }), { format: 'pt' }));
    const hf = ['--checkpoint', model, '--config', config, '--input', F('input.npy')];
    const target = await run(['extract', ...hf], join(dir, 'hf-target.npy'), 'expected_target_features.npy');
    console.log(`vjepa-eval extract, Hugging Face V-JEPA 2 names: max abs diff ${target.diff.toExponential(2)}`);
    expect(target.diff).toBeLessThan(1e-4);
    expect(target.io.out.join('\n')).toContain('model.safetensors[Hugging Face V-JEPA 2 encoder]');
    // transformers converts the hub model (target encoder + predictor): its predictions are those of
    // checkpoint.pt's predictor on the target encoder's context features
    const masked = ['--indices', F('ctx_idx.npy'), '--predict', F('tgt_idx.npy'), '--mask-index', '1', '--backend', 'cpu'];
    for (const [args, out] of [[hf, 'hf-pred.npy'], [[...base, '--key', 'target_encoder'], 'pt-pred.npy']] as const) {
      expect(await runCli(['extract', ...args, ...masked, '--out', join(dir, out)], captureIo())).toBe(0);
    }
    expect(maxDiff(toFloat32(npy(join(dir, 'hf-pred.npy'))), toFloat32(npy(join(dir, 'pt-pred.npy'))))).toBe(0);
    const keyed = captureIo();
    expect(await runCli(['extract', ...hf, '--key', 'encoder', '--out', join(dir, 'x.npy'), '--backend', 'cpu'], keyed)).toBe(2);
    expect(keyed.err[0]).toContain('--key: expected no --key or --prefix with a Hugging Face V-JEPA 2 file');
    const classifier = join(dir, 'classifier.safetensors');
    writeFileSync(classifier, writeSafetensors(toHfVjepa2({ encoder, classifier: stripPrefixes(probe.classifiers[0], ['module.']) }), { format: 'pt' }));
    const logits = await run(['probe', '--checkpoint', classifier, '--config', config, '--input', F('input.npy'), '--probe-checkpoint', classifier], join(dir, 'hf-logits.npy'), 'expected_probe_logits.npy');
    expect(logits.diff).toBeLessThan(1e-4);
  });

  it('refuses a V-JEPA 2 checkpoint under a V-JEPA (sin-cos) config and a V-JEPA one under a V-JEPA 2 config, naming both', async () => {
    const v1Config = writeVjepa2ArchConfig(dir, { use_rope: false });
    const io = captureIo();
    expect(await runCli(['extract', '--checkpoint', F('checkpoint.pt'), '--config', v1Config, '--input', F('input.npy'), '--out', join(dir, 'x.npy'), '--backend', 'cpu'], io)).toBe(1);
    expect(io.err[0]).toMatch(/CheckpointError: .*checkpoint\.pt\[target_encoder\] is a V-JEPA 2 \(RoPE\) encoder, but .*describes a V-JEPA \(sin-cos\) one.*no pos_embed.*set model\.use_rope: true in the --config/s);
    // the official V-JEPA fixture (sin-cos) under its own sizes with use_rope: true
    const official = join(dir, 'official-rope.yaml');
    const arch = JSON.parse(readFileSync(writeArchConfig(dir), 'utf8'));
    writeFileSync(official, JSON.stringify({ model: { ...arch.model, use_rope: true }, data: arch.data }));
    const io2 = captureIo();
    expect(await runCli(['extract', '--checkpoint', join(FIXTURES, 'checkpoint.pth.tar'), '--config', official, '--input', join(FIXTURES, 'input.npy'), '--out', join(dir, 'y.npy'), '--backend', 'cpu'], io2)).toBe(1);
    expect(io2.err[0]).toMatch(/CheckpointError: .*checkpoint\.pth\.tar\[target_encoder\] is a V-JEPA \(sin-cos\) encoder, but .*describes a V-JEPA 2 \(RoPE\) one.*pos_embed \[1, 32, 64\].*model\.use_rope: false.*--preset vitl\|vith\|vitg\|vitg-384/s);
    // and through probe the same
    const io3 = captureIo();
    expect(await runCli(['probe', '--checkpoint', F('checkpoint.pt'), '--config', v1Config, '--input', F('input.npy'), '--probe-checkpoint', F('probe.pt'), '--out', join(dir, 'z.npy'), '--backend', 'cpu'], io3)).toBe(1);
    expect(io3.err[0]).toContain('is a V-JEPA 2 (RoPE) encoder');
  });

  it('names usage errors of the new options (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [['extract', ...base, '--predict', F('tgt_idx.npy')], /--predict: expected with --indices/],
      [['extract', ...base, '--mask-index', '1'], /--mask-index: expected only with --predict/],
      [['extract', ...base, '--indices', F('ctx_idx.npy'), '--pool', 'mean'], /--pool: expected no --pool or --stack with --indices/],
      [['probe', ...base, '--probe-checkpoint', F('probe.pt'), '--task', 'digit'], /--task: expected no training options with --probe-checkpoint/],
      [['probe', ...base, '--probe-checkpoint', F('probe.pt'), '--classifier', '1'], /--classifier: expected an index in \[0, 1\)/],
      [['probe', ...base, '--task', 'digit'], /--input: expected only with --probe-checkpoint/],
      [['probe', '--checkpoint', F('checkpoint.pt'), '--config', config, '--classifier', '0'], /--classifier: expected only with --probe-checkpoint/],
    ];
    for (const [args, message] of cases) {
      const io = captureIo();
      expect(await runCli([...args, '--out', join(dir, 'u.npy'), '--backend', 'cpu'], io), args.join(' ')).toBe(2);
      expect(io.err[0]).toMatch(message);
    }
  });
});
