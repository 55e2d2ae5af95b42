import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { BackendError } from '@vjepa/errors';
import { type AdapterInfoLike, WEBGPU_HINT, isSoftwareAdapter } from './adapter';

/**
 * What a probe in a child process found: the adapter Dawn offers (or none), and what Dawn printed
 * on stderr while finding it (driver warnings, kept for `--verbose`).
 *
 * @example
 * const probe: AdapterProbe = { adapter: { vendor: 'mesa', device: 'llvmpipe', software: true }, stderr: 'Warning: ...' };
 */
export interface AdapterProbe {
  adapter: (AdapterInfoLike & { software: boolean; name: string }) | null;
  stderr: string;
}

/** One-line adapter name, as `findWebGpuAdapter` gives it: "nvidia nvidia-h200", "mesa llvmpipe-... (software)". */
function adapterName(info: AdapterInfoLike, software: boolean): string {
  const device = (info.device || info.architecture || info.description || 'unknown device').replace(/-+$/, '');
  return `${[info.vendor, device].filter(Boolean).join(' ')}${software ? ' (software)' : ''}`;
}

// Runs in the child: loads Dawn (a dawn.node path, or the `webgpu` package's entry), asks for an
// adapter, prints its info as one JSON line and exits (Dawn's own threads would keep it alive).
const PROBE = `
const [spec, custom] = process.argv.slice(1);
const { createRequire } = await import('node:module');
const dawn = custom === '1' ? createRequire(import.meta.url)(spec) : await import(spec);
const adapter = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' });
const i = adapter?.info ?? {};
const info = adapter ? { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '', isFallbackAdapter: adapter.isFallbackAdapter === true || i.isFallbackAdapter === true } : null;
process.stdout.write(JSON.stringify({ adapter: info }) + '\\n');
process.exit(0);
`;

/**
 * Asks Dawn for a WebGPU adapter in a child process, so that the native warnings Dawn prints on
 * stderr when it creates an adapter (Vulkan driver messages, `XDG_RUNTIME_DIR is invalid`, limits
 * "artificially reduced") stay out of this process's output: `auto` probes first and loads Dawn
 * here only when a hardware adapter exists. Throws BackendError when Dawn cannot be loaded, the
 * probe fails or takes longer than `timeoutMs`.
 *
 * @example
 * const { adapter, stderr } = await probeWebGpuAdapter();
 * if (adapter === null || adapter.software) console.log('no hardware WebGPU adapter');
 */
export async function probeWebGpuAdapter(timeoutMs = 30_000): Promise<AdapterProbe> {
  const custom = process.env.VJEPA_DAWN_NODE;
  let spec: string;
  try {
    spec = custom ? custom : pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
  } catch (e) {
    throw new BackendError('webgpu', { expected: 'the optional `webgpu` package (Dawn for Node)', received: (e instanceof Error ? e.message : String(e)).split('\n')[0], hint: WEBGPU_HINT, cause: e });
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', PROBE, spec, custom ? '1' : '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const fail = (received: string, cause?: unknown): void =>
      reject(new BackendError('webgpu', { expected: 'a WebGPU adapter probe (Dawn in a child process) to answer', received, hint: WEBGPU_HINT, cause }));
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(e.message, e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        const parsed = JSON.parse(line) as { adapter: AdapterInfoLike | null };
        const a = parsed.adapter;
        const software = a !== null && isSoftwareAdapter(a, a.isFallbackAdapter === true);
        resolve({ adapter: a === null ? null : { ...a, software, name: adapterName(a, software) }, stderr: err.trim() });
      } catch {
        const last = err.trim().split('\n').pop() ?? '';
        fail(signal === 'SIGKILL' ? `no answer within ${timeoutMs / 1000} s` : `exit code ${code}${last ? `: ${last.slice(0, 300)}` : ''}`);
      }
    });
  });
}
