import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vjepa/errors';
import { gelu, layerNorm, linear, multiHeadAttention } from './layers';
import { ParameterSet, type LoadStateDictOptions, type ParameterSpec, type ProbeLoadReport, type StateDictLike } from './parameters';
import type { StateDict } from '@vjepa/io';

/**
 * Options of an `AttentiveProbe`. Defaults follow the reference frozen evaluation.
 *
 * @example
 * const opts: AttentiveProbeOptions = { embedDim: 1024, numHeads: 16, numClasses: 400 };
 */
export interface AttentiveProbeOptions {
  /** Token width D of the frozen encoder. */
  embedDim: number;
  /** Attention heads; the reference uses the encoder's heads. */
  numHeads: number;
  /** Number of classes C. */
  numClasses: number;
  /** 1 = just the cross-attention block (every released probe); d > 1 adds d - 1 self-attention blocks. */
  depth?: number;
  /**
   * What the extra self-attention blocks (`pooler.blocks.{i}`, depth > 1) run on: `'tokens'` before
   * the cross-attention (V-JEPA 2 layout, default) or `'query'` after it (original jepa layout).
   */
  blocksOn?: 'tokens' | 'query';
  /** MLP hidden width ratio. Default 4. */
  mlpRatio?: number;
  /** LayerNorm epsilon. Default 1e-6. */
  eps?: number;
  /** Std of the truncated-normal init of weights and the query token. Default 0.02. */
  initStd?: number;
  /** Seed of the init. Default 0. */
  seed?: number;
}

const CROSS = 'pooler.cross_attention_block';

/**
 * The V-JEPA attentive probe: one learnable query cross-attends to frozen tokens, then a linear
 * classifier. `q = q + CrossAttn(q, LN1(x))` (query not normalised; `xattn.proj` stored but not
 * applied, as in the released probes), `q = q + MLP(LN2(q))`, logits `= linear(q)`.
 * Parameters carry the official names (`pooler.query_tokens`, `pooler.cross_attention_block.*`, `linear.*`).
 *
 * @example
 * const probe = new AttentiveProbe({ embedDim: 64, numHeads: 4, numClasses: 5 });
 * const logits = probe.apply(tokens); // [B, N, 64] -> [B, 5]
 * probe.dispose();
 */
export class AttentiveProbe {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly numClasses: number;
  readonly depth: number;
  readonly blocksOn: 'tokens' | 'query';
  readonly mlpRatio: number;
  readonly eps: number;
  private readonly params: ParameterSet;

  constructor(options: AttentiveProbeOptions) {
    const { embedDim, numHeads, numClasses } = options;
    const depth = options.depth ?? 1;
    const mlpRatio = options.mlpRatio ?? 4;
    positiveInt('AttentiveProbe option embedDim', embedDim);
    positiveInt('AttentiveProbe option numHeads', numHeads);
    positiveInt('AttentiveProbe option numClasses', numClasses);
    positiveInt('AttentiveProbe option depth', depth);
    if (embedDim % numHeads !== 0) throw new ConfigError('AttentiveProbe option numHeads', { expected: `a divisor of embedDim ${embedDim}`, received: String(numHeads) });
    if (!(mlpRatio > 0) || !Number.isInteger(embedDim * mlpRatio)) throw new ConfigError('AttentiveProbe option mlpRatio', { expected: 'a number > 0 with embedDim * mlpRatio an integer', received: String(mlpRatio) });
    const blocksOn = options.blocksOn ?? 'tokens';
    if (blocksOn !== 'tokens' && blocksOn !== 'query') throw new ConfigError('AttentiveProbe option blocksOn', { expected: "'tokens' or 'query'", received: String(blocksOn) });
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.numClasses = numClasses;
    this.depth = depth;
    this.blocksOn = blocksOn;
    this.mlpRatio = mlpRatio;
    this.eps = options.eps ?? 1e-6;
    this.params = new ParameterSet(attentiveProbeSpecs(embedDim, numClasses, depth, mlpRatio), { seed: options.seed ?? 0, std: options.initStd ?? 0.02 });
  }

