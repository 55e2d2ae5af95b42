import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

// Fused (flash-style) attention for WebGPU: softmax(scale * q k^T) v without ever storing the
// [B, H, M, N] score matrix, forward and backward. Kernel names and contracts are @vjepa/vit's
// FUSED_ATTENTION_KERNEL / FUSED_ATTENTION_GRAD_KERNEL (checked by a test).
//
// Layout: each workgroup owns TR rows (query rows for the forward and dq, key rows for dk/dv) of one
// (batch, head); each thread keeps one row and its accumulators in registers and streams the other
// side through workgroup memory in tiles of TC rows. The forward uses the online softmax (running max
// and sum, accumulator rescaled once per tile) and also returns lse = m + log(l) per query row; the
// backward recomputes p = exp(s - lse) tile by tile (FlashAttention-2's recomputation).

/** @internal the attention kernel names (equal to @vjepa/vit's exports; a test checks). */
export const FUSED_ATTENTION = 'VjepaFusedAttention';
/** @internal */
export const FUSED_ATTENTION_GRAD = 'VjepaFusedAttentionGrad';

const TR = 64; // rows per workgroup = threads per workgroup

interface Backend {
  device: { limits: { maxComputeWorkgroupStorageSize: number } };
  runWebGPUProgram(program: object, inputs: TensorInfo[], dtype: 'float32', uniforms?: { type: string; data: number[] }[]): TensorInfo;
  disposeData(dataId: object): boolean;
}

/** Key/query rows per workgroup-memory tile: two [TC, hd] tiles must fit the device's workgroup storage. */
function tileRows(backend: Backend, hd: number, tiles: number): number {
  const budget = backend.device.limits.maxComputeWorkgroupStorageSize;
  return Math.max(1, Math.min(32, Math.floor(budget / (tiles * hd * 4))));
}

/** Program shell tfjs-backend-webgpu runs: flat 1-D output, 2-D dispatch, our own `main()`. */
abstract class RowProgram {
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly dispatchLayout = { x: [0], y: [1] }; // not flat: tfjs calls main() and we index by workgroup
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [TR, 1, 1];
  readonly uniforms = 'rows : i32, cols : i32, scale : f32, second : i32,'; // second: where the packed second output starts
  abstract readonly variableNames: string[];

  constructor(key: string, outSize: number, rows: number, bh: number) {
    this.outputShape = [outSize];
    this.shaderKey = key;
    this.dispatch = [Math.ceil(rows / TR), bh, 1];
  }

  /** Decodes (batch*head, row) from the workgroup and thread ids, robust to a reshaped dispatch. */
  protected header(): string {
    return `
      let wg = i32(workgroupId.x + workgroupId.y * numWorkgroups.x + workgroupId.z * numWorkgroups.x * numWorkgroups.y);
      let blocks = (uniforms.rows + ${TR - 1}) / ${TR};
      let bh = wg / blocks;
      let row = (wg % blocks) * ${TR} + i32(localId.x);
      let lid = i32(localId.x);
      let valid = row < uniforms.rows;`;
  }

  abstract getUserCode(): string;
}

/** Forward: out [B*H*M*hd] then lse [B*H*M], packed in one flat output. */
class AttentionForwardProgram extends RowProgram {
  readonly variableNames = ['q', 'k', 'v'];
  constructor(
    private readonly hd: number,
    private readonly tc: number,
    bh: number,
    m: number,
  ) {
    // Everything that differs between calls and is written into the shader is in the key (hd, tc).
    super(`vjepaAttnFwd_${hd}_${tc}`, bh * m * (hd + 1), m, bh);
  }

