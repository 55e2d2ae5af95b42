import { describe, expect, it } from 'vitest';
import { EVAL_ENTRY_POINTS, findEvalEntryPoint } from './eval-hook';

describe('findEvalEntryPoint', () => {
  it("finds apps/eval's embedded evaluation from source", async () => {
    const found = await findEvalEntryPoint();
    // apps/eval exports runEmbeddedEval (the contract --then-eval relies on).
    expect('name' in found ? found.name : found.reason).toBe('runEmbeddedEval');
    expect(EVAL_ENTRY_POINTS[0]).toBe('runEmbeddedEval');
  });
});
