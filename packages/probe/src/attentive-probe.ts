import * as tf from '@tensorflow/tfjs-core';
import { CheckpointError, ConfigError, ShapeError } from '@vjepa/errors';
import { stripPrefixes } from '@vjepa/io';
import type { LoadReport, StateDict } from '@vjepa/io';
import { Block, Mlp, ParamStore, layerNorm, linear } from '@vjepa/vit';
import { multiHeadAttention, singleQueryAttention } from './cross-attention';
import { loadProbeState, probeStateDict, trainableOf, type ProbeLoadOptions } from './probe-state';
import type { Probe } from './probe';

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
  /**
   * 1 = just the cross-attention block (every released V-JEPA probe); d > 1 adds d - 1 self-attention
   * blocks (the V-JEPA 2 evaluations use 4).
   */
  depth?: number;
  /**
   * Which reference probe: `'vjepa'` (default; the cross-attention stores an `xattn.proj` it never
   * applies) or `'vjepa2'` (V-JEPA 2's `AttentiveClassifier`: no `xattn.proj` at all, extra blocks over
   * the tokens first). Official probe checkpoints of one layout are refused by the other.
   */
  layout?: 'vjepa' | 'vjepa2';
  /**
   * What the extra self-attention blocks (`pooler.blocks.{i}`, depth > 1) run on: `'query'` after the
   * cross-attention (the V-JEPA reference layout) or `'tokens'` before it (V-JEPA 2). Default: the
   * layout's (`'query'` for `'vjepa'`, `'tokens'` for `'vjepa2'`).
   */
  blocksOn?: 'tokens' | 'query';
  /** MLP hidden width ratio. Default 4. */
  mlpRatio?: number;
  /** LayerNorm epsilon. Default 1e-6. */
  eps?: number;
  /**
   * Std of the truncated-normal init of weights and the query token. Default 0.02. As in the
   * reference, the output layers are then divided by `sqrt(2 * layer)` (`pooler.blocks.{i}`: layer
   * i + 1; the cross-attention `mlp.fc2`: layer max(1, depth - 1)).
   */
  initStd?: number;
  /** Seed of the init (each parameter derives its own seed from it and its name). Default 0. */
  seed?: number;
  /**
   * How the cross-attention is computed; both are the same function (equal up to float rounding).
   * `'fused'` (default) uses that the one query token is shared by the batch: keys and values are
   * never materialised, so the per-token work is a `[B*N, D] x [D, heads]` matmul instead of
   * `[B*N, D] x [D, 2D]` (about 3x faster training on wasm). `'reference'` projects keys and values
   * as the reference code does.
   */
  attention?: 'fused' | 'reference';
}

const CROSS = 'pooler.cross_attention_block';
// stored in checkpoints, never applied (the released probes were trained without it)
const UNUSED: ReadonlySet<string> = new Set([`${CROSS}.xattn.proj.weight`, `${CROSS}.xattn.proj.bias`]);

/**
 * The V-JEPA attentive probe: one learnable query cross-attends to frozen tokens, then a linear
 * classifier. `q = q + CrossAttn(q, LN1(x))` (query not normalised; `xattn.proj` stored but not
 * applied, as in the released probes), `q = q + MLP(LN2(q))`, logits `= linear(q)`.
 * Parameters carry the official names (`pooler.query_tokens`, `pooler.cross_attention_block.*`, `linear.*`).
 * `layout: 'vjepa2'` is V-JEPA 2's probe: `depth - 1` self-attention blocks over the tokens first, then
 * the same cross-attention block (which has no `xattn.proj`), then the linear head.
 *
 * @example
 * const probe = new AttentiveProbe({ embedDim: 64, numHeads: 4, numClasses: 5 });
 * const logits = probe.apply(tokens); // [B, N, 64] -> [B, 5]
 * probe.dispose();
 */