  getUserCode(): string {
    const { hd, tc } = this;
    return `
    var<workgroup> kt : array<f32, ${tc * hd}>;
    var<workgroup> vt : array<f32, ${tc * hd}>;
    fn main() {
      ${this.header()}
      let M = uniforms.rows;
      let N = uniforms.cols;
      let qBase = (bh * M + row) * ${hd};
      let kBase = bh * N * ${hd};
      var qr : array<f32, ${hd}>;
      var acc : array<f32, ${hd}>;
      var s : array<f32, ${tc}>;
      if (valid) {
        for (var c = 0; c < ${hd}; c++) { qr[c] = q[qBase + c] * uniforms.scale; acc[c] = 0.0; }
      }
      var mx = -3.0e38;
      var l = 0.0;
      for (var t = 0; t < N; t += ${tc}) {
        let cnt = min(${tc}, N - t);
        for (var i = lid; i < ${tc * hd}; i += ${TR}) {
          if (i < cnt * ${hd}) {
            kt[i] = k[kBase + t * ${hd} + i];
            vt[i] = v[kBase + t * ${hd} + i];
          }
        }
        workgroupBarrier();
        if (valid) {
          var tileMax = -3.0e38;
          for (var j = 0; j < cnt; j++) {
            var dot = 0.0;
            for (var c = 0; c < ${hd}; c++) { dot += qr[c] * kt[j * ${hd} + c]; }
            s[j] = dot;
            tileMax = max(tileMax, dot);
          }
          let mNew = max(mx, tileMax);
          let corr = exp(mx - mNew);
          l = l * corr;
          for (var c = 0; c < ${hd}; c++) { acc[c] = acc[c] * corr; }
          for (var j = 0; j < cnt; j++) {
            let p = exp(s[j] - mNew);
            l += p;
            for (var c = 0; c < ${hd}; c++) { acc[c] += p * vt[j * ${hd} + c]; }
          }
          mx = mNew;
        }
        workgroupBarrier();
      }
      if (valid) {
        let inv = 1.0 / l;
        for (var c = 0; c < ${hd}; c++) { result[qBase + c] = acc[c] * inv; }
        result[uniforms.second + bh * M + row] = mx + log(l);
      }
    }`;
  }
}

/** Backward for keys: dk [B*H*N*hd] then dv [B*H*N*hd], packed. Streams q, dy, lse, delta. */
class AttentionGradKVProgram extends RowProgram {
  readonly variableNames = ['q', 'k', 'v', 'dy', 'lse', 'delta'];
  constructor(
    private readonly hd: number,
    private readonly tc: number,
    bh: number,
    n: number,
  ) {
    super(`vjepaAttnGradKV_${hd}_${tc}`, 2 * bh * n * hd, n, bh);
  }

  getUserCode(): string {
    const { hd, tc } = this;
    return `
    var<workgroup> qt : array<f32, ${tc * hd}>;
    var<workgroup> gt : array<f32, ${tc * hd}>;
    var<workgroup> lt : array<f32, ${tc}>;
    var<workgroup> dt : array<f32, ${tc}>;
    fn main() {
      ${this.header()}
      let N = uniforms.rows;
      let M = uniforms.cols;
      let kBase = (bh * N + row) * ${hd};
      let qBase = bh * M * ${hd};
      var kr : array<f32, ${hd}>;
      var vr : array<f32, ${hd}>;
      var dk : array<f32, ${hd}>;
      var dv : array<f32, ${hd}>;
      if (valid) {
        for (var c = 0; c < ${hd}; c++) { kr[c] = k[kBase + c]; vr[c] = v[kBase + c]; dk[c] = 0.0; dv[c] = 0.0; }
      }
      for (var t = 0; t < M; t += ${tc}) {
        let cnt = min(${tc}, M - t);
        for (var i = lid; i < ${tc * hd}; i += ${TR}) {
          if (i < cnt * ${hd}) {
            qt[i] = q[qBase + t * ${hd} + i];
            gt[i] = dy[qBase + t * ${hd} + i];
          }
        }
        for (var i = lid; i < cnt; i += ${TR}) {
          lt[i] = lse[bh * M + t + i];
          dt[i] = delta[bh * M + t + i];
        }
        workgroupBarrier();
        if (valid) {
          for (var j = 0; j < cnt; j++) {
            var sdot = 0.0;
            var pdot = 0.0;
            for (var c = 0; c < ${hd}; c++) {
              sdot += qt[j * ${hd} + c] * kr[c];
              pdot += gt[j * ${hd} + c] * vr[c];
            }
            let p = exp(sdot * uniforms.scale - lt[j]);
            let ds = p * (pdot - dt[j]) * uniforms.scale;
            for (var c = 0; c < ${hd}; c++) {
              dv[c] += p * gt[j * ${hd} + c];
              dk[c] += ds * qt[j * ${hd} + c];
            }
          }
        }
        workgroupBarrier();
      }
      if (valid) {
        for (var c = 0; c < ${hd}; c++) {
          result[kBase + c] = dk[c];
          result[uniforms.second + kBase + c] = dv[c];
        }
      }
    }`;
  }
}

