import * as tf from '@tensorflow/tfjs-core';

// A backward pass that frees memory as it goes, installed on the tfjs engine by the apps' backend
// setup (`setupBackend`, option `eagerBackprop`). tfjs-core 4.22's `engine.gradients` (what
// tf.variableGrads / tf.grads call) keeps every tensor the tape saved until the whole backward pass
// is over, including those of ops that do not lead to the loss (metrics computed on the tape), and
// keeps the gradient of every intermediate tensor until then too: at the end of the backward pass all
// saved activations and all intermediate gradients are alive together (3.2 GB of 3.7 on the D192 /
// batch 16 step). This version walks the same tape with the same gradient functions in the same order
// (so the numbers are identical) and:
//  - frees the saved tensors of ops that do not lead to the loss right after the forward pass;
//  - frees each op's saved tensors as soon as its gradient has been computed;
//  - frees each intermediate gradient once the op that produced the tensor has consumed it (reverse
//    tape order: by then every consumer has added its contribution).
// It also keeps an outer tape in a local while it runs, so a first-order gradient call from inside a
// backward pass (per-block recomputation, @vjepa/vit's activation checkpointing) is safe.
//
// What it relies on in tfjs-core 4.22 (checked by `assertEngineInternals`, and by the tests against
// the stock backward): engine.state.{activeTape, gradientDepth}, startTape/endTape/scopedRun/tidy, and
// tape nodes {id, kernelName, inputs, outputs, saved, gradient}.

interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

type Gradients = (f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean) => { value: tf.Tensor; grads: tf.Tensor[] };

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients: Gradients & { vjepaEager?: true };
}

function engineInternals(): EngineInternals {
  const e = tf.engine() as unknown as Partial<EngineInternals>;
  const ok =
    e.state !== undefined &&
    typeof e.state.gradientDepth === 'number' &&
    typeof e.startTape === 'function' &&
    typeof e.endTape === 'function' &&
    typeof e.scopedRun === 'function' &&
    typeof e.gradients === 'function';
  if (!ok) throw new Error('eager backprop: the tfjs engine does not have the 4.22 internals it needs (state.activeTape, startTape, scopedRun, gradients)');
  return e as EngineInternals;
}

/** The nodes on a path from one of `xs` to `y`, with inputs not derived from `xs` dropped. */
function pathNodes(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodeFromX = new Set<number>();
  for (const node of tape) {
    for (const t of Object.values(node.inputs)) {
      if (fromX.has(t.id)) {
        for (const o of node.outputs) fromX.add(o.id);
        nodeFromX.add(node.id);
        break;
      }
    }
  }
  const toY = new Set([y.id]);
  const nodeToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (node.outputs.some((o) => toY.has(o.id))) {
      for (const t of Object.values(node.inputs)) toY.add(t.id);
      nodeToY.add(node.id);
    }
  }
  return tape
    .filter((n) => nodeFromX.has(n.id) && nodeToY.has(n.id))
    .map((n) => ({ ...n, inputs: Object.fromEntries(Object.entries(n.inputs).filter(([, t]) => fromX.has(t.id))) }));
}

