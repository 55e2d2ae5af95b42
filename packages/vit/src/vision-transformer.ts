import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, ShapeError } from '@vjepa/errors';
import type { LoadReport, StateDict } from '@vjepa/io';
import { Block } from './block';
import { type TokenGrid, type VitConfig, type VitConfigInput, isVideoConfig, resolveVitConfig, tokenGrid } from './config';
import { gatherTokens } from './gather-tokens';
import { type IndicesInput, resolveIndices } from './indices';
import { imageAsVideo } from './layout';
import { layerNorm } from './layer-norm';
import { type FixedTable, type LoadOptions, loadParams, paramsStateDict } from './module-state';
import { ParamStore } from './param-store';
import { PatchEmbed3D } from './patch-embed';
import { posTable, resamplePosTable } from './pos-table';
import { checkPositionScheme } from './position-scheme';
import { RotaryCache } from './rope';

/** Construction options of a {@link VisionTransformer}. */
export interface VitOptions {
  /** Seed of the initial weights (default 0). Same seed, same weights. */
  seed?: number;
  /** Whether the variables are trainable (default true). */
  trainable?: boolean;
  /** @internal copy initial values from these tensors (used by `clone`). */
  source?: ReadonlyMap<string, tf.Tensor>;
}

/** Options of {@link VisionTransformer.loadStateDict}. */
export interface VitLoadOptions extends LoadOptions {
  /**
   * RoPE models only: drop a `pos_embed` the state dict carries instead of refusing it as a V-JEPA
   * (sin-cos) checkpoint. Released V-JEPA 2 `.pt` files still hold an unused one. Default false.
   */
  ignorePosEmbed?: boolean;
}

/** Options of {@link VisionTransformer.apply}. */
export interface VitApplyOptions {
  /** Kept token indices per sample, int32 `[B, K]`: tokens are gathered before the blocks. */
  indices?: IndicesInput;
  /** Range-check index values (default true; reads a tensor back synchronously). */
  checkIndices?: boolean;
}

/**
 * The V-JEPA encoder: a ViT without cls token over space-time patches. Patch embedding, plus the
 * fixed sin-cos position table (resampled when the clip's token grid differs from the config),
 * optional gather of kept tokens, pre-norm blocks, final LayerNorm `norm`. Variables carry the official
 * names and shapes, so official checkpoints load by copy. With `useRope` (V-JEPA 2) there is no table:
 * every attention rotates q and k by each token's (frame, row, column) in the clip's own token grid,
 * taken from the kept indices when tokens are dropped.
 *
 * @example
 * const vit = new VisionTransformer({ embedDim: 64, depth: 2, numHeads: 4, patchSize: 8, numFrames: 4, imgSize: 32 }, { seed: 0 });
 * const feats = tf.tidy(() => vit.apply(tf.zeros([1, 4, 32, 32, 3]))); // [1, 32, 64]
 */
export class VisionTransformer {
  readonly config: Readonly<VitConfig>;
  /** Token grid of the configured clip size. */
  readonly grid: TokenGrid;
  /** Tokens of the configured clip size (`t*h*w`). */
  readonly numPatches: number;
  /** True for the 3-D (video) patch embedding and table. */
  readonly video: boolean;
  private readonly store: ParamStore;
  private readonly patchEmbed: PatchEmbed3D;
  private readonly blocks: Block[] = [];
  private readonly normW: tf.Variable;
  private readonly normB: tf.Variable;
  private readonly table: Float32Array;
  private readonly posCache = new Map<string, tf.Tensor>();
  private readonly rotary?: RotaryCache;
  /**
   * Activation checkpointing (the reference's `use_activation_checkpointing`): while a gradient tape
   * records, each block keeps only its input and is recomputed in the backward pass. Less memory for
   * one more forward pass of the blocks; the same numbers. A runtime switch (not saved with the
   * weights). Default false.
   */
  activationCheckpointing = false;

  constructor(config: VitConfigInput, opts: VitOptions = {}) {
    this.config = resolveVitConfig(config);
    const c = this.config;
    this.video = isVideoConfig(c);
    this.grid = tokenGrid(c);
    this.numPatches = this.grid.t * this.grid.h * this.grid.w;
    this.table = c.useRope ? new Float32Array(0) : posTable(c.embedDim, this.grid, { video: this.video, uniformPower: c.uniformPower });
    if (c.useRope) this.rotary = new RotaryCache(c.embedDim / c.numHeads);
    this.store = new ParamStore({ seed: opts.seed, trainable: opts.trainable, scope: 'vit', source: opts.source });
    this.patchEmbed = new PatchEmbed3D(this.store, 'patch_embed', {
      embedDim: c.embedDim,
      patchSize: c.patchSize,
      tubeletSize: c.tubeletSize,
      inChans: c.inChans,
      video: this.video,
      initStd: c.initStd,
    });
    for (let i = 0; i < c.depth; i++) {
      this.blocks.push(
        new Block(this.store, `blocks.${i}`, {
          dim: c.embedDim,
          numHeads: c.numHeads,
          mlpRatio: c.mlpRatio,
          eps: c.layerNormEps,
          initStd: c.initStd,
          outputScale: 1 / Math.sqrt(2 * (i + 1)),
        }),
      );
    }
    this.normW = this.store.add('norm.weight', [c.embedDim], { kind: 'ones' });
    this.normB = this.store.add('norm.bias', [c.embedDim], { kind: 'zeros' });
  }

