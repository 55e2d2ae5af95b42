import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, ConfigError, ShapeError } from '@vjepa/errors';
import { type NamedVariables, type ParamGroup, toVariableMap } from './param-groups';

/**
 * Defaults for every group of an {@link AdamW}. PyTorch's defaults: betas (0.9, 0.999), eps 1e-8,
 * weight decay 0.01.
 *
 * @example
 * const options: AdamWOptions = { lr: 6.25e-4, weightDecay: 0.04 };
 */
export interface AdamWOptions {
  readonly lr: number;
  readonly weightDecay?: number;
  readonly betas?: readonly [number, number];
  readonly eps?: number;
}

/**
 * A live parameter group of an {@link AdamW}; `lr` and `weightDecay` may be changed between steps.
 *
 * @example
 * opt.groups[0].lr = 1e-4;
 */
export interface AdamWGroup {
  readonly name: string;
  readonly params: ReadonlyMap<string, tf.Variable>;
  lr: number;
  weightDecay: number;
  readonly wdExclude: boolean;
}

/**
 * Serialisable optimiser state: per-parameter step counts and moments as plain Float32Arrays, plus the
 * groups' current hyper-parameters. What a checkpoint needs to resume bit-for-bit.
 *
 * @example
 * const state = await opt.getState();
 * fresh.setState(state);
 */
export interface AdamWState {
  readonly version: 1;
  readonly betas: readonly [number, number];
  readonly eps: number;
  readonly groups: readonly { readonly name: string; readonly lr: number; readonly weightDecay: number }[];
  readonly params: Readonly<
    Record<string, { readonly step: number; readonly shape: readonly number[]; readonly expAvg: Float32Array; readonly expAvgSq: Float32Array }>
  >;
}

/**
 * Name of the fused AdamW kernel a backend may register: inputs `{ param, grad, m, v }`, attrs
 * `{ decay, beta1, beta2, stepSize, bc2Sqrt, eps }` (host-computed scalars, see {@link AdamW}); outputs
 * `[param', m', v']` with `m' = m + (g - m)(1 - b1)`, `v' = b2 v + (1 - b2) g^2`,
 * `param' = param * decay - stepSize * m' / (sqrt(v') / bc2Sqrt + eps)`. When the active backend
 * registers it, each parameter update is one kernel call instead of about ten.
 *
 * @example
 * const fused = tf.getKernel(FUSED_ADAMW_KERNEL, tf.getBackend()) !== undefined;
 */
export const FUSED_ADAMW_KERNEL = 'VjepaAdamW';

interface Slot {
  step: number;
  m: tf.Variable; // first moment, same shape as the parameter
  v: tf.Variable; // second moment
}

function checkNumber(what: string, value: unknown, lo: number, hi = Infinity, loOpen = false): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (loOpen ? value > lo : value >= lo) && value < hi;
  if (!ok) {
    const range = `${loOpen ? '(' : '['}${lo}, ${hi === Infinity ? 'inf' : hi})`;
    throw new ConfigError(what, { expected: `a number in ${range}`, received: String(value) });
  }
  return value as number;
}

/**
 * AdamW exactly as PyTorch's `torch.optim.AdamW` (non-amsgrad): for each parameter with a gradient,
 * `p *= 1 - lr * wd` (decoupled decay), `m = lerp(m, g, 1 - b1)`, `v = b2 * v + (1 - b2) * g^2`,
 * `p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`. Parameter groups carry their own
 * lr and weight decay, settable before each step (schedules). Gradients are keyed by parameter name.
 *
 * @example
 * const opt = new AdamW(vjepaParamGroups(named), { lr: 1e-3, weightDecay: 0.04 });
 * opt.setLearningRate(lrSchedule.forIteration(i));
 * opt.setWeightDecay(wdSchedule.forIteration(i)); // leaves the no-decay group at 0
 * opt.applyGradients(grads);
 */
export class AdamW {
  readonly groups: readonly AdamWGroup[];
  readonly betas: readonly [number, number];
  readonly eps: number;
  private readonly slots = new Map<string, Slot>();
  private readonly paramIndex = new Map<string, { variable: tf.Variable; group: AdamWGroup }>();

