import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './load-config';
import { buildModels } from './training-session';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('buildModels', () => {
  it('builds a RoPE encoder and predictor for model.use_rope (no position tables), and sin-cos ones otherwise', () => {
    const set = ['model.embed_dim=48', 'model.depth=1', 'model.num_heads=4', 'model.pred_embed_dim=24', 'model.pred_depth=1', 'model.pred_num_heads=2'];
    for (const rope of [true, false]) {
      const { vit, encoder, predictor } = buildModels(loadConfig({ set: [...set, `model.use_rope=${rope}`] }), { numMaskTypes: 2 });
      expect([vit.useRope, encoder.config.useRope, predictor.config.useRope]).toEqual([rope, rope, rope]);
      expect('pos_embed' in encoder.expectedShapes()).toBe(!rope);
      expect('predictor_pos_embed' in predictor.expectedShapes()).toBe(!rope);
      encoder.dispose();
      predictor.dispose();
    }
  });
});