function eagerGradients(this: EngineInternals, stock: Gradients, f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients = false): { value: tf.Tensor; grads: tf.Tensor[] } {
  if (this.state.gradientDepth !== 0) return stock.call(this, f, xs, dy, allowNoGradients); // higher-order gradients: the stock path
  if (xs.length === 0) throw new Error('gradients() received an empty list of xs.');
  if (dy != null && dy.dtype !== 'float32') throw new Error(`dy must have 'float32' dtype, but has '${dy.dtype}'`);
  const outerTape = this.state.activeTape; // non-null when called from inside another backward pass
  this.state.activeTape = null;
  let tape: TapeNode[] = [];
  let y: tf.Tensor;
  try {
    y = this.scopedRun(
      () => this.startTape(),
      () => this.endTape(),
      () => this.tidy('forward', f),
    );
    tape = this.state.activeTape ?? [];
  } finally {
    this.state.activeTape = outerTape;
  }
  if (!(y instanceof tf.Tensor)) throw new Error('The result y returned by f() must be a tensor.');
  const nodes = pathNodes(tape, xs, y);
  if (!allowNoGradients && nodes.length === 0) {
    for (const node of tape) for (const t of node.saved ?? []) t.dispose();
    throw new Error('Cannot compute gradient of y=f(x) with respect to x. Make sure that the f you passed encloses all operations that lead from x to y.');
  }
  const onPath = new Set(nodes.map((n) => n.id));
  for (const node of tape) {
    if (!onPath.has(node.id)) {
      for (const t of node.saved ?? []) t.dispose(); // metrics and the like: nothing will read these
      node.saved = [];
    }
  }
  const isX = new Set(xs.map((x) => x.id));
  const result = this.tidy('backward', () => {
    const acc = new Map<number, tf.Tensor>();
    const refs = new Map<tf.Tensor, number>(); // one gradient tensor may be stored under several ids
    const put = (id: number, t: tf.Tensor) => {
      acc.set(id, t);
      refs.set(t, (refs.get(t) ?? 0) + 1);
    };
    const drop = (id: number) => {
      const t = acc.get(id);
      if (t === undefined) return;
      acc.delete(id);
      const n = (refs.get(t) ?? 1) - 1;
      if (n > 0) refs.set(t, n);
      else {
        refs.delete(t);
        t.dispose();
      }
    };
    put(y.id, dy ?? tf.onesLike(y));
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i];
      if (node.gradient === undefined) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
      const dys = node.outputs.map((o) => acc.get(o.id) ?? null);
      const inputGrads = node.gradient(dys);
      for (const [name, x] of Object.entries(node.inputs)) {
        if (!(name in inputGrads)) throw new Error(`Cannot backprop through input ${name}. Available gradients found: ${Object.keys(inputGrads)}.`);
        const dx = this.tidy(() => inputGrads[name]());
        if (dx.dtype !== 'float32') throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input ${name} must have 'float32' dtype, but has '${dx.dtype}'`);
        if (!tf.util.arraysEqual(dx.shape, x.shape)) throw new Error(`Error in gradient for op ${node.kernelName}. The gradient of input '${name}' has shape '${dx.shape}', which does not match the shape of the input '${x.shape}'`);
        const cur = acc.get(x.id);
        if (cur === undefined) put(x.id, dx);
        else {
          const sum = tf.add(cur, dx);
          drop(x.id);
          if (!refs.has(dx)) dx.dispose();
          put(x.id, sum);
        }
      }
      for (const t of node.saved ?? []) t.dispose(); // the copy shares the original node's array
      for (const o of node.outputs) if (!isX.has(o.id)) drop(o.id);
    }
    const grads = xs.map((x) => acc.get(x.id) as tf.Tensor);
    return { value: y, grads } as unknown as tf.TensorContainer;
  }) as unknown as { value: tf.Tensor; grads: tf.Tensor[] };
  for (const node of tape) node.saved = [];
  return result;
}

let stockGradients: Gradients | null = null;

/**
 * Replaces the tfjs engine's `gradients` (behind `tf.variableGrads`, `tf.grads`) with the
 * memory-freeing backward pass described above; idempotent. Same gradient functions in the same
 * order, so results are identical to the stock backward; peak memory of a training step drops by
 * about the size of everything autograd saved. Called by `setupBackend` (unless
 * `{ eagerBackprop: false }`); library packages never call it.
 *
 * @example
 * installEagerBackprop();
 * const { value, grads } = tf.variableGrads(loss); // same numbers, lower peak memory
 */
export function installEagerBackprop(): void {
  const engine = engineInternals();
  if (engine.gradients.vjepaEager === true) return;
  const stock = engine.gradients;
  stockGradients = stock;
  const eager = function (this: EngineInternals, f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allow?: boolean) {
    return eagerGradients.call(this, stock, f, xs, dy, allow);
  } as EngineInternals['gradients'];
  eager.vjepaEager = true;
  engine.gradients = eager;
}

/**
 * Puts the stock `engine.gradients` back (benchmarks and tests that compare the two).
 *
 * @example
 * uninstallEagerBackprop();
 */
export function uninstallEagerBackprop(): void {
  const engine = engineInternals();
  if (stockGradients !== null && engine.gradients.vjepaEager === true) engine.gradients = stockGradients;
  stockGradients = null;
}

/**
 * Whether the memory-freeing backward pass is installed.
 *
 * @example
 * if (!eagerBackpropInstalled()) console.warn('stock tfjs backward: peak memory ~2x');
 */
export function eagerBackpropInstalled(): boolean {
  return engineInternals().gradients.vjepaEager === true;
}
