import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { expectHostile } from '@vjepa/io/testing';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { evalHostileRows, removeEvalHostileScratch } from './hostile-inputs.test-util';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// One test per hostile input of issue 13 that reaches @vjepa/eval: each ends in the project's
// error, or a correct value, within 60 s and 1 GiB of memory growth. The table grows with each new case.
describe('hostile inputs', () => {
  afterAll(removeEvalHostileScratch);
  for (const row of evalHostileRows()) {
    it(row.name, async () => {
      await expectHostile(row);
    });
  }
});
