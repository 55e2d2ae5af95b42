// Research prototype (issue 11, memory): a drop-in replacement for tfjs-core 4.22's
// `engine.gradients` (what tf.variableGrads / tf.grads call) that frees memory during the backward
// pass the way PyTorch's autograd does. Installed on the engine instance; packages untouched.
//
// What tfjs 4.22 does (engine.gradients + tape.backpropagateGradients):
//  - the tensors each op saved for its gradient are disposed only after the WHOLE backward pass,
//    including those of ops whose result does not lead to the loss (metrics computed on the tape);
//  - the gradient of every intermediate tensor (the `dy` handed to each op's gradient) stays in the
//    accumulated-gradient map until the backward pass ends.
// So at the end of the backward pass every saved activation AND every intermediate gradient is
// alive at once. Here instead:
//  - the saved tensors of ops that do not lead to the loss are freed right after the forward;
//  - each op's saved tensors are freed as soon as its gradient has been computed;
//  - each intermediate gradient is freed as soon as the op that produced the tensor has consumed it
//    (reverse tape order: by then every consumer has added its contribution).
// The arithmetic is unchanged (same gradient functions, same order), so results are identical.
// It also makes nested first-order gradient calls inside a backward pass safe (the outer tape is
// held locally, not in engine state), which ./checkpoint-blocks.ts relies on.
import * as tf from '@tensorflow/tfjs-core';

interface TapeNode {
  id: number;
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(nameOrFn: string | (() => T), fn?: () => T): T;
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): { value: tf.Tensor; grads: tf.Tensor[] };
}

/** The nodes on a path from one of `xs` to `y`, with inputs not derived from `xs` dropped. */
function pathNodes(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodeFromX = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      for (const o of node.outputs) fromX.add(o.id);
      nodeFromX.add(node.id);
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

let original: EngineInternals['gradients'] | null = null;

/**
 * Replaces `tf.engine().gradients` with the eager-freeing version (idempotent). Returns a function
 * that restores the original.
 *
 * @example
 * const restore = installEagerBackprop();
 * const { value, grads } = tf.variableGrads(loss); // same numbers, lower peak memory
 * restore();
 */
export function installEagerBackprop(): () => void {
  const engine = tf.engine() as unknown as EngineInternals;
  if (original) return uninstall;
  const orig = engine.gradients;
  original = orig;
  engine.gradients = function (this: EngineInternals, f, xs, dy, allowNoGradients = false) {
    if (this.state.gradientDepth !== 0) return orig.call(this, f, xs, dy, allowNoGradients); // higher order: stock path
    const outerTape = this.state.activeTape; // non-null when called from inside another backward pass
    this.state.activeTape = null;
    const y = this.scopedRun(
      () => this.startTape(),
      () => this.endTape(),
      () => this.tidy('forward', f),
    );
    const tape = ((this.state as { activeTape: TapeNode[] | null }).activeTape ?? []) as TapeNode[];
    this.state.activeTape = outerTape;
    const nodes = pathNodes(tape, xs, y);
    if (!allowNoGradients && nodes.length === 0 && xs.length > 0) {
      throw new Error('Cannot compute gradient of y=f(x) with respect to x: no path from x to y.');
    }
    const onPath = new Set(nodes.map((n) => n.id));
    for (const node of tape) {
      if (!onPath.has(node.id)) {
        for (const t of node.saved ?? []) t.dispose(); // metrics etc.: nothing will ever read these
        node.saved = [];
      }
    }
    const isX = new Set(xs.map((x) => x.id));
    return this.tidy('backward', () => {
      const acc = new Map<number, tf.Tensor>();
      const refs = new Map<tf.Tensor, number>(); // one gradient tensor may be stored under several ids
      const put = (id: number, t: tf.Tensor) => {
        acc.set(id, t);
        refs.set(t, (refs.get(t) ?? 0) + 1);
      };
      const drop = (id: number) => {
        const t = acc.get(id);
        if (!t) return;
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
        if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
        const dys = node.outputs.map((o) => acc.get(o.id) ?? null);
        const inputGrads = node.gradient(dys);
        for (const [name, x] of Object.entries(node.inputs)) {
          const dx = this.tidy(() => inputGrads[name]());
          if (dx.dtype !== 'float32') throw new Error(`gradient of ${node.kernelName} input ${name} has dtype ${dx.dtype}`);
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
      for (const node of tape) node.saved = [];
      return { value: y, grads } as unknown as tf.TensorContainer;
    }) as unknown as { value: tf.Tensor; grads: tf.Tensor[] };
  };
  return uninstall;
}

function uninstall(): void {
  if (original) (tf.engine() as unknown as EngineInternals).gradients = original;
  original = null;
}