  /**
   * Encodes a channels-last clip `[B, T, H, W, C]` (or images `[B, H, W, C]`, repeated along time to
   * `numFrames` for video models) into token features `[B, N, D]`, or `[B, K, D]` for the kept
   * `indices`. Shapes are validated with ShapeError; call inside `tf.tidy` or dispose the result.
   *
   * @example
   * const ctx = vit.apply(clip, { indices: ctxIdx }); // [B, Kc, D]
   */
  apply(x: tf.Tensor, opts: VitApplyOptions = {}): tf.Tensor {
    const c = this.config;
    if (!(x instanceof tf.Tensor) || x.isDisposed) {
      throw new ShapeError('vit input', { expected: `a live tf.Tensor [B, T, H, W, ${c.inChans}]`, received: x instanceof tf.Tensor ? 'a disposed tensor' : typeof x });
    }
    if (x.dtype !== 'float32') throw new ShapeError('vit input dtype', { expected: 'float32', received: x.dtype });
    if (x.rank !== 4 && x.rank !== 5) {
      throw new ShapeError('vit input', {
        expected: `rank 5 [B, T, H, W, ${c.inChans}] (or rank 4 images [B, H, W, ${c.inChans}])`,
        received: `[${x.shape.join(', ')}]`,
        hint: 'official clips are channels-first [B, 3, T, H, W]: convert them with channelsFirstToLast(x).',
      });
    }
    const [b, t, h, w, ch] = x.rank === 5 ? x.shape : [x.shape[0], this.video ? c.numFrames : 1, ...x.shape.slice(1)];
    const shape = `[${x.shape.join(', ')}]`;
    if (ch !== c.inChans) {
      throw new ShapeError('vit input channels (last axis)', {
        expected: `${c.inChans}`,
        received: `${ch} in ${shape}`,
        hint: ch === undefined || x.shape[1] === c.inChans ? 'the input looks channels-first: use channelsFirstToLast(x).' : undefined,
      });
    }
    const tb = this.video ? c.tubeletSize : 1;
    if (!this.video && t !== 1) {
      throw new ShapeError('vit input frames (axis 1)', { expected: '1 for an image model (numFrames 1)', received: `${t} in ${shape}` });
    }
    if (b < 1 || t < 1 || t % tb !== 0) {
      throw new ShapeError('vit input frames (axis 1)', { expected: `a positive multiple of tubeletSize ${tb}`, received: `${t} in ${shape}` });
    }
    if (h < 1 || h % c.patchSize !== 0) {
      throw new ShapeError('vit input height (axis 2)', { expected: `a positive multiple of patchSize ${c.patchSize}`, received: `${h} in ${shape}` });
    }
    if (w < 1 || w % c.patchSize !== 0) {
      throw new ShapeError('vit input width (axis 3)', { expected: `a positive multiple of patchSize ${c.patchSize}`, received: `${w} in ${shape}` });
    }
    const grid: TokenGrid = { t: t / tb, h: h / c.patchSize, w: w / c.patchSize };
    const n = grid.t * grid.h * grid.w;
    const idx = opts.indices === undefined ? undefined : resolveIndices(opts.indices, 'vit indices', b, n, opts.checkIndices ?? true);
    const rotary = this.rotary;
    const pos = rotary ? null : this.posEmbed(grid);
    try {
      return tf.tidy(() => {
        const clip = x.rank === 5 ? x : this.video ? imageAsVideo(x, t) : tf.reshape(x, [b, 1, h, w, ch]); // [B, T, H, W, C]
        const embedded = this.patchEmbed.apply(clip); // [B, N, D]
        let tokens = pos ? tf.add(embedded, pos) : embedded; // [B, N, D]
        if (idx) tokens = gatherTokens(tokens, idx.tensor); // [B, K, D]
        // RoPE: positions of the kept tokens in this clip's grid (the reference's handle_nonsquare_inputs)
        const rope = rotary ? rotary.embedding(grid, idx?.tensor) : undefined; // cos/sin [B or 1, 1, N or K, hd]
        for (const block of this.blocks) tokens = block.apply(tokens, { rope, recompute: this.activationCheckpointing });
        return layerNorm(tokens, this.normW, this.normB, c.layerNormEps); // [B, N or K, D]
      });
    } finally {
      if (idx?.owned) idx.tensor.dispose();
    }
  }

