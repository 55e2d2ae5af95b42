import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vjepa/errors';
import type { LoadReport, StateDict } from '@vjepa/io';
import {
  Block,
  type FixedTable,
  RotaryCache,
  checkPositionScheme,
  gatherTokens,
  type IndicesInput,
  type LoadOptions,
  ParamStore,
  layerNorm,
  linear,
  loadParams,
  paramsStateDict,
  posTable,
  resolveIndices,
} from '@vjepa/vit';
import { type PredictorConfig, type PredictorConfigInput, resolvePredictorConfig } from './config';

/** Construction options of a {@link VJEPAPredictor}. */
export interface PredictorOptions {
  /** Seed of the initial weights (default 0). */
  seed?: number;
  /** Whether the variables are trainable (default true). */
  trainable?: boolean;
  /** @internal copy initial values from these tensors (used by `clone`). */
  source?: ReadonlyMap<string, tf.Tensor>;
}

/** Options of {@link VJEPAPredictor.loadStateDict}. */
export interface PredictorLoadOptions extends LoadOptions {
  /**
   * RoPE predictors only: drop a `predictor_pos_embed` the state dict carries instead of refusing it as
   * a V-JEPA (sin-cos) checkpoint (released V-JEPA 2 `.pt` files hold an unused one). Default false.
   */
  ignorePosEmbed?: boolean;
}

/** Options of {@link VJEPAPredictor.apply}. */
export interface PredictorApplyOptions {
  /** Range-check index values (default true; reads index tensors back synchronously). */
  checkIndices?: boolean;
}

/**
 * The V-JEPA predictor, a narrow ViT: embeds context features `D -> Dp`, adds its fixed sin-cos
 * position table at the context indices, appends one mask token per target (for the given mask type)
 * plus the table at the target indices, runs pre-norm blocks and `predictor_norm` over context then
 * targets, keeps the target tokens and projects them `Dp -> outDim` (default D).
 *
 * With `useRope` (V-JEPA 2) there is no table: context and mask tokens are sorted by token position,
 * every block rotates q and k by those positions in `grid`, and after `predictor_norm` the order is
 * restored and the target part kept.
 *
 * @example
 * const pred = new VJEPAPredictor({ grid: { t: 2, h: 4, w: 4 }, embedDim: 64, predictorEmbedDim: 32, depth: 2, numHeads: 4 });
 * const out = tf.tidy(() => pred.apply(ctxFeatures, ctxIdx, tgtIdx, 1)); // [B, Kt, 64]
 */
export class VJEPAPredictor {
  readonly config: Readonly<PredictorConfig>;
  /** Tokens covered by the position table (`t*h*w`). */
  readonly numPatches: number;
  private readonly store: ParamStore;
  private readonly embedW: tf.Variable;
  private readonly embedB: tf.Variable;
  private readonly maskTokens: tf.Variable[] = [];
  private readonly blocks: Block[] = [];
  /**
   * Activation checkpointing (the reference's `use_activation_checkpointing`): while a gradient tape
   * records, each block keeps only its input and is recomputed in the backward pass. A runtime
   * switch (not saved with the weights). Default false.
   */
  activationCheckpointing = false;
  private readonly normW: tf.Variable;
  private readonly normB: tf.Variable;
  private readonly projW: tf.Variable;
  private readonly projB: tf.Variable;
  private readonly table: Float32Array;
  private pos?: tf.Tensor;
  private readonly rotary?: RotaryCache;

