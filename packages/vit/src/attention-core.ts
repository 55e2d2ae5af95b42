import * as tf from '@tensorflow/tfjs-core';

/**
 * Name of the fused attention kernel a backend may register (e.g. `@vjepa/backends` on WebGPU).
 * Inputs `{ q, k, v }` (`[B, H, M, hd]`, `[B, H, N, hd]`, `[B, H, N, hd]`), attr `{ scale }`; outputs
 * `[out [B, H, M, hd], lse [B, H, M]]` with `lse = log(sum_j exp(scale * q.k_j))` per query row.
 *
 * @example
 * const fused = tf.getKernel(FUSED_ATTENTION_KERNEL, tf.getBackend()) !== undefined;
 */
export const FUSED_ATTENTION_KERNEL = 'VjepaFusedAttention';

/**
 * Name of its gradient kernel: inputs `{ q, k, v, out, lse, dy }`, attr `{ scale }`; outputs `[dq, dk, dv]`.
 *
 * @example
 * tf.registerKernel({ kernelName: FUSED_ATTENTION_GRAD_KERNEL, backendName: 'webgpu', kernelFunc });
 */
export const FUSED_ATTENTION_GRAD_KERNEL = 'VjepaFusedAttentionGrad';

/**
 * Scaled dot-product attention on head-split tensors: `softmax(q k^T * scale) v` over the key axis,
 * no mask (V-JEPA removes tokens by gathering). The seam where position-dependent rotations (RoPE)
 * are applied before, and where a backend's fused kernel plugs in: when the active backend registers
 * {@link FUSED_ATTENTION_KERNEL} and {@link FUSED_ATTENTION_GRAD_KERNEL}, the attention runs as one
 * pass that never stores the `[B, H, M, N]` score matrix (forward and backward); otherwise it is
 * composed from tfjs ops (matMul, softmax, matMul). Both compute the same function.
 *
 * @example
 * const heads = scaledDotProductAttention(q, k, v, 1 / Math.sqrt(hd)); // q [B, H, M, hd], k/v [B, H, N, hd] -> [B, H, M, hd]
 */
export function scaledDotProductAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: number): tf.Tensor {
  const backend = tf.getBackend();
  if (tf.getKernel(FUSED_ATTENTION_KERNEL, backend) !== undefined && tf.getKernel(FUSED_ATTENTION_GRAD_KERNEL, backend) !== undefined) {
    return fusedAttention(q, k, v, scale);
  }
  return composedAttention(q, k, v, scale);
}

/** The attention composed from tfjs ops (every backend); autograd keeps the `[B, H, M, N]` probabilities. */
function composedAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: number): tf.Tensor {
  return tf.tidy(() => {
    const logits = tf.mul(tf.matMul(q, k, false, true), scale); // [B, H, M, N]
    return tf.matMul(tf.softmax(logits, -1), v); // [B, H, M, hd]
  });
}

/** The fused kernel pair behind a custom gradient: saves q, k, v, the output and lse, not the scores. */
function fusedAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: number): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [qi, ki, vi, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [out, lse] = tf.engine().runKernel(FUSED_ATTENTION_KERNEL, { q: qi, k: ki, v: vi }, { scale }) as tf.Tensor[]; // [B, H, M, hd], [B, H, M]
    save([qi, ki, vi, out, lse]);
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, so, slse] = saved;
        const inputs = { q: sq, k: sk, v: sv, out: so, lse: slse, dy };
        return tf.engine().runKernel(FUSED_ATTENTION_GRAD_KERNEL, inputs, { scale }) as tf.Tensor[]; // [dq, dk, dv]
      },
    };
  });
  return op(q, k, v) as tf.Tensor;
}
