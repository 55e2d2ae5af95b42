import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vjepa/errors';
import { type NamedVariables, toVariableMap } from './param-groups';

/**
 * Name of the fused EMA kernel a backend may register: inputs `{ target, online }`, attr
 * `{ momentum, rest }` (`rest = 1 - momentum` in float64); output `target * momentum + online * rest`.
 *
 * @example
 * const fused = tf.getKernel(FUSED_EMA_KERNEL, tf.getBackend()) !== undefined;
 */
export const FUSED_EMA_KERNEL = 'VjepaEma';

/**
 * Exponential moving average of weights, in place: `t = m * t + (1 - m) * e` for every variable of
 * `target`, read from the same-named variable of `online` (the V-JEPA target-encoder update, run after
 * every optimiser step). Names and shapes must match exactly; no tensors are left behind.
 *
 * @example
 * emaUpdate(targetEncoder.variables(), encoder.variables(), momentum.forIteration(i));
 */
export function emaUpdate(target: NamedVariables, online: NamedVariables, momentum: number): void {
  if (typeof momentum !== 'number' || !Number.isFinite(momentum) || momentum < 0 || momentum > 1) {
    throw new ConfigError('emaUpdate(momentum)', { expected: 'a number in [0, 1]', received: String(momentum) });
  }
  const t = toVariableMap(target);
  const e = toVariableMap(online);
  const missing = [...t.keys()].filter((k) => !e.has(k));
  const extra = [...e.keys()].filter((k) => !t.has(k));
  if (missing.length > 0 || extra.length > 0) {
    throw new ConfigError('emaUpdate: variable names', {
      expected: 'the same names in target and online',
      received: `missing in online: [${missing.slice(0, 5).join(', ')}], missing in target: [${extra.slice(0, 5).join(', ')}]`,
    });
  }
  for (const [name, tv] of t) {
    const ev = e.get(name)!;
    if (!tf.util.arraysEqual(tv.shape, ev.shape)) {
      throw new ShapeError(`emaUpdate: variable "${name}"`, { expected: `[${tv.shape}] (target)`, received: `[${ev.shape}] (online)` });
    }
  }
  const rest = 1 - momentum; // computed in float64 on the host
  if (tf.getKernel(FUSED_EMA_KERNEL, tf.getBackend()) !== undefined) {
    for (const [name, tv] of t) {
      const next = tf.engine().runKernel(FUSED_EMA_KERNEL, { target: tv, online: e.get(name)! }, { momentum, rest }) as tf.Tensor;
      tv.assign(next);
      next.dispose();
    }
    return;
  }
  tf.tidy(() => {
    for (const [name, tv] of t) {
      tv.assign(tf.add(tf.mul(tv, momentum), tf.mul(e.get(name)!, rest)));
    }
  });
}
