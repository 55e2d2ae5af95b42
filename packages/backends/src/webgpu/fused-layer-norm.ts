import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';

// Fused layer norm for WebGPU (@vjepa/vit's FUSED_LAYER_NORM_KERNEL / FUSED_LAYER_NORM_GRAD_KERNEL).
// Forward: a row-statistics program (one workgroup per row: mean, then the biased variance of the
// centred values, as the composed op) and an element-wise normalise program: 2 dispatches instead of
// ~8. Backward: one workgroup per row for dx (two row reductions), and, with gain and bias, a
// column-partials program over chunks of rows plus one Sum for dgamma and dbeta.

/** @internal the layer-norm kernel names (equal to @vjepa/vit's exports; a test checks). */
export const FUSED_LAYER_NORM_NAMES = { forward: 'VjepaLayerNorm', grad: 'VjepaLayerNormGrad' } as const;

const WG = 64;
const CHUNK = 256; // rows per column-partials workgroup

interface Backend {
  runWebGPUProgram(program: object, inputs: TensorInfo[], dtype: 'float32', uniforms?: { type: string; data: number[] }[]): TensorInfo;
  disposeData(dataId: object): boolean;
}

/** A program with our own `main()` over a 2-D dispatch of workgroups (tfjs supplies the bindings). */
class GridProgram {
  readonly outputShape: number[];
  readonly dispatchLayout = { x: [0], y: [1] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly uniforms = 'rows : i32, cols : i32, eps : f32,';

  constructor(
    readonly shaderKey: string,
    readonly variableNames: string[],
    outSize: number,
    dispatch: [number, number],
    private readonly code: string,
  ) {
    this.outputShape = [outSize];
    this.dispatch = [dispatch[0], dispatch[1], 1];
  }

  getUserCode(): string {
    return this.code;
  }
}

const WORKGROUP_INDEX = 'let wg = i32(workgroupId.x + workgroupId.y * numWorkgroups.x + workgroupId.z * numWorkgroups.x * numWorkgroups.y);';

/** Sums `red[0..WG)` in place; every thread sees the total in red[0] after the last barrier. */
const REDUCE = `
      workgroupBarrier();
      for (var s = ${WG / 2}; s > 0; s = s / 2) {
        if (lid < s) { red[lid] += red[lid + s]; }
        workgroupBarrier();
      }`;

function statsProgram(rows: number): GridProgram {
  const code = `
    var<workgroup> red : array<f32, ${WG}>;
    fn main() {
      ${WORKGROUP_INDEX}
      let row = wg;
      let lid = i32(localId.x);
      let D = uniforms.cols;
      let base = row * D;
      var acc = 0.0;
      for (var j = lid; j < D; j += ${WG}) { acc += x[base + j]; }
      red[lid] = acc;
      ${REDUCE}
      let mean = red[0] / f32(D);
      workgroupBarrier();
      acc = 0.0;
      for (var j = lid; j < D; j += ${WG}) { let c = x[base + j] - mean; acc += c * c; }
      red[lid] = acc;
      ${REDUCE}
      if (lid == 0) {
        result[row * 2] = mean;
        result[row * 2 + 1] = inverseSqrt(red[0] / f32(D) + uniforms.eps);
      }
    }`;
  return new GridProgram('vjepaLnStats', ['x'], rows * 2, [rows, 1], code);
}

function normalizeProgram(rows: number, cols: number, affine: boolean): GridProgram {
  const names = affine ? ['x', 'stats', 'gamma', 'beta'] : ['x', 'stats'];
  const code = `
    fn main() {
      ${WORKGROUP_INDEX}
      let index = wg * ${WG} + i32(localId.x);
      let D = uniforms.cols;
      if (index < uniforms.rows * D) {
        let row = index / D;
        let y = (x[index] - stats[row * 2]) * stats[row * 2 + 1];
        result[index] = ${affine ? 'y * gamma[index % D] + beta[index % D]' : 'y'};
      }
    }`;
  return new GridProgram(`vjepaLnNormalize_${affine}`, names, rows * cols, [Math.ceil((rows * cols) / WG), 1], code);
}

/** dx for one row per workgroup: rstd * (g*dy - mean(g*dy) - xhat * mean(g*dy*xhat)). */
function dxProgram(rows: number, cols: number, affine: boolean): GridProgram {
  const names = affine ? ['x', 'stats', 'dy', 'gamma'] : ['x', 'stats', 'dy'];
  const gdy = affine ? 'dy[base + j] * gamma[j]' : 'dy[base + j]';
  const code = `
    var<workgroup> red : array<f32, ${WG}>;
    fn main() {
      ${WORKGROUP_INDEX}
      let row = wg;
      let lid = i32(localId.x);
      let D = uniforms.cols;
      let base = row * D;
      let mean = stats[row * 2];
      let rstd = stats[row * 2 + 1];
      var acc = 0.0;
      for (var j = lid; j < D; j += ${WG}) { acc += ${gdy}; }
      red[lid] = acc;
      ${REDUCE}
      let s1 = red[0] / f32(D);
      workgroupBarrier();
      acc = 0.0;
      for (var j = lid; j < D; j += ${WG}) { acc += ${gdy} * (x[base + j] - mean) * rstd; }
      red[lid] = acc;
      ${REDUCE}
      let s2 = red[0] / f32(D);
      for (var j = lid; j < D; j += ${WG}) {
        let xhat = (x[base + j] - mean) * rstd;
        result[base + j] = rstd * (${gdy} - s1 - xhat * s2);
      }
    }`;
  return new GridProgram(`vjepaLnDx_${affine}`, names, rows * cols, [rows, 1], code);
}

/** Per chunk of rows, column sums of dy*xhat (dgamma) and dy (dbeta): output [chunks, 2, D]. */
function partialsProgram(rows: number, cols: number): GridProgram {
  const chunks = Math.ceil(rows / CHUNK);
  const code = `
    fn main() {
      let colBlocks = (uniforms.cols + ${WG - 1}) / ${WG};
      ${WORKGROUP_INDEX}
      let chunk = wg / colBlocks;
      let col = (wg % colBlocks) * ${WG} + i32(localId.x);
      let D = uniforms.cols;
      if (col < D) {
        var dg = 0.0;
        var db = 0.0;
        let end = min(uniforms.rows, (chunk + 1) * ${CHUNK});
        for (var r = chunk * ${CHUNK}; r < end; r++) {
          let g = dy[r * D + col];
          dg += g * (x[r * D + col] - stats[r * 2]) * stats[r * 2 + 1];
          db += g;
        }
        result[(chunk * 2) * D + col] = dg;
        result[(chunk * 2 + 1) * D + col] = db;
      }
    }`;
  return new GridProgram('vjepaLnPartials', ['x', 'stats', 'dy'], chunks * 2 * cols, [Math.ceil(cols / WG) * chunks, 1], code);
}

function kernel(name: string, backend: Backend, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown> = {}): TensorInfo {
  const config = tf.getKernel(name, 'webgpu');
  if (!config) throw new Error(`VjepaLayerNorm: the webgpu kernel ${name} is not registered`);
  return config.kernelFunc({ inputs, backend: backend as never, attrs: attrs as never }) as TensorInfo;
}

const uni = (rows: number, cols: number, eps = 0) => [
  { type: 'int32', data: [rows] },
  { type: 'int32', data: [cols] },
  { type: 'float32', data: [eps] },
];

/**
 * The WebGPU kernels for `VjepaLayerNorm` and `VjepaLayerNormGrad`. Registered by `loadWebGpuBackend`.
 *
 * @example
 * for (const config of fusedLayerNormWebGpuConfigs()) tf.registerKernel(config);
 */
export function fusedLayerNormWebGpuConfigs(): KernelConfig[] {
  const forward: KernelConfig = {
    kernelName: FUSED_LAYER_NORM_NAMES.forward,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, gamma, beta } = inputs as { x: TensorInfo; gamma?: TensorInfo; beta?: TensorInfo };
      const { eps, affine } = attrs as unknown as { eps: number; affine: boolean };
      const be = backend as unknown as Backend;
      const cols = x.shape[x.shape.length - 1];
      const rows = x.shape.reduce((p, s) => p * s, 1) / cols;
      const statsFlat = be.runWebGPUProgram(statsProgram(rows), [x], 'float32', uni(rows, cols, eps));
      const stats = kernel('Reshape', be, { x: statsFlat }, { shape: [rows, 2] });
      be.disposeData(statsFlat.dataId);
      const args = affine ? [x, stats, gamma as TensorInfo, beta as TensorInfo] : [x, stats];
      const yFlat = be.runWebGPUProgram(normalizeProgram(rows, cols, affine), args, 'float32', uni(rows, cols));
      const y = kernel('Reshape', be, { x: yFlat }, { shape: [...x.shape] });
      be.disposeData(yFlat.dataId);
      return [y, stats];
    },
  };
  const grad: KernelConfig = {
    kernelName: FUSED_LAYER_NORM_NAMES.grad,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, gamma, stats, dy } = inputs as { x: TensorInfo; gamma?: TensorInfo; stats: TensorInfo; dy: TensorInfo };
      const { affine } = attrs as unknown as { affine: boolean };
      const be = backend as unknown as Backend;
      const cols = x.shape[x.shape.length - 1];
      const rows = x.shape.reduce((p, s) => p * s, 1) / cols;
      const dxFlat = be.runWebGPUProgram(dxProgram(rows, cols, affine), affine ? [x, stats, dy, gamma as TensorInfo] : [x, stats, dy], 'float32', uni(rows, cols));
      const dx = kernel('Reshape', be, { x: dxFlat }, { shape: [...x.shape] });
      be.disposeData(dxFlat.dataId);
      if (!affine) return [dx];
      const partials = be.runWebGPUProgram(partialsProgram(rows, cols), [x, stats, dy], 'float32', uni(rows, cols));
      const shaped = kernel('Reshape', be, { x: partials }, { shape: [Math.ceil(rows / CHUNK), 2, cols] });
      be.disposeData(partials.dataId);
      const sums = kernel('Sum', be, { x: shaped }, { axis: [0], keepDims: false }); // [2, D]
      be.disposeData(shaped.dataId);
      const dgamma = kernel('Slice', be, { x: sums }, { begin: [0, 0], size: [1, cols] });
      const dbeta = kernel('Slice', be, { x: sums }, { begin: [1, 0], size: [1, cols] });
      be.disposeData(sums.dataId);
      const out = [dx, kernel('Reshape', be, { x: dgamma }, { shape: [cols] }), kernel('Reshape', be, { x: dbeta }, { shape: [cols] })];
      be.disposeData(dgamma.dataId);
      be.disposeData(dbeta.dataId);
      return out;
    },
  };
  return [forward, grad];
}