  constructor(groups: readonly ParamGroup[] | NamedVariables, options: AdamWOptions) {
    const lr = checkNumber('AdamW: lr', options.lr, 0);
    const weightDecay = checkNumber('AdamW: weightDecay', options.weightDecay ?? 0.01, 0);
    const betas = options.betas ?? [0.9, 0.999];
    checkNumber('AdamW: betas[0]', betas[0], 0, 1);
    checkNumber('AdamW: betas[1]', betas[1], 0, 1);
    this.betas = [betas[0], betas[1]];
    this.eps = checkNumber('AdamW: eps', options.eps ?? 1e-8, 0, Infinity, true);

    const list: readonly ParamGroup[] = Array.isArray(groups)
      ? (groups as readonly ParamGroup[])
      : [{ name: 'default', params: toVariableMap(groups as NamedVariables) }];
    this.groups = list.map((g, i) => {
      const group: AdamWGroup = {
        name: g.name ?? `group${i}`,
        params: g.params instanceof Map ? g.params : toVariableMap(g.params as NamedVariables),
        lr: checkNumber(`AdamW: groups[${i}].lr`, g.lr ?? lr, 0),
        weightDecay: checkNumber(`AdamW: groups[${i}].weightDecay`, g.weightDecay ?? weightDecay, 0),
        wdExclude: g.wdExclude ?? false,
      };
      for (const [name, variable] of group.params) {
        if (this.paramIndex.has(name)) {
          throw new ConfigError(`AdamW: parameter "${name}"`, {
            expected: 'each parameter name in exactly one group',
            received: `a duplicate in group "${group.name}"`,
            hint: 'prefix names per module (encoder., predictor.)',
          });
        }
        this.paramIndex.set(name, { variable, group });
      }
      return group;
    });
  }

  /** The names of all parameters, in group order. */
  paramNames(): string[] {
    return [...this.paramIndex.keys()];
  }

  /** Sets the learning rate of every group (what the reference's LR scheduler does). */
  setLearningRate(lr: number): void {
    checkNumber('AdamW.setLearningRate(lr)', lr, 0);
    for (const g of this.groups) g.lr = lr;
  }

  /** Sets the weight decay of every group not marked `wdExclude` (what the reference's WD scheduler does). */
  setWeightDecay(weightDecay: number): void {
    checkNumber('AdamW.setWeightDecay(weightDecay)', weightDecay, 0);
    for (const g of this.groups) if (!g.wdExclude) g.weightDecay = weightDecay;
  }

