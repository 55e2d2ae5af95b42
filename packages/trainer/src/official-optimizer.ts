import { CheckpointError } from '@vjepa/errors';
import { type StateDict, type TensorData, isTensorData, pythonTuple, tensorData, toFloat32 } from '@vjepa/io';
import { type AdamWState, isNoDecayParam } from '@vjepa/optim';

// The official trainer's optimizer (facebookresearch/jepa, app/vjepa/utils.py `init_opt`, read for
// facts): torch.optim.AdamW over four groups in this order: encoder weights, predictor weights (not
// `bias` in the name and not 1-D), then encoder and predictor biases and 1-D parameters
// (`WD_exclude: True`, `weight_decay: 0`). Every parameter of `named_parameters()` is in a group, the
// frozen sin-cos `pos_embed` tables included (they never get a gradient, so they have no state).
// PyTorch's `state_dict()` numbers the parameters 0, 1, ... across the groups in order.

/**
 * Which module an official parameter group holds, and whether it is the weight-decay-exempt one.
 *
 * @example
 * OFFICIAL_GROUPS[2]; // { module: 'encoder', wdExclude: true }
 */
export const OFFICIAL_GROUPS = Object.freeze([
  Object.freeze({ module: 'encoder', wdExclude: false }),
  Object.freeze({ module: 'predictor', wdExclude: false }),
  Object.freeze({ module: 'encoder', wdExclude: true }),
  Object.freeze({ module: 'predictor', wdExclude: true }),
] as const);

/**
 * A module's parameter names in PyTorch's `named_parameters()` order, from one of our official-name
 * state dicts. PyTorch yields a module's own parameters before its children's; our modules create
 * their variables in the official registration order and add the fixed tables (`pos_embed`,
 * `predictor_pos_embed`: the top module's own parameters) last, so the top-level names move first.
 * Checked against official checkpoints in the tests.
 *
 * @example
 * officialParameterOrder(['patch_embed.proj.weight', 'norm.weight', 'pos_embed']); // ['pos_embed', 'patch_embed.proj.weight', 'norm.weight']
 */
export function officialParameterOrder(names: readonly string[]): string[] {
  return [...names.filter((n) => !n.includes('.')), ...names.filter((n) => n.includes('.'))];
}

/**
 * The official numbering: for each of the four groups, the (module, name) of its parameters, given
 * each module's parameters in `named_parameters()` order with their shapes.
 *
 * @example
 * const groups = officialNumbering({ encoder: encoderSd, predictor: predictorSd });
 * groups[0][0]; // { module: 'encoder', name: 'pos_embed', index: 0 }
 */
export function officialNumbering(modules: {
  readonly encoder: readonly (readonly [string, readonly number[]])[];
  readonly predictor: readonly (readonly [string, readonly number[]])[];
}): { module: 'encoder' | 'predictor'; name: string; index: number }[][] {
  let index = 0;
  return OFFICIAL_GROUPS.map(({ module, wdExclude }) =>
    modules[module].filter(([name, shape]) => isNoDecayParam(name, shape) === wdExclude).map(([name]) => ({ module, name, index: index++ })),
  );
}

const entriesOf = (sd: StateDict, ordered: readonly string[]) => ordered.map((n) => [n, sd[n].shape] as const);

/**
 * Our AdamW state as PyTorch's `torch.optim.AdamW.state_dict()` in the official layout (for
 * `writeTorchCheckpoint`): `state` maps each parameter's index to `{ step (0-d float32 tensor),
 * exp_avg, exp_avg_sq }` (the frozen tables and parameters never stepped have no entry);
 * `param_groups` are the four official groups with the keys PyTorch 1.13 writes (`lr`, `betas`,
 * `eps`, `weight_decay`, `amsgrad`, `foreach`, `maximize`, `capturable`) plus `WD_exclude` on the
 * last two, and `params`. Our optimizer's parameters are named `encoder.<name>` and `predictor.<name>`;
 * `weights` gives the modules' parameter names and shapes (official order: {@link officialParameterOrder}).
 *
 * @example
 * const opt = toOfficialOptimizer(state.optimizer, state.weights);
 * writeTorchCheckpoint({ ..., opt });
 */
