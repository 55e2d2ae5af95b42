import * as tf from '@tensorflow/tfjs-core';
import { BackendError, VjepaError } from '@vjepa/errors';
import { beforeAll, describe, expect, it } from 'vitest';
import { AUTO_ORDER, parseBackendChoice } from './backend-choice';
import { explainNodeGpuFailure } from './loaders';
import { setupBackend } from './setup-backend';
import { wasmPatchState } from './wasm/patch';
import { type AdapterInfoLike, isSoftwareAdapter } from './webgpu/adapter';

// What this machine offers, probed the same way the loaders do, so the tests hold on a GPU machine too.
let nodeGpuError: unknown;
let nodeCpuError: unknown;
let webgpuAdapter = false;
let softwareOnly = false;
beforeAll(async () => {
  const nodeGpu = '@tensorflow/tfjs-node-gpu';
  nodeGpuError = await import(/* @vite-ignore */ nodeGpu).then(() => undefined, (e: unknown) => e ?? new Error('unknown'));
  const nodeCpu = '@tensorflow/tfjs-node';
  nodeCpuError = await import(/* @vite-ignore */ nodeCpu).then(() => undefined, (e: unknown) => e ?? new Error('unknown'));
  try {
    const webgpu = 'webgpu';
    const dawn = (await import(/* @vite-ignore */ webgpu)) as { create(f: string[]): { requestAdapter(): Promise<{ info?: AdapterInfoLike } | null> } };
    const adapter = await dawn.create([]).requestAdapter();
    webgpuAdapter = adapter !== null;
    softwareOnly = adapter !== null && isSoftwareAdapter(adapter.info ?? {});
  } catch {
    webgpuAdapter = false;
  }
});

describe('setupBackend', () => {
  it("'auto' tries backends in order, records each failure with a reason, and activates the first that loads", async () => {
    const lines: string[] = [];
    const setup = await setupBackend('auto', { log: (l) => lines.push(l) });
    const names = setup.tried.map((t) => t.name);
    expect(names).toEqual(AUTO_ORDER.slice(0, names.length));
    expect(setup.tried.at(-1)).toEqual({ name: setup.name, ok: true, reason: '' });
    for (const failed of setup.tried.slice(0, -1)) {
      expect(failed.ok).toBe(false);
      expect(failed.reason.length).toBeGreaterThan(10);
    }
    expect(setup.tfBackend).toBe(tf.getBackend());
    expect(lines).toHaveLength(setup.tried.length);
    expect(setup.detail.length).toBeGreaterThan(0);
  });

  it("'auto' explains a missing tfjs-node-gpu, and skips WebGPU without an adapter or with only a software one", async () => {
    const setup = await setupBackend('auto');
    if (nodeGpuError === undefined) {
      expect(setup.name).toBe('tfjs-node-gpu');
      return;
    }
    expect(setup.tried[0]).toEqual({ name: 'tfjs-node-gpu', ok: false, reason: explainNodeGpuFailure(nodeGpuError) });
    if (webgpuAdapter && !softwareOnly) {
      expect(setup.name).toBe('webgpu');
      return;
    }
    expect(setup.tried[1].name).toBe('webgpu');
    // Without a GPU: either no adapter at all, or lavapipe, which auto refuses (it is slower than wasm).
    expect(setup.tried[1].reason).toMatch(softwareOnly ? /only the software adapter .*llvmpipe.* slower than wasm/ : /no adapter|webgpu/);
    if (nodeCpuError === undefined) {
      expect(setup.name).toBe('tfjs-node');
      return;
    }
    // tfjs-node (libtensorflow on the CPU) comes next, guarded like tfjs-node-gpu: here it is installed unbuilt.
    expect(setup.tried[2]).toEqual({ name: 'tfjs-node', ok: false, reason: explainNodeGpuFailure(nodeCpuError, '@tensorflow/tfjs-node') });
    expect(setup.name).toBe('wasm');
    expect(setup.detail).toMatch(/training patches: segmentSum, matMul, slice, transpose, identity, fused/);
  });

  it('a named backend that cannot load throws a BackendError saying what is missing and how to fix it', async () => {
    if (nodeGpuError !== undefined) {
      const error = await setupBackend('tfjs-node-gpu').catch((e: unknown) => e);
      expect(VjepaError.isInstance(error)).toBe(true);
      expect(BackendError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/tfjs-node-gpu/);
      expect((error as Error).message).toMatch(/onlyBuiltDependencies|approve-builds/);
      expect((error as Error).message).toMatch(/TFJS_NODE_BASE_URI/);
    }
    if (nodeCpuError !== undefined) {
      const error = await setupBackend('tfjs-node').catch((e: unknown) => e);
      expect((error as Error).name).toBe('BackendError');
      expect((error as Error).message).toMatch(/tfjs-node: expected a built native addon .*libtensorflow 2\.9\.1 \(CPU\)/);
      expect((error as Error).message).toMatch(/approve-builds/);
    }
    if (!webgpuAdapter) {
      await expect(setupBackend('webgpu')).rejects.toThrow(/webgpu: expected a WebGPU adapter/);
    }
    // The failed attempts left a working backend active.
    expect(tf.getBackend()).toBeDefined();
  });

  it("'cpu' and 'wasm' load by name; wasm applies the training patches unless told not to", async () => {
    expect((await setupBackend('cpu')).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const stock = await setupBackend('wasm', { wasmPatches: false });
    expect(stock.detail).toMatch(/none \(stock kernels\)/);
    expect(wasmPatchState()).toEqual({ segmentSum: false, matMul: false, slice: false, transpose: false, identity: false, fused: false });
    const patched = await setupBackend('wasm');
    expect(patched).toMatchObject({ name: 'wasm', tfBackend: 'wasm', tried: [{ name: 'wasm', ok: true, reason: '' }] });
    expect(wasmPatchState()).toEqual({ segmentSum: true, matMul: true, slice: true, transpose: true, identity: true, fused: true });
  });

  it('rejects an unknown choice with the list of valid ones', async () => {
    expect(() => parseBackendChoice('gpu')).toThrow(/expected one of auto, tfjs-node-gpu, webgpu, tfjs-node, wasm, cpu, received "gpu"/);
    expect(parseBackendChoice('wasm')).toBe('wasm');
    await expect(setupBackend('gpu' as never)).rejects.toThrow(/backend choice/);
  });
});

describe('explainNodeGpuFailure', () => {
  it('names the unbuilt addon, a missing package, missing CUDA libraries, or passes the message on', () => {
    expect(explainNodeGpuFailure(new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /x'))).toMatch(
      /^tfjs_binding.node can not be found: the native addon was not built \(its install script downloads libtensorflow/,
    );
    expect(explainNodeGpuFailure(Object.assign(new Error("Cannot find package '@tensorflow/tfjs-node-gpu'"), { code: 'ERR_MODULE_NOT_FOUND' }))).toMatch(/not installed/);
    expect(explainNodeGpuFailure(new Error('libcudart.so.11.0: cannot open shared object file'))).toMatch(/CUDA 11.2 and cuDNN 8.1/);
    expect(explainNodeGpuFailure(new Error('something else\nstack'))).toBe('something else');
  });
});