  constructor(config: PredictorConfigInput, opts: PredictorOptions = {}) {
    this.config = resolvePredictorConfig(config);
    const c = this.config;
    const dp = c.predictorEmbedDim;
    this.numPatches = c.grid.t * c.grid.h * c.grid.w;
    this.table = c.useRope ? new Float32Array(0) : posTable(dp, c.grid, { video: c.video, uniformPower: c.uniformPower });
    if (c.useRope) this.rotary = new RotaryCache(dp / c.numHeads);
    const s = (this.store = new ParamStore({ seed: opts.seed, trainable: opts.trainable, scope: 'predictor', source: opts.source }));
    const std = c.initStd;
    this.embedW = s.add('predictor_embed.weight', [dp, c.embedDim], { kind: 'truncNormal', std });
    this.embedB = s.add('predictor_embed.bias', [dp], { kind: 'zeros' });
    for (let k = 0; k < c.numMaskTypes; k++) {
      this.maskTokens.push(s.add(`mask_tokens.${k}`, [1, 1, dp], c.zeroInitMaskTokens ? { kind: 'zeros' } : { kind: 'truncNormal', std }));
    }
    for (let i = 0; i < c.depth; i++) {
      this.blocks.push(
        new Block(s, `predictor_blocks.${i}`, {
          dim: dp,
          numHeads: c.numHeads,
          mlpRatio: c.mlpRatio,
          eps: c.layerNormEps,
          initStd: std,
          outputScale: 1 / Math.sqrt(2 * (i + 1)),
        }),
      );
    }
    this.normW = s.add('predictor_norm.weight', [dp], { kind: 'ones' });
    this.normB = s.add('predictor_norm.bias', [dp], { kind: 'zeros' });
    this.projW = s.add('predictor_proj.weight', [c.outDim, dp], { kind: 'truncNormal', std });
    this.projB = s.add('predictor_proj.bias', [c.outDim], { kind: 'zeros' });
  }

  /**
   * Predicts target-token features `[B, Kt, outDim]` from context features `[B, Kc, D]`, their token
   * indices `[B, Kc]`, the target indices `[B, Kt]` and the mask type `maskIndex` (selects the mask
   * token). Validates shapes (ShapeError) and indices (MaskError); call inside `tf.tidy` or dispose.
   *
   * @example
   * const pred = predictor.apply(ctx, ctxIdx, tgtIdx, 0); // [B, Kt, D]
   */
  apply(
    contextFeatures: tf.Tensor,
    contextIdx: IndicesInput,
    targetIdx: IndicesInput,
    maskIndex = 0,
    opts: PredictorApplyOptions = {},
  ): tf.Tensor {
    const c = this.config;
    const x = contextFeatures;
    if (!(x instanceof tf.Tensor) || x.isDisposed) {
      throw new ShapeError('predictor contextFeatures', { expected: `a live tf.Tensor [B, Kc, ${c.embedDim}]`, received: x instanceof tf.Tensor ? 'a disposed tensor' : typeof x });
    }
    if (x.dtype !== 'float32') throw new ShapeError('predictor contextFeatures dtype', { expected: 'float32', received: x.dtype });
    if (x.rank !== 3 || x.shape[2] !== c.embedDim || !(x.shape[0]! >= 1) || !(x.shape[1]! >= 1)) {
      throw new ShapeError('predictor contextFeatures', { expected: `[B, Kc, ${c.embedDim}]`, received: `[${x.shape.join(', ')}]` });
    }
    if (!Number.isInteger(maskIndex) || maskIndex < 0 || maskIndex >= c.numMaskTypes) {
      throw new ConfigError('predictor maskIndex', { expected: `an integer in [0, ${c.numMaskTypes})`, received: String(maskIndex) });
    }
    const b = x.shape[0] as number;
    const kc = x.shape[1] as number;
    const check = opts.checkIndices ?? true;
    const ctx = resolveIndices(contextIdx, 'predictor contextIdx', b, this.numPatches, check);
    let tgt: ReturnType<typeof resolveIndices> | undefined;
    try {
      tgt = resolveIndices(targetIdx, 'predictor targetIdx', b, this.numPatches, check);
      if (ctx.tensor.shape[1] !== kc) {
        throw new ShapeError('predictor contextIdx', { expected: `[${b}, ${kc}] (one index per context feature)`, received: `[${ctx.tensor.shape.join(', ')}]` });
      }
      const tgtIdx = tgt.tensor;
      if (this.rotary) return this.applyRope(x, ctx.tensor, tgtIdx, maskIndex);
      const pos = this.posEmbed();
      return tf.tidy(() => {
        const posRows = tf.reshape(pos, [this.numPatches, c.predictorEmbedDim]); // [N, Dp]
        const ctxTokens = tf.add(linear(x, this.embedW, this.embedB), tf.gather(posRows, ctx.tensor)); // [B, Kc, Dp]
        const tgtTokens = tf.add(this.maskTokens[maskIndex], tf.gather(posRows, tgtIdx)); // [B, Kt, Dp]
        let seq = tf.concat([ctxTokens, tgtTokens], 1); // [B, Kc+Kt, Dp]
        for (const block of this.blocks) seq = block.apply(seq, { recompute: this.activationCheckpointing });
        seq = layerNorm(seq, this.normW, this.normB, c.layerNormEps);
        const kt = tgtIdx.shape[1] as number;
        const targets = tf.slice(seq, [0, kc, 0], [b, kt, c.predictorEmbedDim]); // [B, Kt, Dp]
        return linear(targets, this.projW, this.projB); // [B, Kt, outDim]
      });
    } finally {
      if (ctx.owned) ctx.tensor.dispose();
      if (tgt?.owned) tgt.tensor.dispose();
    }
  }