/** Backward for queries: dq [B*H*M*hd]. Streams k and v. */
class AttentionGradQProgram extends RowProgram {
  readonly variableNames = ['q', 'k', 'v', 'dy', 'lse', 'delta'];
  constructor(
    private readonly hd: number,
    private readonly tc: number,
    bh: number,
    m: number,
  ) {
    super(`vjepaAttnGradQ_${hd}_${tc}`, bh * m * hd, m, bh);
  }

  getUserCode(): string {
    const { hd, tc } = this;
    return `
    var<workgroup> kt : array<f32, ${tc * hd}>;
    var<workgroup> vt : array<f32, ${tc * hd}>;
    fn main() {
      ${this.header()}
      let M = uniforms.rows;
      let N = uniforms.cols;
      let qBase = (bh * M + row) * ${hd};
      let kBase = bh * N * ${hd};
      var qr : array<f32, ${hd}>;
      var gr : array<f32, ${hd}>;
      var dq : array<f32, ${hd}>;
      var lr = 0.0;
      var dr = 0.0;
      if (valid) {
        for (var c = 0; c < ${hd}; c++) { qr[c] = q[qBase + c]; gr[c] = dy[qBase + c]; dq[c] = 0.0; }
        lr = lse[bh * M + row];
        dr = delta[bh * M + row];
      }
      for (var t = 0; t < N; t += ${tc}) {
        let cnt = min(${tc}, N - t);
        for (var i = lid; i < ${tc * hd}; i += ${TR}) {
          if (i < cnt * ${hd}) {
            kt[i] = k[kBase + t * ${hd} + i];
            vt[i] = v[kBase + t * ${hd} + i];
          }
        }
        workgroupBarrier();
        if (valid) {
          for (var j = 0; j < cnt; j++) {
            var sdot = 0.0;
            var pdot = 0.0;
            for (var c = 0; c < ${hd}; c++) {
              sdot += qr[c] * kt[j * ${hd} + c];
              pdot += gr[c] * vt[j * ${hd} + c];
            }
            let p = exp(sdot * uniforms.scale - lr);
            let ds = p * (pdot - dr) * uniforms.scale;
            for (var c = 0; c < ${hd}; c++) { dq[c] += ds * kt[j * ${hd} + c]; }
          }
        }
        workgroupBarrier();
      }
      if (valid) {
        for (var c = 0; c < ${hd}; c++) { result[qBase + c] = dq[c]; }
      }
    }`;
  }
}

function dims(q: TensorInfo, k: TensorInfo): { b: number; h: number; m: number; n: number; hd: number } {
  const [b, h, m, hd] = q.shape;
  const n = k.shape[2];
  if (q.shape.length !== 4 || k.shape.length !== 4 || k.shape[0] !== b || k.shape[1] !== h || k.shape[3] !== hd) {
    throw new Error(`${FUSED_ATTENTION}: expected q [B, H, M, hd] and k/v [B, H, N, hd], received q [${q.shape}] k [${k.shape}]`);
  }
  return { b, h, m, n, hd };
}

