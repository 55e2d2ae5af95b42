import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { BackendError } from '@vjepa/errors';

/** The export condition that resolves workspace packages to their `src/` (see vitest.config.ts). */
const SOURCE_CONDITION = '--conditions=@vjepa/source';

/**
 * An entry file beside a module (`cli` beside an app's `cli-main`, `probe-worker` beside the pool):
 * `src/<name>.ts` when the code runs from source (tsx, vitest), `dist/<name>.js` when it runs from
 * the tsup build (each such entry is an extra tsup entry, so both builds keep the files side by side).
 *
 * @example
 * const cli = siblingEntry('cli', import.meta.url);
 * cli.path; // ".../apps/eval/src/cli.ts" or ".../apps/eval/dist/cli.js"
 */
export interface SiblingEntry {
  url: URL;
  path: string;
  /** True for a `.ts` file: a new process or thread needs tsx's loader to run it. */
  fromSource: boolean;
}

/**
 * Finds the entry file `name` beside the module at `moduleUrl` (pass `import.meta.url`).
 *
 * @example
 * const worker = siblingEntry('probe-worker', import.meta.url);
 */
export function siblingEntry(name: string, moduleUrl: string): SiblingEntry {
  const fromSource = moduleUrl.endsWith('.ts');
  const url = new URL(`./${name}${fromSource ? '.ts' : '.js'}`, moduleUrl);
  return { url, path: fileURLToPath(url), fromSource };
}

function tsxPackage(): { dir: string; exports: Record<string, unknown> } {
  try {
    const file = createRequire(import.meta.url).resolve('tsx/package.json');
    return { dir: dirname(file), exports: JSON.parse(readFileSync(file, 'utf8')).exports };
  } catch (e) {
    throw new BackendError('tsx (to run vjepa-ts from its TypeScript sources in a new process or thread)', {
      expected: 'the tsx package, a devDependency of the workspace root',
      received: e instanceof Error ? e.message.split('\n')[0] : String(e),
      hint: 'run the built CLI (`pnpm build`, then `node apps/eval/dist/cli.js`), or pass --jobs 1.',
      cause: e,
    });
  }
}

/** tsx's ESM API module (`tsx/esm/api`, whose `register()` installs tsx's hooks in the calling thread). */
function tsxApiUrl(): string {
  const { dir, exports } = tsxPackage();
  const api = exports['./esm/api'] as { import?: { default?: string } } | undefined;
  return pathToFileURL(join(dir, api?.import?.default ?? './dist/esm/api/index.mjs')).href;
}

/**
 * Node options for a child process that runs `entry`: the parent's own options when they already
 * carry tsx's loader (under `tsx`) or when the entry is built JavaScript; otherwise (from source
 * under vitest, say) tsx's loader and the `@vjepa/source` condition.
 *
 * @example
 * const entry = siblingEntry('cli', import.meta.url);
 * spawn(process.execPath, [...childExecArgv(entry), entry.path, 'main', '--train-only', 'pixels']);
 */
export function childExecArgv(entry: SiblingEntry): string[] {
  if (!entry.fromSource || process.execArgv.some((a) => /[\\/]tsx[\\/]/.test(a) || a === 'tsx')) return [...process.execArgv];
  const { dir, exports } = tsxPackage();
  const loader = typeof exports['.'] === 'string' ? exports['.'] : './dist/loader.mjs';
  return ['--import', pathToFileURL(join(dir, loader)).href, SOURCE_CONDITION];
}

/**
 * Starts `entry` in a worker thread. Built JavaScript starts directly. A `.ts` entry starts from a
 * small bootstrap that calls tsx's `register()` in the worker first: on Node 20, loader hooks the
 * parent installed with `--import` (which `tsx` does) do not reach worker threads, so `new Worker`
 * on a `.ts` file fails with "Unknown file extension" even under tsx.
 *
 * @example
 * const worker = startWorker(siblingEntry('probe-worker', import.meta.url), { workerData: { backend: 'cpu' } });
 */
export function startWorker(entry: SiblingEntry, options: WorkerOptions = {}): Worker {
  if (!entry.fromSource) return new Worker(entry.url, options);
  const bootstrap = `import(${JSON.stringify(tsxApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.url.href)}); });`;
  return new Worker(bootstrap, { ...options, eval: true, execArgv: [SOURCE_CONDITION, ...(options.execArgv ?? [])] });
}
