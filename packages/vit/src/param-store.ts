import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vjepa/errors';
import { hashString, seededTruncatedNormal } from './seeded-normal';

/**
 * How a parameter starts: truncated normal (reference: std 0.02, absolute bounds [-2, 2]), zeros,
 * ones, or a constant.
 */
export type ParamInit =
  | { kind: 'truncNormal'; std: number }
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number };

/** Options for a {@link ParamStore}. */
export interface ParamStoreOptions {
  /** Seed for initial values; each parameter derives its own seed from this and its name. */
  seed?: number;
  /** Whether created variables are trainable (default true). */
  trainable?: boolean;
  /** Prefix of the (globally unique) tfjs variable names, e.g. `"vit"`. */
  scope?: string;
  /** Copy initial values from these tensors (by official name) instead of initialising. */
  source?: ReadonlyMap<string, tf.Tensor>;
}

let storeCounter = 0;

/**
 * Owns a module's `tf.Variable`s under their official (PyTorch) names and shapes. tfjs requires
 * globally unique variable names, so each store prefixes them with a unique scope; lookups use the
 * official name.
 *
 * @example
 * const store = new ParamStore({ seed: 0, scope: 'probe' });
 * const w = store.add('linear.weight', [5, 64], { kind: 'truncNormal', std: 0.02 });
 * store.expectedShapes(); // { 'linear.weight': [5, 64] }
 */
export class ParamStore {
  readonly seed: number;
  readonly trainable: boolean;
  private readonly scope: string;
  private readonly source?: ReadonlyMap<string, tf.Tensor>;
  private readonly vars = new Map<string, tf.Variable>();

  constructor(opts: ParamStoreOptions = {}) {
    this.seed = (opts.seed ?? 0) >>> 0;
    this.trainable = opts.trainable ?? true;
    this.scope = `${opts.scope ?? 'params'}_${storeCounter++}`;
    this.source = opts.source;
  }

  /**
   * Creates and registers a variable. Throws ConfigError when the name already exists.
   *
   * @example
   * store.add('norm.weight', [64], { kind: 'ones' });
   */
  add(name: string, shape: number[], init: ParamInit): tf.Variable {
    if (this.vars.has(name)) throw new ConfigError(`parameter "${name}"`, { expected: 'a unique name', received: 'a duplicate' });
    const size = shape.reduce((a, b) => a * b, 1);
    let values: tf.Tensor;
    const src = this.source?.get(name);
    if (src) {
      if (src.shape.join(',') !== shape.join(',')) {
        throw new ConfigError(`parameter "${name}" source`, { expected: `[${shape.join(', ')}]`, received: `[${src.shape.join(', ')}]` });
      }
      values = src.clone();
    } else if (init.kind === 'truncNormal') {
      const data = seededTruncatedNormal(size, (this.seed ^ hashString(name)) >>> 0, { std: init.std });
      values = tf.tensor(data, shape, 'float32');
    } else {
      const v = init.kind === 'zeros' ? 0 : init.kind === 'ones' ? 1 : init.value;
      values = tf.fill(shape, v, 'float32');
    }
    const variable = tf.variable(values, this.trainable, `${this.scope}/${name}`);
    values.dispose();
    this.vars.set(name, variable);
    return variable;
  }

  /**
   * The variable with this official name; throws ConfigError listing nearby names when absent.
   *
   * @example
   * store.get('norm.weight');
   */
  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new ConfigError(`parameter "${name}"`, { expected: 'a registered parameter', received: 'none' });
    return v;
  }

  /**
   * All variables by official name, in creation order (a new Map; the variables are shared).
   *
   * @example
   * for (const [name, v] of store.variables()) console.log(name, v.shape);
   */
  variables(): Map<string, tf.Variable> {
    return new Map(this.vars);
  }

  /**
   * Official name -> shape of every variable.
   *
   * @example
   * store.expectedShapes()['norm.weight']; // [64]
   */
  expectedShapes(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [k, v] of this.vars) out[k] = [...v.shape];
    return out;
  }

  /**
   * Disposes every variable.
   *
   * @example
   * store.dispose();
   */
  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