  private applyRope(x: tf.Tensor, ctxIdx: tf.Tensor, tgtIdx: tf.Tensor, maskIndex: number): tf.Tensor {
    const c = this.config;
    const rotary = this.rotary!;
    return tf.tidy(() => {
      const [b, kc] = ctxIdx.shape as [number, number];
      const kt = tgtIdx.shape[1] as number;
      const n = kc + kt;
      const ctxTokens = linear(x, this.embedW, this.embedB); // [B, Kc, Dp]
      const tgtTokens = tf.tile(this.maskTokens[maskIndex], [b, kt, 1]); // [B, Kt, Dp]
      // token indices as float32 (exact below 2^24) so every backend's topk takes them
      const positions = tf.cast(tf.concat([ctxIdx, tgtIdx], 1), 'float32'); // [B, N]
      // sort by position (argsort = top-k of the negated positions; ties keep context before target)
      const sorted = tf.topk(tf.neg(positions), n, true); // values = -sorted positions, indices = order
      const order = sorted.indices; // [B, N]
      let seq = gatherTokens(tf.concat([ctxTokens, tgtTokens], 1), order); // [B, N, Dp] sorted
      const rope = rotary.embedding(c.grid, tf.cast(tf.neg(sorted.values), 'int32')); // cos/sin [B, 1, N, hd]
      for (const block of this.blocks) seq = block.apply(seq, { rope, recompute: this.activationCheckpointing });
      seq = layerNorm(seq, this.normW, this.normB, c.layerNormEps);
      // restore the order (inverse permutation) and keep the target part
      const inverse = tf.topk(tf.neg(tf.cast(order, 'float32')), n, true).indices; // [B, N]: original slot -> sorted slot
      const targets = gatherTokens(seq, tf.slice(inverse, [0, kc], [b, kt])); // [B, Kt, Dp]
      return linear(targets, this.projW, this.projB); // [B, Kt, outDim]
    });
  }

  /**
   * The fixed predictor position table `[1, N, Dp]` (owned by the predictor; do not dispose). A RoPE
   * predictor has none (ConfigError).
   *
   * @example
   * predictor.posEmbed().shape; // [1, 32, 32]
   */
  posEmbed(): tf.Tensor {
    if (this.config.useRope) {
      throw new ConfigError('predictor posEmbed', {
        expected: 'a predictor with a fixed sin-cos table (useRope false)',
        received: 'a RoPE predictor (useRope true): positions enter inside every attention, there is no table',
      });
    }
    if (!this.pos) {
      this.pos = tf.keep(tf.tensor3d(this.table, [1, this.numPatches, this.config.predictorEmbedDim], 'float32'));
    }
    return this.pos;
  }

