// Research prototype (issue 11, memory): activation recomputation ("gradient checkpointing") per
// transformer block. While a gradient tape is recording, each `Block.apply` (encoder and predictor
// blocks, @vjepa/vit) runs as one tf.customGrad op that saves only its input [B, N, D]; its
// backward re-runs the block's forward under a nested first-order gradient call and returns the
// gradients for the input and the block's 12 parameters. Needs @vjepa/backends' eager backprop installed
// (setupBackend does it; the stock engine.gradients cannot be nested inside a backward pass). Patches the Block prototype of
// this process only; call the returned function to undo.
import * as tf from '@tensorflow/tfjs-core';
import { Block } from '@vjepa/vit';

/** The block's parameters, read from its (TypeScript-private) fields. */
function blockVariables(b: Block): tf.Variable[] {
  const o = b as unknown as Record<string, tf.Variable> & { attn: Record<string, tf.Variable>; mlp: Record<string, tf.Variable> };
  const vars = [o.n1w, o.n1b, o.attn.qkvw, o.attn.qkvb, o.attn.projw, o.attn.projb, o.n2w, o.n2b, o.mlp.fc1w, o.mlp.fc1b, o.mlp.fc2w, o.mlp.fc2b];
  if (vars.some((v) => !(v instanceof tf.Variable))) throw new Error('checkpoint-blocks: Block fields changed; update blockVariables()');
  return vars;
}

function tapeIsOn(): boolean {
  const s = (tf.engine() as unknown as { state: { gradientDepth: number; kernelDepth: number } }).state;
  return s.gradientDepth > 0 && s.kernelDepth === 0;
}

/**
 * Turns on per-block recomputation for every Block in this process.
 *
 * @example
 * installEagerBackprop(); const undo = checkpointBlocks(); await trainer.step(clips); undo();
 */
export function checkpointBlocks(): () => void {
  const proto = Block.prototype as unknown as { apply(x: tf.Tensor): tf.Tensor };
  const plain = proto.apply;
  proto.apply = function (this: Block, x: tf.Tensor): tf.Tensor {
    if (!tapeIsOn()) return plain.call(this, x);
    const block = this;
    const vars = blockVariables(block);
    const op = tf.customGrad((...args: unknown[]) => {
      const save = args[args.length - 1] as (ts: tf.Tensor[]) => void;
      const input = args[0] as tf.Tensor;
      save([input]);
      return {
        value: plain.call(block, input), // tape off inside a custom op: nothing else is kept
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const { grads } = (tf.engine() as unknown as { gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allow?: boolean): { value: tf.Tensor; grads: tf.Tensor[] } }).gradients(
            () => plain.call(block, saved[0]),
            [saved[0], ...vars],
            dy,
            true,
          );
          return grads;
        },
      };
    });
    return (op as unknown as (...xs: tf.Tensor[]) => tf.Tensor)(x, ...vars);
  };
  return () => {
    proto.apply = plain;
  };
}
