import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError } from '@vjepa/errors';
import { type LoadReport, type StateDict, type TensorData, matchStateDict, toFloat32 } from '@vjepa/io';
import type { ParamStore } from './param-store';

/** Options of `loadStateDict`. */
export interface LoadOptions {
  /** Load what matches and report the rest instead of throwing. Default false. */
  allowPartial?: boolean;
  /** File name for error messages. */
  file?: string;
  /** What is being loaded, for error messages (e.g. `"target_encoder"`). */
  what?: string;
}

/**
 * A fixed (non-trainable, computed) tensor that official checkpoints store, such as `pos_embed`:
 * optional when loading, checked against `values` when present, always written by `stateDict()`.
 */
export interface FixedTable {
  name: string;
  shape: number[];
  values: Float32Array;
  /** What to check when a checkpoint's table differs from ours. */
  hint: string;
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Copies an official state dict into a {@link ParamStore}: io's `matchStateDict` lists every missing,
 * unexpected or mis-shaped key (and throws unless `allowPartial`); fixed tables are optional and,
 * when present, must equal ours within 1e-4. Values are converted to float32 (float16/bfloat16 ok).
 *
 * @example
 * const report = loadParams(store, sd, [], { file: 'probe.pth.tar', what: 'classifier' });
 */
export function loadParams(store: ParamStore, sd: StateDict, fixed: readonly FixedTable[], opts: LoadOptions = {}): LoadReport {
  const vars = store.variables();
  const expected = store.expectedShapes();
  for (const f of fixed) if (Object.prototype.hasOwnProperty.call(sd, f.name)) expected[f.name] = [...f.shape];
  const report = matchStateDict(expected, sd, { file: opts.file, allowPartial: opts.allowPartial ?? false, what: opts.what });
  const where = opts.file ? `${opts.file}: ` : '';
  for (const f of fixed) {
    const t = sd[f.name];
    if (!t || !sameShape(t.shape, f.shape)) continue;
    const data = toFloat32(t);
    let worst = 0;
    let at = 0;
    for (let i = 0; i < data.length; i++) {
      const d = Math.abs(data[i] - f.values[i]);
      if (!(d <= worst)) {
        worst = d;
        at = i;
      }
    }
    if (!(worst <= 1e-4)) {
      throw new CheckpointError(`${where}${opts.what ? `${opts.what} ` : ''}key "${f.name}"`, {
        expected: 'the fixed sin-cos table this model computes (max abs difference <= 1e-4)',
        received: `max abs difference ${worst} at flat index ${at}`,
        hint: f.hint,
      });
    }
  }
  tf.tidy(() => {
    for (const [name, v] of vars) {
      const t: TensorData | undefined = sd[name];
      if (!t || !sameShape(t.shape, v.shape)) continue;
      v.assign(tf.tensor(toFloat32(t), v.shape, 'float32'));
    }
  });
  return report;
}

/**
 * Reads every variable (and fixed table) back as an official float32 state dict.
 *
 * @example
 * const sd = await paramsStateDict(store, []);
 */
export async function paramsStateDict(store: ParamStore, fixed: readonly FixedTable[]): Promise<StateDict> {
  const out: StateDict = {};
  for (const [name, v] of store.variables()) {
    const data = (await v.data()) as Float32Array;
    out[name] = { dtype: 'float32', shape: [...v.shape], data: Float32Array.from(data) };
  }
  for (const f of fixed) out[f.name] = { dtype: 'float32', shape: [...f.shape], data: Float32Array.from(f.values) };
  return out;
}
