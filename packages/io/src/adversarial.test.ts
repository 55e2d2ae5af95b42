import { afterAll, describe, it } from 'vitest';
import { ioHostileRows, removeHostileScratch } from './hostile-inputs.test-util';
import { expectHostile } from './testing/hostile';

// One test per hostile input of issue 13 that reaches @vjepa/io: each must end in the project's
// error (or, where a reader must survive it, a correct value) within 60 s and 1 GiB of memory
// growth. Rows live in hostile-inputs.test-util.ts; measured numbers come from
// scripts/measure-hostile.ts (one process per row).
describe('hostile inputs', () => {
  afterAll(removeHostileScratch);
  for (const row of ioHostileRows()) {
    it(row.name, async () => {
      await expectHostile(row);
    });
  }
});