  /**
   * Every variable under its official name (`predictor_embed.weight`, `mask_tokens.0`, ...).
   *
   * @example
   * predictor.variables().get('mask_tokens.1')!.shape; // [1, 1, Dp]
   */
  variables(): Map<string, tf.Variable> {
    return this.store.variables();
  }

  /**
   * The trainable variables.
   *
   * @example
   * optimizer.minimize(loss, false, [...encoder.trainableVariables(), ...predictor.trainableVariables()]);
   */
  trainableVariables(): tf.Variable[] {
    return [...this.store.variables().values()].filter((v) => v.trainable);
  }

  /**
   * Official name -> shape of every variable, plus the fixed `predictor_pos_embed [1, N, Dp]`.
   *
   * @example
   * predictor.expectedShapes()['predictor_pos_embed']; // [1, 32, 32]
   */
  expectedShapes(): Record<string, number[]> {
    if (this.config.useRope) return this.store.expectedShapes();
    return { ...this.store.expectedShapes(), predictor_pos_embed: [1, this.numPatches, this.config.predictorEmbedDim] };
  }

  private fixedTables(): FixedTable[] {
    const c = this.config;
    if (c.useRope) return [];
    return [
      {
        name: 'predictor_pos_embed',
        shape: [1, this.numPatches, c.predictorEmbedDim],
        values: this.table,
        hint: `this predictor uses the fixed sin-cos table (uniformPower ${c.uniformPower}, video ${c.video}, grid ${c.grid.t}x${c.grid.h}x${c.grid.w}); check those settings.`,
      },
    ];
  }

  /**
   * Copies an official (unprefixed) predictor state dict; every missing, unexpected or mis-shaped key
   * is reported at once (CheckpointError) unless `allowPartial`. A sin-cos predictor needs
   * `predictor_pos_embed`, checked against our fixed table (1e-4); a state dict without it is refused as
   * a V-JEPA 2 (RoPE) one. A RoPE predictor refuses a `predictor_pos_embed` as a V-JEPA (sin-cos)
   * checkpoint unless `ignorePosEmbed`.
   *
   * @example
   * predictor.loadStateDict(selectStateDict(ckpt, 'predictor', { file }), { file });
   */
  loadStateDict(sd: StateDict, opts: PredictorLoadOptions = {}): LoadReport {
    const { ignorePosEmbed, ...load } = opts;
    const checked = checkPositionScheme(sd, {
      useRope: this.config.useRope,
      tableKey: 'predictor_pos_embed',
      anchorKey: 'predictor_embed.weight',
      module: 'predictor',
      file: load.file,
      what: load.what,
      allowPartial: load.allowPartial,
      ignorePosEmbed,
      ropeHint: 'build the predictor with useRope: true (official use_rope; predictorConfigFor copies it from a RoPE encoder), or let loadPredictor detect it.',
    });
    return loadParams(this.store, checked, this.fixedTables(), { what: 'predictor', ...load });
  }

  /**
   * The weights as an official float32 state dict (`predictor_pos_embed` included unless RoPE).
   *
   * @example
   * const sd = await predictor.stateDict();
   */
  stateDict(): Promise<StateDict> {
    return paramsStateDict(this.store, this.fixedTables());
  }

  /**
   * An exact copy with its own variables.
   *
   * @example
   * const copy = predictor.clone({ trainable: false });
   */
  clone(opts: { trainable?: boolean } = {}): VJEPAPredictor {
    return new VJEPAPredictor(this.config, {
      seed: this.store.seed,
      trainable: opts.trainable ?? this.store.trainable,
      source: this.store.variables(),
    });
  }

  /**
   * Disposes the variables and the cached position table.
   *
   * @example
   * predictor.dispose();
   */
  dispose(): void {
    this.store.dispose();
    this.pos?.dispose();
    this.pos = undefined;
    this.rotary?.dispose();
  }
}
