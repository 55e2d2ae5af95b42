import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@vjepa/errors';

/**
 * Named variables: an official-name -> variable map (what models' `trainableVariables()` return) or a
 * plain record.
 *
 * @example
 * const named: NamedVariables = new Map([['fc.weight', tf.variable(tf.zeros([2, 2]))]]);
 */
export type NamedVariables = ReadonlyMap<string, tf.Variable> | Readonly<Record<string, tf.Variable>>;

/**
 * A parameter group: its variables (by name), and its own learning rate and weight decay.
 * `wdExclude` marks groups a weight-decay schedule must leave alone (their decay stays 0).
 *
 * @example
 * const group: ParamGroup = { name: 'decay', params: new Map([['w', w]]), lr: 1e-3, weightDecay: 0.04 };
 */
export interface ParamGroup {
  readonly name: string;
  readonly params: ReadonlyMap<string, tf.Variable>;
  lr?: number;
  weightDecay?: number;
  readonly wdExclude?: boolean;
}

/**
 * Turns either form of {@link NamedVariables} into a Map.
 *
 * @example
 * toVariableMap({ w: tf.variable(tf.zeros([2])) }).get('w');
 */
export function toVariableMap(named: NamedVariables): Map<string, tf.Variable> {
  if (named instanceof Map) return new Map(named);
  if (named === null || typeof named !== 'object') {
    throw new ConfigError('named variables', { expected: 'a Map or record of name -> tf.Variable', received: String(named) });
  }
  return new Map(Object.entries(named as Record<string, tf.Variable>));
}

/**
 * Whether a parameter is exempt from weight decay under the V-JEPA rule: its name contains `bias`
 * or it is 1-D (LayerNorm gains, biases).
 *
 * @example
 * isNoDecayParam('blocks.0.norm1.weight', [64]); // true
 * isNoDecayParam('blocks.0.attn.qkv.weight', [192, 64]); // false
 */
export function isNoDecayParam(name: string, shape: readonly number[]): boolean {
  return name.includes('bias') || shape.length === 1;
}

/**
 * Splits variables into the two V-JEPA groups: `decay` (weights of rank != 1 without `bias` in their
 * name) and `no_decay` (biases and 1-D parameters; weight decay 0, excluded from the WD schedule).
 * Names must be unique across modules; prefix them (`encoder.`, `predictor.`) when combining.
 *
 * @example
 * const groups = vjepaParamGroups(new Map([...prefixed('encoder.', enc), ...prefixed('predictor.', pred)]));
 * const opt = new AdamW(groups, { lr: 1e-3, weightDecay: 0.04 });
 */
export function vjepaParamGroups(named: NamedVariables): [ParamGroup, ParamGroup] {
  const decay = new Map<string, tf.Variable>();
  const noDecay = new Map<string, tf.Variable>();
  for (const [name, v] of toVariableMap(named)) {
    (isNoDecayParam(name, v.shape) ? noDecay : decay).set(name, v);
  }
  return [
    { name: 'decay', params: decay },
    { name: 'no_decay', params: noDecay, weightDecay: 0, wdExclude: true },
  ];
}

/**
 * Prefixes every name of a variable map, to combine several modules into one optimiser.
 *
 * @example
 * prefixed('encoder.', encoder.trainableVariables()); // Map { 'encoder.norm.weight' => ... }
 */
export function prefixed(prefix: string, named: NamedVariables): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const [name, v] of toVariableMap(named)) out.set(prefix + name, v);
  return out;
}
