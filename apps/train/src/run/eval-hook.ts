import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * What `--then-eval` hands to apps/eval: the finished run. apps/eval's programmatic API is expected
 * to export `runEmbeddedEval(options: ThenEvalOptions): Promise<unknown>` from its `src/index.ts`
 * (built to `dist/index.js`).
 *
 * @example
 * const options: ThenEvalOptions = { runFolder: 'runs/tiny-cpu', checkpoint: 'runs/tiny-cpu/...', encoderExport: '...', backend: 'wasm' };
 */
export interface ThenEvalOptions {
  /** The run folder (resolved config, checkpoints, metrics). */
  runFolder: string;
  /** The final training checkpoint. */
  checkpoint: string | null;
  /** The encoder exported in the official layout. */
  encoderExport: string | null;
  /** The backend the training used (already set up). */
  backend: string;
  /** The resolved training config. */
  config: unknown;
  /** Where evaluation messages go. */
  log?: (line: string) => void;
}

/** The function names the hook looks for in apps/eval, first found wins. */
export const EVAL_ENTRY_POINTS = ['runEmbeddedEval', 'runEvaluation', 'runEval'] as const;

type EvalFn = (options: ThenEvalOptions) => Promise<unknown>;

/**
 * Finds apps/eval's programmatic entry point next to this app (source under tsx/vitest, dist when
 * built), or returns a reason why evaluation is not available. apps/train does not depend on
 * apps/eval at install time; this is the one place the two meet.
 *
 * @example
 * const found = await findEvalEntryPoint();
 * if ('run' in found) await found.run(options); else console.log(found.reason);
 */
export async function findEvalEntryPoint(): Promise<{ run: EvalFn; name: string } | { reason: string }> {
  const here = dirname(fileURLToPath(import.meta.url));
  let dir = here;
  let appsDir: string | null = null;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'apps', 'eval', 'package.json'))) {
      appsDir = join(dir, 'apps');
      break;
    }
    dir = dirname(dir);
  }
  if (appsDir === null) return { reason: 'apps/eval was not found next to apps/train' };
  const isSource = here.includes(`${join('train', 'src')}`);
  const candidates = isSource ? [join(appsDir, 'eval', 'src', 'index.ts'), join(appsDir, 'eval', 'dist', 'index.js')] : [join(appsDir, 'eval', 'dist', 'index.js')];
  const file = candidates.find((c) => existsSync(c));
  if (file === undefined) return { reason: `apps/eval is not built (no ${candidates.join(' or ')})` };
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    return { reason: `apps/eval failed to load: ${(e as Error).message}` };
  }
  for (const name of EVAL_ENTRY_POINTS) {
    if (typeof mod[name] === 'function') return { run: mod[name] as EvalFn, name };
  }
  return { reason: `apps/eval does not export ${EVAL_ENTRY_POINTS.join(' / ')} yet` };
}