  /**
   * Logits for frozen tokens.
   *
   * @example
   * const logits = probe.apply(tf.randomNormal([2, 32, 64])); // [2, C]
   */
  apply(tokens: tf.Tensor): tf.Tensor2D {
    this.checkTokens(tokens);
    return tf.tidy(() => {
      const pooled = this.poolUnchecked(tokens as tf.Tensor3D); // [B, D]
      return linear(pooled, this.p('linear.weight') as tf.Tensor2D, this.p('linear.bias') as tf.Tensor1D) as tf.Tensor2D; // [B, C]
    });
  }

  /**
   * The pooled query (the probe's feature before the classifier).
   *
   * @example
   * const feats = probe.pool(tokens); // [B, N, D] -> [B, D]
   */
  pool(tokens: tf.Tensor): tf.Tensor2D {
    this.checkTokens(tokens);
    return tf.tidy(() => this.poolUnchecked(tokens as tf.Tensor3D));
  }

  /**
   * Trainable variables by official name (everything except the unused `xattn.proj`).
   *
   * @example
   * for (const [name, v] of probe.trainableVariables()) console.log(name, v.shape);
   */
  trainableVariables(): Map<string, tf.Variable> {
    return this.params.trainable();
  }

  /**
   * Every variable by official name, `xattn.proj` included.
   *
   * @example
   * probe.variables().get('pooler.query_tokens'); // [1, 1, D]
   */
  variables(): Map<string, tf.Variable> {
    return this.params.all();
  }

  /**
   * Official names to expected shapes.
   *
   * @example
   * probe.expectedShapes().get('linear.weight'); // [C, D]
   */
  expectedShapes(): Map<string, number[]> {
    return this.params.shapes();
  }

  /**
   * Load an official probe state dict (e.g. `classifier` of a probe checkpoint, keys prefixed
   * `module.`, stripped by default). Throws listing every missing, unexpected or mis-shaped key.
   *
   * @example
   * probe.loadStateDict(checkpoint.classifier, { file: 'probe.pth.tar' });
   */
  loadStateDict(sd: StateDictLike, options: LoadStateDictOptions = {}): ProbeLoadReport {
    return this.params.load(sd, options);
  }

  /**
   * A float32 copy of every parameter under official names (ready for `writeSafetensors`).
   *
   * @example
   * const sd = probe.stateDict(); // { 'pooler.query_tokens': { dtype, shape, data }, ... }
   */
  stateDict(): StateDict {
    return this.params.stateDict();
  }

  /**
   * Free every variable. The probe cannot be used afterwards.
   *
   * @example
   * probe.dispose();
   */
  dispose(): void {
    this.params.dispose();
  }

  private p(name: string): tf.Variable {
    return this.params.get(name);
  }

  private checkTokens(tokens: tf.Tensor): void {
    if (tokens.rank !== 3 || tokens.shape[2] !== this.embedDim || tokens.shape[1] < 1) {
      throw new ShapeError('AttentiveProbe input tokens', { expected: `[B, N, ${this.embedDim}] with N >= 1`, received: `[${tokens.shape}]`, hint: 'the probe width must equal the encoder width' });
    }
  }

  private poolUnchecked(tokens: tf.Tensor3D): tf.Tensor2D {
    const b = tokens.shape[0];
    let x: tf.Tensor3D = tokens; // [B, N, D]
    const extra = this.depth - 1;
    if (this.blocksOn === 'tokens') for (let i = 0; i < extra; i++) x = this.selfBlock(`pooler.blocks.${i}`, x);
    let q = tf.tile(this.p('pooler.query_tokens'), [b, 1, 1]) as tf.Tensor3D; // [B, 1, D]
    q = this.crossBlock(q, x);
    if (this.blocksOn === 'query') for (let i = 0; i < extra; i++) q = this.selfBlock(`pooler.blocks.${i}`, q);
    return tf.reshape(q, [b, this.embedDim]) as tf.Tensor2D; // [B, D]
  }

