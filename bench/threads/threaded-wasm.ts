// Makes tfjs-backend-wasm's threaded SIMD build (XNNPACK's pthreadpool on Emscripten pthreads)
// run in Node 20. Research prototype for issue 11, not a package: call it BEFORE the wasm backend
// is initialised (before `setupBackend('wasm')` / `tf.setBackend('wasm')`).
//
// Why the stock build runs one thread in Node (three independent causes, all worked around here):
//  1. tfjs's flag WASM_HAS_MULTITHREAD_SUPPORT returns false whenever IS_NODE (tfjs issue 3830), so
//     the single-threaded SIMD binary is loaded. Fix: set the flag to true.
//  2. The pthread worker script is handed to `new Worker()` as a `blob:` URL made with
//     URL.createObjectURL; Node's worker_threads only accepts file paths, file: and data: URLs.
//     Fix: swap worker_threads.Worker (the Emscripten glue `require`s it when the module starts)
//     for a subclass that runs the same worker source from a real file.
//  3. Each worker is then told to load the main glue from `mainScriptUrlOrBlob`, a Blob holding
//     `wasmFactoryThreadedSimd.toString()`. In the Node bundle (dist/tf-backend-wasm.node.js) that
//     function refers to rollup's module-scope names (`require$$0` for fs, `require$$1` for path,
//     `commonjsGlobal`, `__dirname`), which do not exist inside the worker, and a Blob cannot be
//     read by the worker's `importScripts` (fs.readFileSync) anyway. So every pthread dies while
//     loading, the pool never starts, and XNNPACK falls back to the calling thread: "the threaded
//     build loads but runs one thread". Fix: hand the worker the path of the package's own
//     standalone glue file (wasm-out/tfjs-backend-wasm-threaded-simd.js, the same Emscripten
//     build as the bundled copy), which `require`s fs and path itself.
//  4. Even with the pool running, tfjs caps XNNPACK's pool at `emscripten_num_logical_cores() / 2`
//     (src/cc/backend.cc: "many x86-64 processors have 2 threads per core"), a static computed
//     when the module starts; in Node that is `os.cpus().length / 2`, i.e. 1 on a 2-core machine,
//     whatever `setThreadsCount` asks for. Fix: while the module starts, make `os.cpus()` report
//     2 * threads entries (restored by `finishThreadedWasm()`).
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import workerThreads from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';

const here = dirname(fileURLToPath(import.meta.url));
/** Resolves packages the way `@vjepa/backends` does (the wasm backend is its dependency, not the root's). */
export const backendsRequire = createRequire(join(here, '../../packages/backends/package.json'));

/** Absolute path of the installed tfjs-backend-wasm package folder. */
export function wasmPackageDir(): string {
  return dirname(backendsRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

let installed: { workerFile: string; glueFile: string; workersStarted: number } | null = null;

/**
 * Enables the threaded SIMD build for the next wasm backend initialisation, with `threads` XNNPACK
 * threads (the calling thread counts as one, so `threads: 2` starts one helper pthread for XNNPACK;
 * Emscripten also pre-starts a pool of 8 idle workers).
 *
 * @example
 * await enableThreadedWasm({ threads: 2 });
 * await setupBackend('wasm');
 * // describeBackend() now says "2 threads"
 */
export async function enableThreadedWasm(options: { threads: number }): Promise<void> {
  const pkg = wasmPackageDir();
  const glueFile = join(pkg, 'wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const workerSource = (backendsRequire(join(pkg, 'wasm-out/tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string })
    .wasmWorkerContents;
  if (installed === null) {
    // The export is a template literal whose `\n` escapes became real newlines inside string
    // literals; tfjs re-escapes them the same way before making its Blob.
    const source = workerSource.replace(/\n/g, '\\n');
    // One file per worker-source version, shared by every process (written atomically once).
    const dir = join(tmpdir(), 'vjepa-wasm-threads');
    const workerFile = join(dir, `worker-${createHash('sha256').update(source).digest('hex').slice(0, 16)}.cjs`);
    if (!existsSync(workerFile)) {
      mkdirSync(dir, { recursive: true });
      const partial = `${workerFile}.${process.pid}.tmp`;
      writeFileSync(partial, source);
      renameSync(partial, workerFile);
    }
    readFileSync(glueFile); // fail here, clearly, if the package layout changed
    installed = { workerFile, glueFile, workersStarted: 0 };
    const state = installed;
    const Base = workerThreads.Worker;
    class FileWorker extends Base {
      constructor(file: string | URL, opts?: workerThreads.WorkerOptions) {
        const blob = typeof file === 'string' && file.startsWith('blob:');
        super(blob ? state.workerFile : file, opts);
        if (blob) state.workersStarted++;
      }
      override postMessage(value: unknown, transferList?: readonly workerThreads.TransferListItem[]): void {
        const msg = value as { cmd?: string; urlOrBlob?: unknown } | null;
        if (msg && msg.cmd === 'load' && typeof msg.urlOrBlob !== 'string') value = { ...msg, urlOrBlob: state.glueFile };
        super.postMessage(value, transferList);
      }
    }
    (workerThreads as { Worker: typeof workerThreads.Worker }).Worker = FileWorker;
  }
  // Importing the package registers the flag (and the backend); only then can it be overridden.
  const wasm = (await import(backendsRequire.resolve('@tensorflow/tfjs-backend-wasm'))) as { setThreadsCount(n: number): void };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(options.threads);
  if (realCpus === null) {
    const real = os.cpus;
    realCpus = real;
    const cpus = real.call(os);
    (os as { cpus: typeof os.cpus }).cpus = () => Array.from({ length: 2 * options.threads }, (_, i) => cpus[i % cpus.length]);
  }
}

let realCpus: typeof os.cpus | null = null;

/**
 * Restores `os.cpus` after the wasm backend has started (call it after `setupBackend('wasm')`).
 *
 * @example
 * await enableThreadedWasm({ threads: 2 }); await setupBackend('wasm'); finishThreadedWasm();
 */
export function finishThreadedWasm(): void {
  if (realCpus !== null) (os as { cpus: typeof os.cpus }).cpus = realCpus;
  realCpus = null;
}

/**
 * How many pthread workers the shim has started (0 means the threaded build was not used).
 *
 * @example
 * console.log(threadedWasmWorkers());
 */
export function threadedWasmWorkers(): number {
  return installed?.workersStarted ?? 0;
}
