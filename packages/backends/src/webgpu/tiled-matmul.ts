import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

// A register-blocked, shared-memory tiled batched matmul for WebGPU: each workgroup of 16x16 threads
// computes a 128x128 tile of C, each thread an 8x8 block, stepping through K in slices of 8 held in
// workgroup memory; transposed operands are read transposed while loading the tiles (no transpose
// kernel), and batches broadcast like tf.matMul. The classic SGEMM layout; whether it beats
// tfjs-backend-webgpu's own BatchMatMul on a given GPU is for the device benchmark to measure
// (bench/device), so it is opt-in: VJEPA_WEBGPU_MATMUL=tiled. Small products go to the stock kernel.

const TILE = 128;
const BK = 8;
const PER = 8; // outputs per thread along each axis
const THREADS = TILE / PER; // 16

interface Backend {
  runWebGPUProgram(program: object, inputs: TensorInfo[], dtype: 'float32', uniforms?: { type: string; data: number[] }[]): TensorInfo;
  disposeData(dataId: object): boolean;
}

class TiledMatMulProgram {
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly variableNames = ['A', 'B'];
  readonly dispatchLayout = { x: [0], y: [1], z: [2] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [THREADS, THREADS, 1];
  readonly uniforms = 'M : i32, N : i32, K : i32, batchA : i32, batchB : i32,';

  constructor(
    batch: number,
    m: number,
    n: number,
    private readonly transposeA: boolean,
    private readonly transposeB: boolean,
  ) {
    this.outputShape = [batch, m, n];
    this.shaderKey = `vjepaTiledMatMul_${transposeA}_${transposeB}`;
    this.dispatch = [Math.ceil(n / TILE), Math.ceil(m / TILE), batch];
  }

  getUserCode(): string {
    // A is [M, K] (or [K, M] when transposed), B is [K, N] (or [N, K]); a batch index past an
    // operand's batch count broadcasts (batch 1).
    const aAt = this.transposeA ? 'A[aBase + k * uniforms.M + m]' : 'A[aBase + m * uniforms.K + k]';
    const bAt = this.transposeB ? 'B[bBase + n * uniforms.K + k]' : 'B[bBase + k * uniforms.N + n]';
    return `
    var<workgroup> As : array<f32, ${BK * TILE}>;
    var<workgroup> Bs : array<f32, ${BK * TILE}>;
    fn main() {
      let tx = i32(localId.x);
      let ty = i32(localId.y);
      let lid = ty * ${THREADS} + tx;
      let col0 = i32(workgroupId.x) * ${TILE};
      let row0 = i32(workgroupId.y) * ${TILE};
      let b = i32(workgroupId.z);
      let aBase = select(b, 0, uniforms.batchA == 1) * uniforms.M * uniforms.K;
      let bBase = select(b, 0, uniforms.batchB == 1) * uniforms.K * uniforms.N;
      var acc : array<array<f32, ${PER}>, ${PER}>;
      for (var i = 0; i < ${PER}; i++) { for (var j = 0; j < ${PER}; j++) { acc[i][j] = 0.0; } }
      for (var k0 = 0; k0 < uniforms.K; k0 += ${BK}) {
        // ${BK * TILE} elements of each tile, ${(BK * TILE) / (THREADS * THREADS)} per thread; stored [k][row].
        for (var e = lid; e < ${BK * TILE}; e += ${THREADS * THREADS}) {
          let kk = e / ${TILE};
          let rr = e % ${TILE};
          let k = k0 + kk;
          let m = row0 + rr;
          let n = col0 + rr;
          As[e] = select(0.0, ${aAt}, k < uniforms.K && m < uniforms.M);
          Bs[e] = select(0.0, ${bAt}, k < uniforms.K && n < uniforms.N);
        }
        workgroupBarrier();
        for (var kk = 0; kk < ${BK}; kk++) {
          var a : array<f32, ${PER}>;
          var bv : array<f32, ${PER}>;
          for (var i = 0; i < ${PER}; i++) {
            a[i] = As[kk * ${TILE} + ty * ${PER} + i];
            bv[i] = Bs[kk * ${TILE} + tx * ${PER} + i];
          }
          for (var i = 0; i < ${PER}; i++) {
            for (var j = 0; j < ${PER}; j++) { acc[i][j] = fma(a[i], bv[j], acc[i][j]); }
          }
        }
        workgroupBarrier();
      }
      let outBase = b * uniforms.M * uniforms.N;
      for (var i = 0; i < ${PER}; i++) {
        let m = row0 + ty * ${PER} + i;
        if (m < uniforms.M) {
          for (var j = 0; j < ${PER}; j++) {
            let n = col0 + tx * ${PER} + j;
            if (n < uniforms.N) { result[outBase + m * uniforms.N + n] = acc[i][j]; }
          }
        }
      }
    }`;
  }
}

/** Products below this many output elements per batch go to the stock kernel (a 128x128 tile would idle). */
const MIN_OUTPUT = 64 * 64;

/**
 * A BatchMatMul kernel config for WebGPU that runs {@link TiledMatMulProgram} on products of at least
 * 64x64 outputs per batch and hands the rest to `stock` (tfjs-backend-webgpu's kernel).
 *
 * @example
 * const stock = tf.getKernel('BatchMatMul', 'webgpu')!;
 * tf.unregisterKernel('BatchMatMul', 'webgpu');
 * tf.registerKernel(tiledBatchMatMulConfig(stock));
 */
export function tiledBatchMatMulConfig(stock: KernelConfig): KernelConfig {
  return {
    kernelName: 'BatchMatMul',
    backendName: 'webgpu',
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const ra = a.shape.length;
      const rb = b.shape.length;
      const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
      const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
      const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
      const batchShapeA = a.shape.slice(0, -2);
      const batchShapeB = b.shape.slice(0, -2);
      const batchA = batchShapeA.reduce((p, s) => p * s, 1);
      const batchB = batchShapeB.reduce((p, s) => p * s, 1);
      // Only the batch layouts this program handles: equal batches, or one side unbatched/batch 1.
      const simpleBatch = batchA === batchB ? tf.util.arraysEqual(batchShapeA, batchShapeB) || batchShapeA.length === 0 || batchShapeB.length === 0 : batchA === 1 || batchB === 1;
      if (m * n < MIN_OUTPUT || a.dtype !== 'float32' || b.dtype !== 'float32' || !simpleBatch) return stock.kernelFunc(args);
      const backend = args.backend as unknown as Backend;
      const batch = Math.max(batchA, batchB);
      const outBatchShape = batchShapeA.length >= batchShapeB.length && batchA >= batchB ? batchShapeA : batchShapeB;
      const program = new TiledMatMulProgram(batch, m, n, transposeA, transposeB);
      const uniforms = [m, n, k, batchA, batchB].map((v) => ({ type: 'int32', data: [v] }));
      const out = backend.runWebGPUProgram(program, [a, b], 'float32', uniforms);
      const reshape = tf.getKernel('Reshape', 'webgpu')!;
      const shaped = reshape.kernelFunc({ inputs: { x: out }, backend: args.backend, attrs: { shape: [...outBatchShape, m, n] } as never }) as TensorInfo;
      backend.disposeData(out.dataId);
      return shaped;
    },
  };
}
