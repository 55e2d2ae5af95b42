import { backend_util, type KernelConfig, type TensorInfo } from '@tensorflow/tfjs-core';

// Fused element-wise kernels for WebGPU: GELU and its gradient, the AdamW update, the EMA update.
// Each replaces a chain of tfjs kernels (GELU: 5 forward, ~8 backward; AdamW: ~10 per parameter;
// EMA: 3 per parameter) by one dispatch per output, computing the same formulas in the same order.
// Kernel names and contracts: @vjepa/vit's FUSED_GELU_KERNEL / FUSED_GELU_GRAD_KERNEL, @vjepa/optim's
// FUSED_ADAMW_KERNEL / FUSED_EMA_KERNEL (a test checks the names).

/** @internal kernel names (equal to @vjepa/vit's and @vjepa/optim's exports; a test checks). */
export const FUSED_ELEMENTWISE_NAMES = { gelu: 'VjepaGelu', geluGrad: 'VjepaGeluGrad', adamw: 'VjepaAdamW', ema: 'VjepaEma' } as const;

interface Backend {
  runWebGPUProgram(program: object, inputs: TensorInfo[], dtype: 'float32', uniforms?: { type: string; data: number[] }[]): TensorInfo;
}

const WG = 64;

/** An element-wise program over flat float32 buffers of one shape: `result[i] = <expr of inputs[i]>`. */
class ElementwiseProgram {
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly workgroupSize: [number, number, number] = [WG, 1, 1];
  readonly size = true;
  readonly variableNames: string[];
  readonly uniforms: string;

  constructor(
    name: string,
    shape: readonly number[],
    variableNames: string[],
    uniformNames: string[],
    private readonly body: string,
    private readonly helpers = '',
  ) {
    this.outputShape = shape.length > 0 ? [...shape] : [1];
    this.shaderKey = name;
    this.variableNames = variableNames;
    this.uniforms = uniformNames.map((u) => `${u} : f32,`).join(' ');
    this.dispatchLayout = { x: this.outputShape.map((_, i) => i) }; // flat: tfjs calls main(global index)
    this.dispatch = [Math.ceil(this.outputShape.reduce((p, s) => p * s, 1) / WG), 1, 1];
  }

  getUserCode(): string {
    return `
    ${this.helpers}
    fn main(index : i32) {
      if (index < uniforms.size) {
        ${this.body}
      }
    }`;
  }
}

// tfjs's own erf approximation (Abramowitz and Stegun 7.1.26) with its constants, so the fused GELU
// uses the same erf as the composed one on every tfjs backend.
const ERF = `
    fn vjepaErf(a : f32) -> f32 {
      let t = 1.0 / (1.0 + ${backend_util.ERF_P} * abs(a));
      return sign(a) * (1.0 - (((((${backend_util.ERF_A5} * t + ${backend_util.ERF_A4}) * t) + ${backend_util.ERF_A3}) * t + ${backend_util.ERF_A2}) * t + ${backend_util.ERF_A1}) * t * exp(-abs(a) * abs(a)));
    }`;

function run(backend: unknown, program: ElementwiseProgram, inputs: TensorInfo[], uniforms: number[]): TensorInfo {
  return (backend as Backend).runWebGPUProgram(program, inputs, 'float32', uniforms.map((u) => ({ type: 'float32', data: [u] })));
}

/**
 * The fused element-wise WebGPU kernels (GELU, its gradient, AdamW, EMA). Registered by
 * `loadWebGpuBackend`.
 *
 * @example
 * for (const config of fusedElementwiseWebGpuConfigs()) tf.registerKernel(config);
 */
export function fusedElementwiseWebGpuConfigs(): KernelConfig[] {
  const n = FUSED_ELEMENTWISE_NAMES;
  return [
    {
      kernelName: n.gelu,
      backendName: 'webgpu',
      kernelFunc: ({ inputs, backend }) => {
        const x = inputs.x as TensorInfo;
        const p = new ElementwiseProgram('vjepaGelu', x.shape, ['x'], [], 'let a = x[index]; result[index] = (a * 0.5) * (1.0 + vjepaErf(a * 0.7071067811865476));', ERF);
        return run(backend, p, [x], []);
      },
    },
    {
      kernelName: n.geluGrad,
      backendName: 'webgpu',
      kernelFunc: ({ inputs, backend }) => {
        const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
        const body = `let a = x[index];
        result[index] = dy[index] * (0.5 * (1.0 + vjepaErf(a * 0.7071067811865476)) + a * exp(-0.5 * a * a) * 0.3989422804014327);`;
        return run(backend, new ElementwiseProgram('vjepaGeluGrad', x.shape, ['x', 'dy'], [], body, ERF), [x, dy], []);
      },
    },
    {
      kernelName: n.adamw,
      backendName: 'webgpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { param, grad, m, v } = inputs as Record<'param' | 'grad' | 'm' | 'v', TensorInfo>;
        const a = attrs as unknown as { decay: number; beta1: number; beta2: number; stepSize: number; bc2Sqrt: number; eps: number };
        const shape = [...param.shape];
        // The three outputs as three dispatches, each the reference formula in the reference order.
        const m1 = run(backend, new ElementwiseProgram('vjepaAdamWm', shape, ['m', 'g'], ['c1'], 'result[index] = m[index] + (g[index] - m[index]) * uniforms.c1;'), [m, grad], [1 - a.beta1]);
        const v1 = run(
          backend,
          new ElementwiseProgram('vjepaAdamWv', shape, ['v', 'g'], ['b2', 'c2'], 'result[index] = v[index] * uniforms.b2 + (g[index] * g[index]) * uniforms.c2;'),
          [v, grad],
          [a.beta2, 1 - a.beta2],
        );
        const body = `let denom = sqrt(v1[index]) / uniforms.bc2 + uniforms.eps;
        result[index] = p[index] * uniforms.decay - (m1[index] / denom) * uniforms.step;`;
        const p1 = run(backend, new ElementwiseProgram('vjepaAdamWp', shape, ['p', 'm1', 'v1'], ['decay', 'bc2', 'eps', 'step'], body), [param, m1, v1], [a.decay, a.bc2Sqrt, a.eps, a.stepSize]);
        return [p1, m1, v1];
      },
    },
    {
      kernelName: n.ema,
      backendName: 'webgpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { target, online } = inputs as { target: TensorInfo; online: TensorInfo };
        const { momentum, rest } = attrs as unknown as { momentum: number; rest: number };
        const shape = [...target.shape];
        const p = new ElementwiseProgram('vjepaEma', shape, ['t', 'e'], ['mom', 'rest'], 'result[index] = t[index] * uniforms.mom + e[index] * uniforms.rest;');
        return run(backend, p, [target, online], [momentum, rest]);
      },
    },
  ];
}