  /**
   * One optimiser step. `grads` maps parameter names to gradients of the same shape; parameters with
   * no gradient are left untouched (like PyTorch's `p.grad is None`). Does not dispose `grads`.
   */
  applyGradients(grads: ReadonlyMap<string, tf.Tensor> | Readonly<Record<string, tf.Tensor>>): void {
    const entries = grads instanceof Map ? [...grads.entries()] : Object.entries(grads as Record<string, tf.Tensor>);
    for (const [name, g] of entries) {
      const p = this.paramIndex.get(name);
      if (p === undefined) {
        throw new ConfigError(`AdamW.applyGradients: gradient "${name}"`, {
          expected: 'a parameter name known to this optimiser',
          received: 'an unknown name',
          hint: `known names start with: ${this.paramNames().slice(0, 3).join(', ')}`,
        });
      }
      if (!tf.util.arraysEqual(g.shape, p.variable.shape)) {
        throw new ShapeError(`AdamW.applyGradients: gradient "${name}"`, {
          expected: `[${p.variable.shape}]`,
          received: `[${g.shape}]`,
        });
      }
    }
    const [b1, b2] = this.betas;
    for (const [name, g] of entries) {
      const { variable, group } = this.paramIndex.get(name)!;
      let slot = this.slots.get(name);
      if (slot === undefined) {
        slot = {
          step: 0,
          m: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
          v: tf.tidy(() => tf.variable(tf.zerosLike(variable), false)),
        };
        this.slots.set(name, slot);
      }
      slot.step += 1;
      // Scalars computed in float64 on the host, as PyTorch does with Python floats.
      const decay = 1 - group.lr * group.weightDecay;
      const stepSize = group.lr / (1 - b1 ** slot.step);
      const bc2Sqrt = Math.sqrt(1 - b2 ** slot.step);
      const s = slot;
      if (tf.getKernel(FUSED_ADAMW_KERNEL, tf.getBackend()) !== undefined) {
        const attrs = { decay: group.weightDecay === 0 ? 1 : decay, beta1: b1, beta2: b2, stepSize, bc2Sqrt, eps: this.eps };
        const [p1, m1, v1] = tf.engine().runKernel(FUSED_ADAMW_KERNEL, { param: variable, grad: g, m: s.m, v: s.v }, attrs) as tf.Tensor[];
        s.m.assign(m1);
        s.v.assign(v1);
        variable.assign(p1);
        tf.dispose([p1, m1, v1]);
        continue;
      }
      tf.tidy(() => {
        const decayed = group.weightDecay === 0 ? variable : tf.mul(variable, decay);
        const m = tf.add(s.m, tf.mul(tf.sub(g, s.m), 1 - b1)); // torch lerp_(g, 1 - b1)
        const v = tf.add(tf.mul(s.v, b2), tf.mul(tf.square(g), 1 - b2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.eps);
        s.m.assign(m);
        s.v.assign(v);
        variable.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
      });
    }
  }

  /** Reads the state back to the host (moments as Float32Arrays) for a checkpoint. */
  async getState(): Promise<AdamWState> {
    const params: Record<string, { step: number; shape: number[]; expAvg: Float32Array; expAvgSq: Float32Array }> = {};
    for (const [name, slot] of this.slots) {
      params[name] = {
        step: slot.step,
        shape: [...slot.m.shape],
        expAvg: (await slot.m.data()) as Float32Array,
        expAvgSq: (await slot.v.data()) as Float32Array,
      };
    }
    return {
      version: 1,
      betas: this.betas,
      eps: this.eps,
      groups: this.groups.map((g) => ({ name: g.name, lr: g.lr, weightDecay: g.weightDecay })),
      params,
    };
  }

  /** Restores a state from {@link getState}; every name and shape must match this optimiser's parameters. */
  setState(state: AdamWState): void {
    if (state === null || typeof state !== 'object' || state.version !== 1) {
      throw new CheckpointError('AdamW.setState(state).version', { expected: '1', received: String(state?.version) });
    }
    if (state.groups.length !== this.groups.length) {
      throw new CheckpointError('AdamW.setState(state).groups', {
        expected: `${this.groups.length} groups (${this.groups.map((g) => g.name).join(', ')})`,
        received: `${state.groups.length} (${state.groups.map((g) => g.name).join(', ')})`,
      });
    }
    for (const [name, s] of Object.entries(state.params)) {
      const p = this.paramIndex.get(name);
      if (p === undefined) {
        throw new CheckpointError(`AdamW.setState: moments for "${name}"`, { expected: 'a parameter of this optimiser', received: 'an unknown name' });
      }
      const size = tf.util.sizeFromShape(p.variable.shape);
      if (!tf.util.arraysEqual([...s.shape], p.variable.shape) || s.expAvg.length !== size || s.expAvgSq.length !== size) {
        throw new CheckpointError(`AdamW.setState: moments for "${name}"`, {
          expected: `shape [${p.variable.shape}] (${size} values)`,
          received: `shape [${s.shape}] (${s.expAvg.length}/${s.expAvgSq.length} values)`,
        });
      }
      if (!Number.isSafeInteger(s.step) || s.step < 1) {
        throw new CheckpointError(`AdamW.setState: step of "${name}"`, { expected: 'an integer >= 1', received: String(s.step) });
      }
    }
    state.groups.forEach((g, i) => {
      this.groups[i].lr = g.lr;
      this.groups[i].weightDecay = g.weightDecay;
    });
    this.disposeSlots();
    for (const [name, s] of Object.entries(state.params)) {
      const shape = [...s.shape];
      this.slots.set(name, {
        step: s.step,
        m: tf.tidy(() => tf.variable(tf.tensor(s.expAvg, shape, 'float32'), false)),
        v: tf.tidy(() => tf.variable(tf.tensor(s.expAvgSq, shape, 'float32'), false)),
      });
    }
  }

  /** The step count of a parameter (0 before its first update). */
  stepOf(name: string): number {
    return this.slots.get(name)?.step ?? 0;
  }

  /** Frees the moment variables (not the parameters). */
  dispose(): void {
    this.disposeSlots();
  }

  private disposeSlots(): void {
    for (const slot of this.slots.values()) {
      slot.m.dispose();
      slot.v.dispose();
    }
    this.slots.clear();
  }
}