export function toOfficialOptimizer(optimizer: AdamWState, weights: { readonly encoder: StateDict; readonly predictor: StateDict }): { state: Map<number, Map<string, TensorData>>; param_groups: Record<string, unknown>[] } {
  const decay = optimizer.groups.find((g) => g.name === 'decay');
  const noDecay = optimizer.groups.find((g) => g.name === 'no_decay');
  if (decay === undefined || noDecay === undefined) {
    throw new CheckpointError('official export: optimizer groups', {
      expected: 'the V-JEPA groups "decay" and "no_decay" (vjepaParamGroups)',
      received: optimizer.groups.map((g) => JSON.stringify(g.name)).join(', ') || 'none',
    });
  }
  const numbering = officialNumbering({
    encoder: entriesOf(weights.encoder, officialParameterOrder(Object.keys(weights.encoder))),
    predictor: entriesOf(weights.predictor, officialParameterOrder(Object.keys(weights.predictor))),
  });
  const known = new Set(numbering.flat().map((p) => `${p.module}.${p.name}`));
  const stray = Object.keys(optimizer.params).filter((n) => !known.has(n));
  if (stray.length > 0) {
    throw new CheckpointError('official export: optimizer moments', { expected: 'moments only for parameters of the encoder and predictor state dicts', received: `moments for ${stray.join(', ')}` });
  }
  const state = new Map<number, Map<string, TensorData>>();
  for (const p of numbering.flat()) {
    const s = optimizer.params[`${p.module}.${p.name}`];
    if (s === undefined) continue; // frozen tables, or never stepped: PyTorch has no state either
    state.set(
      p.index,
      new Map([
        ['step', tensorData('float32', [], Float32Array.of(s.step))],
        ['exp_avg', tensorData('float32', [...s.shape], s.expAvg)],
        ['exp_avg_sq', tensorData('float32', [...s.shape], s.expAvgSq)],
      ]),
    );
  }
  const common = { betas: pythonTuple(optimizer.betas[0], optimizer.betas[1]), eps: optimizer.eps };
  const flags = { amsgrad: false, foreach: null, maximize: false, capturable: false };
  const param_groups = OFFICIAL_GROUPS.map(({ wdExclude }, k) => {
    const params = numbering[k].map((p) => p.index);
    return wdExclude
      ? { WD_exclude: true, weight_decay: noDecay.weightDecay, lr: noDecay.lr, ...common, ...flags, params }
      : { lr: decay.lr, ...common, weight_decay: decay.weightDecay, ...flags, params };
  });
  return { state, param_groups };
}

/**
 * What {@link fromOfficialOptimizer} read besides the moments.
 *
 * @example
 * const { state, notes } = fromOfficialOptimizer(opt, modules, ours, { file });
 */
export interface OfficialOptimizerRead {
  readonly state: AdamWState;
  /** Facts worth a log line: the AdamW step counts, parameters without state, hyper-parameters that differ from ours. */
  readonly notes: string[];
  /** The largest AdamW step count in the file (the official trainer's optimizer steps), or 0. */
  readonly maxStep: number;
}

function groupDict(x: unknown, where: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || isTensorData(x)) {
    throw new CheckpointError(where, { expected: 'a dict', received: x === null ? 'None' : Array.isArray(x) ? 'a list' : typeof x });
  }
  return x as Record<string, unknown>;
}

function stepValue(x: unknown, where: string): number {
  let v: number | undefined;
  if (typeof x === 'number') v = x;
  else if (typeof x === 'bigint') v = Number(x);
  else if (isTensorData(x) && x.data.length === 1) v = x.dtype === 'int64' ? Number((x.data as BigInt64Array)[0]) : Number(x.data[0]);
  if (v === undefined || !Number.isSafeInteger(v) || v < 1) {
    throw new CheckpointError(`${where}.step`, { expected: 'an integer >= 1 (an int, or a one-element tensor as PyTorch >= 1.12 writes)', received: isTensorData(x) ? `a ${x.dtype} tensor [${x.shape.join(', ')}]` : String(x) });
  }
  return v;
}

/**
 * Reads PyTorch's AdamW `state_dict()` of an official training checkpoint (`opt`) into our
 * {@link AdamWState}. `modules` are the checkpoint's own encoder and predictor state dicts (prefixes
 * stripped), whose key order is their `named_parameters()` order and defines the numbering; the four
 * groups must hold exactly the parameters the official rule puts in them, numbered 0, 1, ... in
 * order (else a CheckpointError saying which group differs). `step` may be an int or a one-element
 * tensor. Moments keep their names (`encoder.<name>`, `predictor.<name>`); our optimizer refuses
 * moments of a parameter it does not train. Group `lr` and `weight_decay` are taken from the file
 * (the schedules overwrite them at the next step); `betas` and `eps` from `ours`, with a note when
 * the file's differ.
 *
 * @example
 * const { state } = fromOfficialOptimizer(ckpt.opt, { encoder, predictor }, { betas: [0.9, 0.999], eps: 1e-8 }, { file });
 * trainer.optimizer.setState(state);
 */
