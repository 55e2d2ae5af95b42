import { BackendError } from '@vjepa/errors';

/** One error Dawn reported through `uncapturederror` or `device.lost`. */
export interface WebGpuErrorRecord {
  /** `GPUValidationError`, `GPUOutOfMemoryError`, `GPUInternalError` or `device lost`. */
  readonly kind: string;
  /** Dawn's message (its first lines). */
  readonly message: string;
  /** The kernel (tfjs program class) that was running when it was reported, if known. */
  readonly kernel: string | null;
}

/**
 * What {@link guardWebGpuBackend} installed: every error seen so far, and a check to call at any point.
 *
 * @example
 * const guard = guardWebGpuBackend(backend, device);
 * guard.check('after the step'); // throws BackendError if Dawn reported anything
 */
export interface WebGpuErrorGuard {
  /** Every error reported since the guard was installed (kept for the report; at most 100). */
  readonly errors: readonly WebGpuErrorRecord[];
  /** The device-lost reason, once the device is lost. */
  readonly lost: string | null;
  /**
   * Throws a BackendError if an error was reported since the last check or the device is lost; after
   * one failure every later check throws too (queued work is lost, so later results cannot be trusted).
   */
  check(where: string): void;
}

interface DeviceLike {
  addEventListener(type: 'uncapturederror', listener: (event: { error: { message: string; constructor: { name: string } }; preventDefault?(): void }) => void): void;
  readonly lost: Promise<{ reason?: string; message?: string }>;
}

interface ProgramLike {
  constructor: { name: string };
  shaderKey?: string;
}

type AnyFn = (...args: never[]) => unknown;

/** The backend methods the guard wraps (tfjs-backend-webgpu's WebGPUBackend has them all). */
interface GuardedBackend {
  runWebGPUProgram: AnyFn;
  read: AnyFn;
  readSync: AnyFn;
  submitQueue: AnyFn;
}

const HINTS: Record<string, string> = {
  GPUOutOfMemoryError: 'the GPU ran out of memory: lower data.batch_size (or the crop / frames), or use a GPU with more memory',
  'device lost': 'the GPU device was lost (a driver reset, a hung kernel or exhausted memory); the run cannot continue on it: resume from the last checkpoint',
};
const DEFAULT_HINT =
  'a WebGPU kernel was rejected or failed, so its results would be garbage: rerun with --backend wasm (or cpu) and report this message with the adapter line printed at start';

/**
 * Makes WebGPU failures loud. tfjs-backend-webgpu never looks at Dawn's errors: a pipeline the driver
 * rejects (too many storage buffers, an invalid shader) leaves its output buffer untouched and the
 * run goes on with zeros. The guard listens to the device's `uncapturederror` and `lost` events and
 * wraps the backend's `runWebGPUProgram`, `submitQueue`, `read` and `readSync`: when Dawn reported
 * an error during a call (Dawn reports validation errors synchronously, inside the call that caused
 * them), the call throws a BackendError naming the kernel and the error; errors reported later
 * (out of memory, device lost) surface at the next submit or read-back. After a failure the backend
 * refuses all further work (what was queued with the failed kernel is lost). Idempotent per backend.
 *
 * @example
 * const backend = new WebGPUBackend(device, info);
 * const guard = guardWebGpuBackend(backend, device);
 */
export function guardWebGpuBackend(backend: object, device: DeviceLike): WebGpuErrorGuard {
  const existing = (backend as { __vjepaGuard?: WebGpuErrorGuard }).__vjepaGuard;
  if (existing) return existing;
  const errors: WebGpuErrorRecord[] = [];
  let pending: WebGpuErrorRecord[] = [];
  let lost: string | null = null;
  let running: string | null = null;

  const record = (r: WebGpuErrorRecord) => {
    pending.push(r);
    if (errors.length < 100) errors.push(r);
  };
  device.addEventListener('uncapturederror', (event) => {
    event.preventDefault?.();
    record({ kind: event.error?.constructor?.name || 'GPUError', message: shorten(event.error?.message), kernel: running });
  });
  void device.lost.then((info) => {
    lost = `${info?.reason ?? 'unknown'}${info?.message ? `: ${shorten(info.message)}` : ''}`;
    record({ kind: 'device lost', message: lost, kernel: running });
  });

  let failed: string | null = null;
  const check = (where: string) => {
    if (failed !== null) {
      // Work queued before the failure (in the same command encoder) is lost or invalid: nothing
      // computed on this device since can be trusted, so every later call fails too.
      throw new BackendError(`webgpu: unusable after an earlier failure (${where})`, {
        expected: 'a healthy WebGPU device',
        received: failed,
        hint: 'restart the run: it resumes from the last checkpoint written before the failure',
      });
    }
    if (pending.length === 0 && lost === null) return;
    const first = pending[0] ?? { kind: 'device lost', message: lost ?? '', kernel: null };
    const count = pending.length;
    const messages = pending.map((p) => p.message).join(' ');
    pending = [];
    // Dawn names the pipeline (tfjs labels it with the program class) in the message: trust that over
    // the kernel that happened to be running when a deferred error (at submit) was reported.
    const labelled = /"([A-Za-z0-9_]+Program[A-Za-z0-9_]*)"/.exec(messages)?.[1];
    const name = labelled ?? first.kernel;
    const kernel = name ? `kernel ${name}` : 'a queued kernel';
    failed = `${kernel} failed: ${first.kind}: ${first.message}`;
    throw new BackendError(`webgpu: ${kernel} failed (${where})`, {
      expected: 'no WebGPU error',
      received: `${first.kind}: ${first.message}${count > 1 ? ` (and ${count - 1} more error${count > 2 ? 's' : ''})` : ''}`,
      hint: HINTS[first.kind] ?? DEFAULT_HINT,
    });
  };

  const b = backend as unknown as GuardedBackend;
  const run = b.runWebGPUProgram.bind(backend) as (program: ProgramLike, ...rest: unknown[]) => unknown;
  b.runWebGPUProgram = ((program: ProgramLike, ...rest: unknown[]) => {
    check('before a kernel');
    running = program?.constructor?.name ?? 'unknown';
    try {
      const out = run(program, ...rest);
      check(`while running ${running}`);
      return out;
    } finally {
      running = null;
    }
  }) as AnyFn;
  for (const method of ['submitQueue', 'readSync'] as const) {
    const original = b[method].bind(backend) as (...args: unknown[]) => unknown;
    b[method] = ((...args: unknown[]) => {
      const out = original(...args);
      check(method);
      return out;
    }) as AnyFn;
  }
  const read = b.read.bind(backend) as (...args: unknown[]) => Promise<unknown>;
  b.read = (async (...args: unknown[]) => {
    check('read-back');
    const out = await read(...args);
    check('read-back');
    return out;
  }) as AnyFn;

  const guard: WebGpuErrorGuard = {
    get errors() {
      return errors;
    },
    get lost() {
      return lost;
    },
    check,
  };
  Object.defineProperty(backend, '__vjepaGuard', { value: guard });
  return guard;
}

/** Dawn messages repeat the call chain over many lines; keep the first two, bounded. */
function shorten(message: unknown): string {
  const text = typeof message === 'string' ? message : String(message);
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 2).join(' | ').slice(0, 400);
}
