import { expectHostile } from '@vjepa/io/testing';
import { afterAll, describe, it } from 'vitest';
import { dataHostileRows, removeDataHostileScratch } from './hostile-inputs.test-util';

// One test per hostile input of issue 13 that reaches @vjepa/data (index files, labels, special
// and empty files): each ends in the project's error, or a correct value, within 60 s and 1 GiB of
// memory growth (less where the row says). The table grows with each new case.
describe('hostile inputs', () => {
  afterAll(removeDataHostileScratch);
  for (const row of dataHostileRows()) {
    it(row.name, async () => {
      await expectHostile(row);
    });
  }
});
