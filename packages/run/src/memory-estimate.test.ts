import { MemoryLimitError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import { strategyForConfig } from './masking-strategy';
import { estimateTrainingMemory, memoryLimitError, trainingMemoryFacts } from './memory-estimate';

const WASM = { bytes: 4 * 2 ** 30, what: 'the wasm heap: 32-bit addresses' };

describe('estimateTrainingMemory', () => {
  it('counts the parameters of the reference modules and the tokens of the first masks', async () => {
    const config = loadConfig({});
    const facts = trainingMemoryFacts(config, await strategyForConfig(config));
    expect(facts.contextSizes).toHaveLength(2);
    expect(facts.encoder.params).toBeGreaterThan(400_000); // D96 depth 4: 4 x 111k + patch embed
    const estimate = estimateTrainingMemory(facts);
    expect(estimate.bytes).toBeGreaterThan(10 * 2 ** 20);
    expect(estimate.bytes).toBeLessThan(WASM.bytes);
    expect(estimate.summary).toMatch(/^estimated peak \d+ MiB \(weights/);
  });

  it('shrinks the activations with model.use_activation_checkpointing', async () => {
    const plain = loadConfig({ set: ['data.batch_size=16', 'data.crop_size=64'] });
    const strategy = await strategyForConfig(plain);
    const a = estimateTrainingMemory(trainingMemoryFacts(plain, strategy));
    const b = estimateTrainingMemory(trainingMemoryFacts(loadConfig({ set: ['data.batch_size=16', 'data.crop_size=64', 'model.use_activation_checkpointing=true'] }), strategy));
    expect(b.parts.activations).toBeLessThan(a.parts.activations / 10);
    expect(b.parts.weights).toBe(a.parts.weights);
  });

  it('refuses ViT-L/16 at batch 1 on the wasm heap, saying the estimate, the limit and what to change', async () => {
    const config = loadConfig({ preset: 'vitl16', set: ['data.batch_size=1'] });
    const facts = trainingMemoryFacts(config, await strategyForConfig(config));
    expect(facts.encoder.params).toBeGreaterThan(300e6); // ViT-L: 303M
    const estimate = estimateTrainingMemory(facts);
    expect(estimate.bytes).toBeGreaterThan(WASM.bytes);
    const error = memoryLimitError(estimate, WASM, 'training vit_large at batch 1', facts);
    expect(MemoryLimitError.isInstance(error)).toBe(true);
    expect(error.message).toMatch(/expected at most 4\.0 GiB \(the wasm heap: 32-bit addresses\), received estimated peak \d+\.\d GiB/);
    expect(error.message).toMatch(/no batch, crop or recomputation setting fits: a smaller model.model_name/);
    expect(error.message).not.toMatch(/lower data.batch_size/); // already 1
  });
});