  private crossBlock(q: tf.Tensor3D, x: tf.Tensor3D): tf.Tensor3D {
    const d = this.embedDim;
    const xn = this.norm(`${CROSS}.norm1`, x); // [B, N, D]
    const qp = this.lin(`${CROSS}.xattn.q`, q) as tf.Tensor3D; // [B, 1, D]
    const kv = this.lin(`${CROSS}.xattn.kv`, xn); // [B, N, 2D]: k then v
    const [k, v] = tf.split(kv, [d, d], 2) as [tf.Tensor3D, tf.Tensor3D]; // [B, N, D] each
    // xattn.proj is deliberately not applied (released probes were trained without it)
    const attended = tf.add(q, multiHeadAttention(qp, k, v, this.numHeads)) as tf.Tensor3D; // [B, 1, D]
    return tf.add(attended, this.mlp(`${CROSS}.mlp`, this.norm(`${CROSS}.norm2`, attended))) as tf.Tensor3D;
  }

  private selfBlock(prefix: string, x: tf.Tensor3D): tf.Tensor3D {
    const d = this.embedDim;
    const qkv = this.lin(`${prefix}.attn.qkv`, this.norm(`${prefix}.norm1`, x)); // [B, L, 3D]
    const [q, k, v] = tf.split(qkv, [d, d, d], 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    const attn = this.lin(`${prefix}.attn.proj`, multiHeadAttention(q, k, v, this.numHeads)); // [B, L, D]
    const h = tf.add(x, attn) as tf.Tensor3D;
    return tf.add(h, this.mlp(`${prefix}.mlp`, this.norm(`${prefix}.norm2`, h))) as tf.Tensor3D;
  }

  private mlp(prefix: string, x: tf.Tensor): tf.Tensor {
    return this.lin(`${prefix}.fc2`, gelu(this.lin(`${prefix}.fc1`, x))); // [.., 4D] -> [.., D]
  }

  private lin(prefix: string, x: tf.Tensor): tf.Tensor {
    return linear(x, this.p(`${prefix}.weight`) as tf.Tensor2D, this.p(`${prefix}.bias`) as tf.Tensor1D);
  }

  private norm(prefix: string, x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.p(`${prefix}.weight`) as tf.Tensor1D, this.p(`${prefix}.bias`) as tf.Tensor1D, this.eps);
  }
}

function attentiveProbeSpecs(d: number, c: number, depth: number, mlpRatio: number): ParameterSpec[] {
  const h = d * mlpRatio;
  const lin = (name: string, out: number, inp: number, trainable = true): ParameterSpec[] => [
    { name: `${name}.weight`, shape: [out, inp], init: 'truncNormal', trainable },
    { name: `${name}.bias`, shape: [out], init: 'zeros', trainable },
  ];
  const ln = (name: string): ParameterSpec[] => [
    { name: `${name}.weight`, shape: [d], init: 'ones' },
    { name: `${name}.bias`, shape: [d], init: 'zeros' },
  ];
  const specs: ParameterSpec[] = [{ name: 'pooler.query_tokens', shape: [1, 1, d], init: 'truncNormal' }];
  for (let i = 0; i < depth - 1; i++) {
    const p = `pooler.blocks.${i}`;
    specs.push(...ln(`${p}.norm1`), ...lin(`${p}.attn.qkv`, 3 * d, d), ...lin(`${p}.attn.proj`, d, d), ...ln(`${p}.norm2`), ...lin(`${p}.mlp.fc1`, h, d), ...lin(`${p}.mlp.fc2`, d, h));
  }
  specs.push(
    ...ln(`${CROSS}.norm1`),
    ...lin(`${CROSS}.xattn.q`, d, d),
    ...lin(`${CROSS}.xattn.kv`, 2 * d, d),
    ...lin(`${CROSS}.xattn.proj`, d, d, false),
    ...ln(`${CROSS}.norm2`),
    ...lin(`${CROSS}.mlp.fc1`, h, d),
    ...lin(`${CROSS}.mlp.fc2`, d, h),
    ...lin('linear', c, d),
  );
  return specs;
}

function positiveInt(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(what, { expected: 'an integer >= 1', received: String(value) });
}
