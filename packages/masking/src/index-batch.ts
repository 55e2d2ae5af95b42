import { ShapeError } from '@vjepa/errors';
import type { Grid, IndexBatch } from './specification';

/**
 * Number of tokens in a grid, `t * h * w`.
 *
 * @example
 * numTokens({ t: 8, h: 14, w: 14 }); // 1568
 */
export function numTokens(grid: Grid): number {
  return grid.t * grid.h * grid.w;
}

/**
 * Token index of grid cell `(ti, y, x)`: time-major raster order, `ti * h * w + y * w + x`.
 *
 * @example
 * tokenIndex({ t: 2, h: 3, w: 4 }, 1, 2, 3); // 12 + 8 + 3 = 23
 */
export function tokenIndex(grid: Grid, ti: number, y: number, x: number): number {
  return ti * grid.h * grid.w + y * grid.w + x;
}

/**
 * Builds a rectangular {@link IndexBatch} from equal-length rows.
 *
 * @example
 * const batch = indexBatchFromRows([[0, 3], [1, 2]]); // batchSize 2, length 2
 */
export function indexBatchFromRows(rows: readonly (ArrayLike<number>)[]): IndexBatch {
  const batchSize = rows.length;
  const length = batchSize === 0 ? 0 : rows[0].length;
  const data = new Int32Array(batchSize * length); // [B, K]
  rows.forEach((row, b) => {
    if (row.length !== length) {
      throw new ShapeError(`indexBatchFromRows: row ${b}`, {
        expected: `length ${length} (the length of row 0)`,
        received: `length ${row.length}`,
        hint: 'truncate rows to a common length first',
      });
    }
    for (let k = 0; k < length; k++) data[b * length + k] = row[k];
  });
  return { data, batchSize, length };
}

/**
 * Row `b` of a batch, as a view (no copy).
 *
 * @example
 * indexBatchRow(indexBatchFromRows([[0, 3], [1, 2]]), 1); // Int32Array [1, 2]
 */
export function indexBatchRow(batch: IndexBatch, b: number): Int32Array {
  return batch.data.subarray(b * batch.length, (b + 1) * batch.length);
}

/**
 * All rows of a batch as plain arrays (handy in tests and logs).
 *
 * @example
 * indexBatchToRows(indexBatchFromRows([[0, 3], [1, 2]])); // [[0, 3], [1, 2]]
 */
export function indexBatchToRows(batch: IndexBatch): number[][] {
  return Array.from({ length: batch.batchSize }, (_, b) => Array.from(indexBatchRow(batch, b)));
}