export function fromOfficialOptimizer(
  opt: unknown,
  modules: { readonly encoder: StateDict; readonly predictor: StateDict },
  ours: { readonly betas: readonly [number, number]; readonly eps: number },
  options: { file?: string } = {},
): OfficialOptimizerRead {
  const where = `${options.file ?? '<checkpoint>'}: opt`;
  const o = groupDict(opt, where);
  const groups = o.param_groups;
  const numbering = officialNumbering({
    encoder: entriesOf(modules.encoder, Object.keys(modules.encoder)),
    predictor: entriesOf(modules.predictor, Object.keys(modules.predictor)),
  });
  if (!Array.isArray(groups) || groups.length !== 4) {
    throw new CheckpointError(`${where}.param_groups`, {
      expected: '4 groups (encoder weights, predictor weights, encoder biases and 1-D, predictor biases and 1-D: the official trainer\'s AdamW)',
      received: Array.isArray(groups) ? `${groups.length} groups` : String(groups),
    });
  }
  const notes: string[] = [];
  const byIndex = new Map<number, { module: 'encoder' | 'predictor'; name: string }>();
  const hyper: { lr: number; weightDecay: number }[] = [];
  groups.forEach((g, k) => {
    const gw = `${where}.param_groups[${k}]`;
    const group = groupDict(g, gw);
    const expected = numbering[k];
    const params = group.params;
    const same = Array.isArray(params) && params.length === expected.length && params.every((id, i) => id === expected[i].index);
    if (!same) {
      const { module, wdExclude } = OFFICIAL_GROUPS[k];
      throw new CheckpointError(`${gw}.params`, {
        expected: `the ${expected.length} ${module} ${wdExclude ? 'biases and 1-D parameters' : 'weights'} numbered ${expected.length ? `${expected[0].index}..${expected[expected.length - 1].index}` : '(none)'} (the official rule over this checkpoint's ${module} state dict)`,
        received: Array.isArray(params) ? `${params.length} ids${params.length ? ` (${params[0]}..${params[params.length - 1]})` : ''}` : String(params),
        hint: 'the optimizer was not built by the official trainer over these modules',
      });
    }
    for (const p of expected) byIndex.set(p.index, p);
    const lr = group.lr;
    const wd = group.weight_decay;
    if (typeof lr !== 'number' || typeof wd !== 'number') {
      throw new CheckpointError(gw, { expected: 'numbers lr and weight_decay', received: `lr ${String(lr)}, weight_decay ${String(wd)}` });
    }
    hyper.push({ lr, weightDecay: wd });
    const betas = group.betas;
    if (Array.isArray(betas) && (betas[0] !== ours.betas[0] || betas[1] !== ours.betas[1])) notes.push(`param_groups[${k}].betas (${betas.join(', ')}) differ from ours (${ours.betas.join(', ')}); ours are used`);
    if (typeof group.eps === 'number' && group.eps !== ours.eps) notes.push(`param_groups[${k}].eps ${group.eps} differs from ours ${ours.eps}; ours is used`);
    if (group.amsgrad === true) notes.push(`param_groups[${k}] used amsgrad, which we do not: its max_exp_avg_sq is dropped`);
  });

  const stateDict = groupDict(o.state, `${where}.state`);
  const params: Record<string, AdamWState['params'][string]> = {};
  let maxStep = 0;
  for (const [key, value] of Object.entries(stateDict)) {
    const sw = `${where}.state[${key}]`;
    const index = /^\d+$/.test(key) ? Number(key) : NaN;
    const p = byIndex.get(index);
    if (p === undefined) throw new CheckpointError(sw, { expected: `a parameter index 0..${byIndex.size - 1}`, received: JSON.stringify(key) });
    const entry = groupDict(value, sw);
    const shape = modules[p.module][p.name].shape;
    const moment = (k: 'exp_avg' | 'exp_avg_sq'): Float32Array => {
      const t = entry[k];
      if (!isTensorData(t) || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
        throw new CheckpointError(`${sw}.${k} (${p.module} ${p.name})`, { expected: `a tensor [${shape.join(', ')}]`, received: isTensorData(t) ? `[${t.shape.join(', ')}]` : String(t) });
      }
      return toFloat32(t);
    };
    const step = stepValue(entry.step, sw);
    maxStep = Math.max(maxStep, step);
    params[`${p.module}.${p.name}`] = { step, shape: [...shape], expAvg: moment('exp_avg'), expAvgSq: moment('exp_avg_sq') };
  }
  const without = [...byIndex.values()].filter((p) => params[`${p.module}.${p.name}`] === undefined);
  if (without.length > 0) notes.push(`${without.length} parameter(s) without AdamW state (frozen tables or never stepped): ${without.map((p) => `${p.module}.${p.name}`).join(', ')}`);
  const steps = new Set(Object.values(params).map((s) => s.step));
  if (steps.size > 0) notes.push(`AdamW steps taken: ${[...steps].sort((a, b) => a - b).join(', ')}`);
  return {
    state: {
      version: 1,
      betas: [ours.betas[0], ours.betas[1]],
      eps: ours.eps,
      // our two groups: the official weights groups share one lr/wd (the schedulers set both), so do the exempt ones
      groups: [
        { name: 'decay', lr: hyper[0].lr, weightDecay: hyper[0].weightDecay },
        { name: 'no_decay', lr: hyper[2].lr, weightDecay: hyper[2].weightDecay },
      ],
      params,
    },
    notes,
    maxStep,
  };
}
