import type * as tf from '@tensorflow/tfjs-core';
import { stripPrefixes, type LoadReport, type StateDict } from '@vjepa/io';
import { loadParams, paramsStateDict, type ParamStore } from '@vjepa/vit';

/**
 * Options of a probe's `loadStateDict`.
 *
 * @example
 * probe.loadStateDict(sd, { file: 'probe.pth.tar', prefixes: ['module.'] });
 */
export interface ProbeLoadOptions {
  /** Name of the source in error messages. */
  file?: string;
  /** Wrapper prefixes removed from the front of keys. Default `['module.']` (official probe checkpoints). */
  prefixes?: readonly string[];
  /** Load what matches and report the rest instead of throwing. Default false. */
  allowPartial?: boolean;
}

/**
 * Strict load of a probe's parameters: strip wrapper prefixes, then match names and shapes.
 *
 * @example
 * loadProbeState(store, ckpt.classifier, 'attentive probe', { file: 'probe.pth.tar' });
 */
export function loadProbeState(store: ParamStore, sd: StateDict, what: string, options: ProbeLoadOptions): LoadReport {
  const stripped = stripPrefixes(sd, options.prefixes ?? ['module.']);
  return loadParams(store, stripped, [], { file: options.file, allowPartial: options.allowPartial ?? false, what });
}

/**
 * Every parameter of a probe as float32 `TensorData` under its official name.
 *
 * @example
 * const sd = await probeStateDict(store);
 */
export function probeStateDict(store: ParamStore): Promise<StateDict> {
  return paramsStateDict(store, []);
}

/**
 * The variables of `store` without the names in `frozen`.
 *
 * @example
 * trainableOf(store, new Set(['pooler.cross_attention_block.xattn.proj.weight']));
 */
export function trainableOf(store: ParamStore, frozen: ReadonlySet<string>): Map<string, tf.Variable> {
  return new Map([...store.variables()].filter(([name]) => !frozen.has(name)));
}
