import type { BackendSetup } from './setup-backend';

/** The short form of a skip reason: its first clause, at most 80 characters. */
function shortReason(reason: string): string {
  const first = reason.split(/: |; | \(/)[0].trim();
  return first.length > 80 ? `${first.slice(0, 77)}...` : first;
}

/**
 * What an app prints about the backend it set up. By default one line: the backend, what runs the
 * math, and (for `auto`) each backend skipped with the first clause of its reason. With `verbose`,
 * that line followed by every skipped backend's full reason, one per line.
 *
 * @example
 * for (const line of backendSummary(await setupBackend('auto'), { verbose: false })) console.log(line);
 * // backend: wasm (tfjs-backend-wasm (SIMD, 1 thread), ...); auto skipped tfjs-node-gpu (tfjs_binding.node can not be found), webgpu (...)
 */
export function backendSummary(setup: Pick<BackendSetup, 'name' | 'detail' | 'tried'>, options: { verbose?: boolean } = {}): string[] {
  const skipped = setup.tried.filter((t) => !t.ok);
  const why = skipped.length === 0 ? '' : `; auto skipped ${skipped.map((t) => `${t.name} (${shortReason(t.reason)})`).join(', ')}`;
  const lines = [`backend: ${setup.name} (${setup.detail})${why}`];
  if (options.verbose === true) for (const t of skipped) lines.push(`  ${t.name} skipped: ${t.reason}`);
  return lines;
}