const uniforms = (rows: number, cols: number, scale: number, second = 0) => [
  { type: 'int32', data: [rows] },
  { type: 'int32', data: [cols] },
  { type: 'float32', data: [scale] },
  { type: 'int32', data: [second] },
];

/** Runs another webgpu kernel directly (TensorInfo in, TensorInfo out), as tfjs kernels compose. */
function kernel(name: string, backend: Backend, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown> = {}): TensorInfo {
  const config = tf.getKernel(name, 'webgpu');
  if (!config) throw new Error(`${FUSED_ATTENTION}: the webgpu kernel ${name} is not registered`);
  return config.kernelFunc({ inputs, backend: backend as never, attrs: attrs as never }) as TensorInfo;
}

/** Splits a packed flat output into tensors of the given shapes (a slice and a reshape each). */
function unpack(backend: Backend, flat: TensorInfo, shapes: number[][]): TensorInfo[] {
  let offset = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((p, x) => p * x, 1);
    const part = kernel('Slice', backend, { x: flat }, { begin: [offset], size: [size] });
    offset += size;
    const out = kernel('Reshape', backend, { x: part }, { shape });
    backend.disposeData(part.dataId);
    return out;
  });
}

/**
 * The WebGPU kernels for `VjepaFusedAttention` and `VjepaFusedAttentionGrad` (see the file comment).
 * Registered by `loadWebGpuBackend`.
 *
 * @example
 * for (const config of fusedAttentionWebGpuConfigs()) tf.registerKernel(config);
 */
export function fusedAttentionWebGpuConfigs(): KernelConfig[] {
  const forward: KernelConfig = {
    kernelName: FUSED_ATTENTION,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { q, k, v } = inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
      const be = backend as unknown as Backend;
      const { b, h, m, n, hd } = dims(q, k);
      const scale = (attrs as unknown as { scale: number }).scale;
      const program = new AttentionForwardProgram(hd, tileRows(be, hd, 2), b * h, m);
      const packed = be.runWebGPUProgram(program, [q, k, v], 'float32', uniforms(m, n, scale, b * h * m * hd));
      const outs = unpack(be, packed, [[b, h, m, hd], [b, h, m]]); // out, lse
      be.disposeData(packed.dataId);
      return outs;
    },
  };
  const grad: KernelConfig = {
    kernelName: FUSED_ATTENTION_GRAD,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { q, k, v, out, lse, dy } = inputs as Record<'q' | 'k' | 'v' | 'out' | 'lse' | 'dy', TensorInfo>;
      const be = backend as unknown as Backend;
      const { b, h, m, n, hd } = dims(q, k);
      const scale = (attrs as unknown as { scale: number }).scale;
      // delta_i = sum_c dy_ic * out_ic: the softmax backward's row term, [B, H, M].
      const prod = kernel('Multiply', be, { a: dy, b: out });
      const delta = kernel('Sum', be, { x: prod }, { axis: [3], keepDims: false });
      be.disposeData(prod.dataId);
      const tc = tileRows(be, hd, 2);
      const args = [q, k, v, dy, lse, delta];
      const packedKV = be.runWebGPUProgram(new AttentionGradKVProgram(hd, tc, b * h, n), args, 'float32', uniforms(n, m, scale, b * h * n * hd));
      const dqFlat = be.runWebGPUProgram(new AttentionGradQProgram(hd, tc, b * h, m), args, 'float32', uniforms(m, n, scale));
      be.disposeData(delta.dataId);
      const [dk, dv] = unpack(be, packedKV, [[b, h, n, hd], [b, h, n, hd]]);
      be.disposeData(packedKV.dataId);
      const dq = kernel('Reshape', be, { x: dqFlat }, { shape: [b, h, m, hd] });
      be.disposeData(dqFlat.dataId);
      return [dq, dk, dv];
    },
  };
  return [forward, grad];
}
