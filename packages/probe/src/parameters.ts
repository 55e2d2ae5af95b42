import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '@vjepa/errors';
import { toFloat32, type StateDict, type TensorData } from '@vjepa/io';

/**
 * A state dict: official parameter names to tensors (`StateDict` of `@vjepa/io`), or a Map of them.
 *
 * @example
 * const sd: StateDictLike = readSafetensors(bytes).tensors;
 */
export type StateDictLike = Readonly<StateDict> | ReadonlyMap<string, TensorData>;

/**
 * Options of `loadStateDict`.
 *
 * @example
 * probe.loadStateDict(ckpt.classifier, { file: 'probe.pth.tar', stripPrefixes: ['module.'] });
 */
export interface LoadStateDictOptions {
  /** Name of the source, used in error messages. Default `'state dict'`. */
  file?: string;
  /** Prefixes removed from keys that start with them (first match). Default `['module.']`. */
  stripPrefixes?: readonly string[];
  /** Load what matches and report the rest instead of throwing. Default false. */
  allowPartial?: boolean;
}

/**
 * What `loadStateDict` did: keys loaded, missing from the source, unexpected, or mis-shaped.
 *
 * @example
 * const report = probe.loadStateDict(sd, { allowPartial: true });
 * if (report.missing.length) console.warn(report.missing);
 */
export interface ProbeLoadReport {
  loaded: string[];
  missing: string[];
  unexpected: string[];
  mismatched: { key: string; expected: number[]; received: number[] }[];
}

/** How one parameter starts: trunc-normal, zeros or ones. */
export type ParameterInit = 'truncNormal' | 'zeros' | 'ones';

/** A parameter's official name, shape, initialisation and whether optimisers update it. */
export interface ParameterSpec {
  name: string;
  shape: number[];
  init: ParameterInit;
  trainable?: boolean;
}

/**
 * The variables of a module under their official names, with seeded init, state-dict export and a
 * strict loader. Internal building block of the probes.
 *
 * @example
 * const params = new ParameterSet([{ name: 'linear.weight', shape: [5, 64], init: 'truncNormal' }], { seed: 0, std: 0.02 });
 */
export class ParameterSet {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly specs: ParameterSpec[];
  private disposed = false;

  constructor(specs: ParameterSpec[], init: { seed: number; std: number }) {
    this.specs = specs;
    specs.forEach((spec, i) => {
      const value = tf.tidy(() => {
        if (spec.init === 'zeros') return tf.zeros(spec.shape);
        if (spec.init === 'ones') return tf.ones(spec.shape);
        // one derived seed per parameter so adding a parameter does not shift the others
        return tf.truncatedNormal(spec.shape, 0, init.std, 'float32', (init.seed * 1000003 + i * 7919) % 2147483647);
      });
      this.vars.set(spec.name, tf.variable(value, spec.trainable ?? true));
      value.dispose();
    });
  }

  /** The variable of an official name. */
  get(name: string): tf.Variable {
    this.assertAlive();
    const v = this.vars.get(name);
    if (v === undefined) throw new CheckpointError(`parameter "${name}"`, { expected: `one of ${[...this.vars.keys()].join(', ')}`, received: 'an unknown name' });
    return v;
  }

  /** Every variable by official name. */
  all(): Map<string, tf.Variable> {
    this.assertAlive();
    return new Map(this.vars);
  }

  /** The variables optimisers update, by official name. */
  trainable(): Map<string, tf.Variable> {
    this.assertAlive();
    return new Map([...this.vars].filter(([, v]) => v.trainable));
  }

  /** Official names to shapes. */
  shapes(): Map<string, number[]> {
    return new Map(this.specs.map((s) => [s.name, s.shape]));
  }

  /** A copy of every parameter as float32 `TensorData`, official names. */
  stateDict(): StateDict {
    this.assertAlive();
    const out: StateDict = {};
    for (const [name, v] of this.vars) out[name] = { dtype: 'float32', shape: [...v.shape], data: Float32Array.from(v.dataSync() as Float32Array) };
    return out;
  }

  /** Assign parameters from a state dict; throws a `CheckpointError` listing every problem unless `allowPartial`. */
  load(sd: StateDictLike, options: LoadStateDictOptions = {}): ProbeLoadReport {
    this.assertAlive();
    const file = options.file ?? 'state dict';
    const prefixes = options.stripPrefixes ?? ['module.'];
    const entries = sd instanceof Map ? [...sd.entries()] : Object.entries(sd as Record<string, TensorData>);
    const source = new Map<string, TensorData>();
    for (const [rawKey, value] of entries) {
      const prefix = prefixes.find((p) => rawKey.startsWith(p));
      source.set(prefix === undefined ? rawKey : rawKey.slice(prefix.length), value);
    }
    const report: ProbeLoadReport = { loaded: [], missing: [], unexpected: [], mismatched: [] };
    const expected = this.shapes();
    for (const [key, shape] of expected) {
      const t = source.get(key);
      if (t === undefined) report.missing.push(key);
      else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) report.mismatched.push({ key, expected: shape, received: [...t.shape] });
    }
    for (const key of source.keys()) if (!expected.has(key)) report.unexpected.push(key);
    const problems = report.missing.length + report.unexpected.length + report.mismatched.length;
    if (problems > 0 && options.allowPartial !== true) {
      const lines = [
        ...report.missing.map((k) => `missing ${k}`),
        ...report.unexpected.map((k) => `unexpected ${k}`),
        ...report.mismatched.map((m) => `${m.key} shape [${m.received}] (expected [${m.expected}])`),
      ];
      throw new CheckpointError(`${file}: ${problems} key(s) do not match the probe`, {
        expected: `exactly the keys ${[...expected.keys()].join(', ')}`,
        received: lines.join('; '),
        hint: 'check the probe options (embedDim, numHeads, numClasses, depth) and stripPrefixes; pass allowPartial: true to load what matches',
      });
    }
    for (const [key, shape] of expected) {
      const t = source.get(key);
      if (t === undefined || report.mismatched.some((m) => m.key === key)) continue;
      const data = floatData(t, `${file}: ${key}`);
      const value = tf.tensor(data, shape, 'float32');
      this.vars.get(key)!.assign(value);
      value.dispose();
      report.loaded.push(key);
    }
    return report;
  }

  dispose(): void {
    if (this.disposed) return;
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.disposed = true;
  }

  private assertAlive(): void {
    if (this.disposed) throw new CheckpointError('probe parameters', { expected: 'a live probe', received: 'a disposed one', hint: 'create a new probe' });
  }
}

function floatData(t: TensorData, what: string): Float32Array {
  if (!['float32', 'float64', 'float16', 'bfloat16'].includes(t.dtype)) throw new CheckpointError(what, { expected: 'a floating-point tensor', received: `dtype ${t.dtype}` });
  return toFloat32(t);
}