export class AttentiveProbe implements Probe {
  readonly embedDim: number;
  readonly numHeads: number;
  readonly numClasses: number;
  readonly depth: number;
  readonly blocksOn: 'tokens' | 'query';
  readonly layout: 'vjepa' | 'vjepa2';
  readonly mlpRatio: number;
  readonly eps: number;
  readonly attention: 'fused' | 'reference';
  private readonly store: ParamStore;
  private readonly blocks: Block[] = [];
  private readonly mlp: Mlp;

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
    const layout = options.layout ?? 'vjepa';
    if (layout !== 'vjepa' && layout !== 'vjepa2') throw new ConfigError('AttentiveProbe option layout', { expected: "'vjepa' or 'vjepa2'", received: String(layout) });
    const blocksOn = options.blocksOn ?? (layout === 'vjepa2' ? 'tokens' : 'query');
    if (blocksOn !== 'tokens' && blocksOn !== 'query') throw new ConfigError('AttentiveProbe option blocksOn', { expected: "'tokens' or 'query'", received: String(blocksOn) });
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.numClasses = numClasses;
    this.depth = depth;
    this.blocksOn = blocksOn;
    this.layout = layout;
    this.mlpRatio = mlpRatio;
    this.eps = options.eps ?? 1e-6;
    this.attention = options.attention ?? 'fused';
    if (this.attention !== 'fused' && this.attention !== 'reference') throw new ConfigError('AttentiveProbe option attention', { expected: "'fused' or 'reference'", received: String(this.attention) });
    const std = options.initStd ?? 0.02;
    this.store = new ParamStore({ seed: options.seed ?? 0, scope: 'attentive_probe' });
    const add = (name: string, shape: number[], kind: 'truncNormal' | 'zeros' | 'ones') =>
      this.store.add(name, shape, kind === 'truncNormal' ? { kind, std } : { kind });
    add('pooler.query_tokens', [1, 1, embedDim], 'truncNormal');
    for (let i = 0; i < depth - 1; i++) {
      this.blocks.push(new Block(this.store, `pooler.blocks.${i}`, { dim: embedDim, numHeads, mlpRatio, eps: this.eps, initStd: std, outputScale: 1 / Math.sqrt(2 * (i + 1)) }));
    }
    add(`${CROSS}.norm1.weight`, [embedDim], 'ones');
    add(`${CROSS}.norm1.bias`, [embedDim], 'zeros');
    const xattn = layout === 'vjepa2' ? (['q', 'kv'] as const) : (['q', 'kv', 'proj'] as const); // V-JEPA 2 has no proj
    for (const name of xattn) {
      const out = name === 'kv' ? 2 * embedDim : embedDim;
      add(`${CROSS}.xattn.${name}.weight`, [out, embedDim], 'truncNormal');
      add(`${CROSS}.xattn.${name}.bias`, [out], 'zeros');
    }
    add(`${CROSS}.norm2.weight`, [embedDim], 'ones');
    add(`${CROSS}.norm2.bias`, [embedDim], 'zeros');
    this.mlp = new Mlp(this.store, `${CROSS}.mlp`, embedDim, embedDim * mlpRatio, { initStd: std, fc2Scale: 1 / Math.sqrt(2 * Math.max(1, depth - 1)) });
    add('linear.weight', [numClasses, embedDim], 'truncNormal');
    add('linear.bias', [numClasses], 'zeros');
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
    return trainableOf(this.store, UNUSED);
  }

  /**
   * Every variable by official name, `xattn.proj` included.
   *
   * @example
   * probe.variables().get('pooler.query_tokens'); // [1, 1, D]
   */
  variables(): Map<string, tf.Variable> {
    return this.store.variables();
  }

  /**
   * Official names to expected shapes.
   *
   * @example
   * probe.expectedShapes()['linear.weight']; // [C, D]
   */
  expectedShapes(): Record<string, number[]> {
    return this.store.expectedShapes();
  }

  /**
   * Load an official probe state dict (e.g. `classifier` of a probe checkpoint, keys prefixed
   * `module.`, stripped by default). Throws a `CheckpointError` listing every missing, unexpected
   * or mis-shaped key unless `allowPartial`, and one naming the layout when a V-JEPA 2 probe (no
   * `xattn.proj`) meets a `'vjepa'` probe or the reverse. `xattn.proj` is loaded and kept, though not applied.
   *
   * @example
   * const ckpt = readTorchCheckpoint(bytes, { file: 'probe.pth.tar' }) as { classifier: StateDict };
   * probe.loadStateDict(ckpt.classifier, { file: 'probe.pth.tar' });
   */
  loadStateDict(sd: StateDict, options: ProbeLoadOptions = {}): LoadReport {
    if (!options.allowPartial) this.checkLayout(stripPrefixes(sd, options.prefixes ?? ['module.']), options.file);
    return loadProbeState(this.store, sd, 'attentive probe', options);
  }

  private checkLayout(sd: StateDict, file?: string): void {
    const has = (k: string) => Object.prototype.hasOwnProperty.call(sd, k);
    if (!has(`${CROSS}.xattn.q.weight`)) return; // not a probe of either layout: the key report says more
    const proj = has(`${CROSS}.xattn.proj.weight`);
    if (proj === (this.layout === 'vjepa')) return;
    const where = `${file ? `${file}: ` : ''}attentive probe`;
    throw new CheckpointError(`${where} key "${CROSS}.xattn.proj.weight"`, proj
      ? { expected: "none (a V-JEPA 2 probe, layout 'vjepa2')", received: "present: a V-JEPA probe's cross-attention", hint: "build the probe with layout: 'vjepa' (blocks after the cross-attention)" }
      : { expected: "present (a V-JEPA probe, layout 'vjepa')", received: 'absent: the layout of a V-JEPA 2 probe (AttentiveClassifier)', hint: "build the probe with layout: 'vjepa2' (self-attention blocks over the tokens first), or loadAttentiveProbes (detects it)" });
  }

  /**
   * A float32 copy of every parameter under official names (ready for `writeSafetensors`).
   *
   * @example
   * const sd = await probe.stateDict(); // { 'pooler.query_tokens': { dtype, shape, data }, ... }
   */
  stateDict(): Promise<StateDict> {
    return probeStateDict(this.store);
  }

  /**
   * Free every variable. The probe cannot be used afterwards.
   *
   * @example
   * probe.dispose();
   */
  dispose(): void {
    this.store.dispose();
  }

  private p(name: string): tf.Variable {
    return this.store.get(name);
  }

  private checkTokens(tokens: tf.Tensor): void {
    if (tokens.rank !== 3 || tokens.shape[2] !== this.embedDim || tokens.shape[1]! < 1) {
      throw new ShapeError('AttentiveProbe input tokens', { expected: `[B, N, ${this.embedDim}] with N >= 1`, received: `[${tokens.shape}]`, hint: 'the probe width must equal the encoder width' });
    }
  }

  private poolUnchecked(tokens: tf.Tensor3D): tf.Tensor2D {
    const b = tokens.shape[0];
    let x: tf.Tensor3D = tokens; // [B, N, D]
    if (this.blocksOn === 'tokens') for (const block of this.blocks) x = block.apply(x) as tf.Tensor3D;
    let q = tf.tile(this.p('pooler.query_tokens'), [b, 1, 1]) as tf.Tensor3D; // [B, 1, D]
    q = this.crossBlock(q, x);
    if (this.blocksOn === 'query') for (const block of this.blocks) q = block.apply(q) as tf.Tensor3D;
    return tf.reshape(q, [b, this.embedDim]) as tf.Tensor2D; // [B, D]
  }

  private crossBlock(q: tf.Tensor3D, x: tf.Tensor3D): tf.Tensor3D {
    const d = this.embedDim;
    const xn = this.norm(`${CROSS}.norm1`, x); // [B, N, D]
    const b = x.shape[0];
    // xattn.proj is deliberately not applied (released probes were trained without it)
    let attention: tf.Tensor3D; // [B, 1, D]
    if (this.attention === 'fused') {
      // the one query token is the same for every clip: project it once, never build k and v
      const qp = tf.reshape(this.lin(`${CROSS}.xattn.q`, tf.reshape(this.p('pooler.query_tokens'), [1, d])), [d]) as tf.Tensor1D; // [D]
      const kvW = this.p(`${CROSS}.xattn.kv.weight`) as tf.Tensor2D;
      const kvB = this.p(`${CROSS}.xattn.kv.bias`) as tf.Tensor1D;
      attention = tf.reshape(singleQueryAttention(xn as tf.Tensor3D, qp, kvW, kvB, this.numHeads), [b, 1, d]) as tf.Tensor3D;
    } else {
      const qp = this.lin(`${CROSS}.xattn.q`, q) as tf.Tensor3D; // [B, 1, D]
      const kv = this.lin(`${CROSS}.xattn.kv`, xn); // [B, N, 2D]: k then v
      const [k, v] = tf.split(kv, [d, d], 2) as [tf.Tensor3D, tf.Tensor3D]; // [B, N, D] each
      attention = multiHeadAttention(qp, k, v, this.numHeads);
    }
    const attended = tf.add(q, attention) as tf.Tensor3D; // [B, 1, D]
    return tf.add(attended, this.mlp.apply(this.norm(`${CROSS}.norm2`, attended))) as tf.Tensor3D;
  }

  private lin(prefix: string, x: tf.Tensor): tf.Tensor {
    return linear(x, this.p(`${prefix}.weight`) as tf.Tensor2D, this.p(`${prefix}.bias`) as tf.Tensor1D);
  }

  private norm(prefix: string, x: tf.Tensor): tf.Tensor {
    return layerNorm(x, this.p(`${prefix}.weight`) as tf.Tensor1D, this.p(`${prefix}.bias`) as tf.Tensor1D, this.eps);
  }
}

function positiveInt(what: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new ConfigError(what, { expected: 'an integer >= 1', received: String(value) });
}