  /**
   * The fixed position table `[1, N, D]` for a token grid (default: the configured one), resampled as
   * the reference does when the grid differs. Cached and owned by the model: do not dispose it.
   *
   * @example
   * const pos = vit.posEmbed(); // [1, 32, 64]
   */
  posEmbed(grid: TokenGrid = this.grid): tf.Tensor {
    if (this.config.useRope) {
      throw new ConfigError('vit posEmbed', {
        expected: 'a model with a fixed sin-cos table (useRope false)',
        received: 'a RoPE model (useRope true): positions enter inside every attention, there is no table',
      });
    }
    const key = `${grid.t}x${grid.h}x${grid.w}`;
    let pos = this.posCache.get(key);
    if (!pos) {
      const d = this.config.embedDim;
      const table = resamplePosTable(this.table, d, this.grid, grid, this.video);
      pos = tf.keep(tf.tensor3d(table, [1, grid.t * grid.h * grid.w, d], 'float32'));
      this.posCache.set(key, pos);
    }
    return pos;
  }

  /**
   * Every variable under its official name (`patch_embed.proj.weight`, `blocks.0.attn.qkv.weight`, ...).
   *
   * @example
   * vit.variables().get('blocks.0.attn.qkv.weight')!.shape; // [192, 64]
   */
  variables(): Map<string, tf.Variable> {
    return this.store.variables();
  }

  /**
   * The trainable variables (empty for a `clone({ trainable: false })`).
   *
   * @example
   * optimizer.minimize(loss, false, vit.trainableVariables());
   */
  trainableVariables(): tf.Variable[] {
    return [...this.store.variables().values()].filter((v) => v.trainable);
  }

  /**
   * Official name -> shape of every variable, plus the fixed `pos_embed [1, N, D]` (none with RoPE).
   *
   * @example
   * vit.expectedShapes()['pos_embed']; // [1, 32, 64]
   */
  expectedShapes(): Record<string, number[]> {
    if (this.config.useRope) return this.store.expectedShapes();
    return { ...this.store.expectedShapes(), pos_embed: [1, this.numPatches, this.config.embedDim] };
  }

  private fixedTables(): FixedTable[] {
    if (this.config.useRope) return [];
    return [
      {
        name: 'pos_embed',
        shape: [1, this.numPatches, this.config.embedDim],
        values: this.table,
        hint: `this model uses the fixed sin-cos table (uniformPower ${this.config.uniformPower}, grid ${this.grid.t}x${this.grid.h}x${this.grid.w}); check uniformPower, numFrames, tubeletSize, imgSize and patchSize.`,
      },
    ];
  }

  /**
   * Copies an official (unprefixed) state dict into the variables. Every missing, unexpected or
   * mis-shaped key is reported at once (CheckpointError) unless `allowPartial`. A sin-cos model needs
   * `pos_embed`, equal to our fixed table within 1e-4 (else CheckpointError: wrong position settings);
   * a state dict without it is refused as a V-JEPA 2 (RoPE) one. A RoPE model refuses a `pos_embed`
   * as a V-JEPA (sin-cos) checkpoint unless `ignorePosEmbed`.
   *
   * @example
   * const ckpt = readTorchCheckpoint(bytes, { file });
   * vit.loadStateDict(selectStateDict(ckpt, 'target_encoder', { file }), { file });
   */
  loadStateDict(sd: StateDict, opts: VitLoadOptions = {}): LoadReport {
    const { ignorePosEmbed, ...load } = opts;
    const checked = checkPositionScheme(sd, {
      useRope: this.config.useRope,
      tableKey: 'pos_embed',
      anchorKey: 'patch_embed.proj.weight',
      module: 'encoder',
      file: load.file,
      what: load.what,
      allowPartial: load.allowPartial,
      ignorePosEmbed,
    });
    return loadParams(this.store, checked, this.fixedTables(), { what: 'vit', ...load });
  }

  /**
   * The weights as an official state dict (float32, PyTorch layouts, `pos_embed` included unless RoPE).
   *
   * @example
   * const sd = await vit.stateDict();
   * writeSafetensors(sd);
   */
  stateDict(): Promise<StateDict> {
    return paramsStateDict(this.store, this.fixedTables());
  }

  /**
   * An exact copy with its own variables, e.g. the EMA target encoder: `clone({ trainable: false })`.
   *
   * @example
   * const target = encoder.clone({ trainable: false });
   */
  clone(opts: { trainable?: boolean } = {}): VisionTransformer {
    return new VisionTransformer(this.config, {
      seed: this.store.seed,
      trainable: opts.trainable ?? this.store.trainable,
      source: this.store.variables(),
    });
  }

  /**
   * Disposes the variables and cached position tables.
   *
   * @example
   * vit.dispose();
   */
  dispose(): void {
    this.store.dispose();
    for (const t of this.posCache.values()) t.dispose();
    this.posCache.clear();
    this.rotary?.dispose();
  }
}
