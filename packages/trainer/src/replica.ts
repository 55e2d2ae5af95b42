import * as tf from '@tensorflow/tfjs-core';
import type { IndexBatch, MaskPair } from '@vjepa/masking';

/**
 * One data-parallel replica's view of its group: its rank, the group size, and a synchronous sum
 * over the replicas (every replica passes an array of the same length at the same point of the step
 * and gets the same element-wise sum back, identical to the bit on every replica). Whoever runs the
 * replicas (worker threads sharing memory, processes) implements it; the trainer only calls it.
 *
 * With a group, `Trainer.step(clips)` takes this replica's rows of the batch (`B / size` clips,
 * rows `[rank * B / size, (rank + 1) * B / size)`), samples the masks of the whole batch from the
 * shared generator and keeps its rows, sums the encoder regulariser's statistics over the group in
 * the forward pass, and averages the gradients (before clipping) and the metrics: every replica
 * applies the same update, which equals one process's full-batch step up to float summation order.
 *
 * @example
 * const trainer = createTrainer({ encoder, predictor, masking, config, replica: { rank, size: 2, sum: (v) => shared.sum(v) } });
 */
export interface ReplicaGroup {
  readonly rank: number;
  readonly size: number;
  sum(values: Float32Array): Float32Array;
}

/** Rows `[from, to)` of an index batch. */
function rows(b: IndexBatch, from: number, to: number): IndexBatch {
  return { data: b.data.slice(from * b.length, to * b.length), batchSize: to - from, length: b.length };
}

/**
 * This replica's rows of every mask pair of the whole batch.
 *
 * @example
 * const mine = replicaMasks(pairs, group, localBatch);
 */
export function replicaMasks(pairs: readonly MaskPair[], group: ReplicaGroup, localBatch: number): MaskPair[] {
  const from = group.rank * localBatch;
  return pairs.map((p) => ({ ...p, context: rows(p.context, from, from + localBatch), target: rows(p.target, from, from + localBatch) }));
}

/**
 * Sums a tensor's values over the group, as a differentiable op: the forward pass reads the local
 * value back, sums it with the other replicas' and returns the total; the backward pass scales the
 * incoming gradient by the group size, because every replica's gradients are averaged afterwards
 * (so that the average holds the full derivative of a term computed from the summed value).
 *
 * @example
 * const total = groupSum(localStats, group); // same values on every replica
 */
export function groupSum(x: tf.Tensor, group: ReplicaGroup): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const summed = group.sum(Float32Array.from(input.dataSync() as Float32Array));
    return {
      value: tf.tensor(summed, input.shape, 'float32'),
      gradFunc: (dy: tf.Tensor) => tf.mul(dy, group.size),
    };
  });
  return op(x) as tf.Tensor;
}

/**
 * The group average of named gradients (same names and shapes on every replica): one read-back, one
 * sum over the group, new tensors (the inputs are not disposed).
 *
 * @example
 * const averaged = averageGradients(grads, group);
 */
export function averageGradients(grads: ReadonlyMap<string, tf.Tensor>, group: ReplicaGroup): Map<string, tf.Tensor> {
  const names = [...grads.keys()];
  const flat = tf.tidy(() => tf.concat(names.map((n) => tf.reshape(grads.get(n)!, [-1]))));
  const local = Float32Array.from(flat.dataSync() as Float32Array);
  flat.dispose();
  const total = group.sum(local);
  const inv = 1 / group.size;
  const out = new Map<string, tf.Tensor>();
  let at = 0;
  for (const n of names) {
    const g = grads.get(n)!;
    const part = total.subarray(at, at + g.size).map((v) => v * inv);
    out.set(n, tf.tensor(part, g.shape, 'float32'));
    at += g.size;
  }
  return out;
}
