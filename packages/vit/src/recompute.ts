import * as tf from '@tensorflow/tfjs-core';

/**
 * Activation checkpointing (the reference's `use_activation_checkpointing`): runs `fn(x)` as one op
 * whose backward pass recomputes it. While a gradient tape records, autograd then keeps only `x` for
 * this op instead of every intermediate tensor of `fn`; the backward re-runs `fn` from `x` under a
 * nested first-order gradient and returns the gradients of `x` and of `params` (every variable `fn`
 * reads). Same arithmetic as calling `fn` directly, so the same numbers, for one more forward pass.
 * Without a tape it simply runs `fn`.
 *
 * @example
 * const y = recomputed((t) => block.apply(t), x, block.parameters()); // [B, N, D]
 */
export function recomputed(fn: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, params: readonly tf.Variable[]): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const input = args[0] as tf.Tensor;
    save([input]);
    return {
      value: fn(input), // recorded on no tape: custom ops run with the tape off
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => nestedGradients(() => fn(saved), [saved, ...params], dy),
    };
  });
  return op(x, ...params) as tf.Tensor;
}

/**
 * `tf.grads` from inside a backward pass. tfjs-core 4.22 keeps the tape being walked in
 * `engine.state.activeTape`, which a nested gradient call replaces and clears; keep it aside and put
 * it back so the outer backward pass can finish (and free what it saved).
 */
function nestedGradients(f: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): tf.Tensor[] {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
  const outer = state.activeTape;
  try {
    return tf.grads((...ys: tf.Tensor[]) => {
      void ys; // fn reads x and the parameters themselves: the gradient is taken with respect to them
      return f();
    })(xs, dy);
  } finally {
    state.activeTape = outer;
  }
}
