import type { ReplicaGroup } from '@vjepa/trainer';

// The group sum of data-parallel replicas on worker threads, through one SharedArrayBuffer:
// Int32 control words [arrived, generation], then one slot of `capacity` floats per replica. Each
// replica writes its values into its slot, waits for all (a sense-reversing barrier on Atomics),
// sums the slots in rank order (so every replica gets the same bits) and waits again, so that no
// replica overwrites its slot for the next sum while another is still reading.

/** Bytes of the control block (64, so that the float slots stay aligned). */
const CONTROL_BYTES = 64;

/**
 * The shared memory for `replicas` replicas exchanging at most `capacity` floats per sum.
 *
 * @example
 * const sab = sharedSumBuffer(2, 600_000); // hand it to each worker
 */
export function sharedSumBuffer(replicas: number, capacity: number): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES + replicas * capacity * 4);
}

/**
 * One replica's {@link ReplicaGroup} over a {@link sharedSumBuffer}. `sum` blocks with
 * Atomics.wait, so it runs in worker threads only (the main thread may not block).
 *
 * @example
 * const group = new SharedSum(sab, rank, 2, capacity);
 * createTrainer({ ...options, replica: group });
 */
export class SharedSum implements ReplicaGroup {
  private readonly control: Int32Array;
  private readonly slots: Float32Array;

  constructor(
    sab: SharedArrayBuffer,
    readonly rank: number,
    readonly size: number,
    readonly capacity: number,
  ) {
    if (sab.byteLength !== CONTROL_BYTES + size * capacity * 4) {
      throw new Error(`SharedSum: a buffer of ${sab.byteLength} bytes, expected ${CONTROL_BYTES + size * capacity * 4} for ${size} x ${capacity} floats`);
    }
    this.control = new Int32Array(sab, 0, 2);
    this.slots = new Float32Array(sab, CONTROL_BYTES, size * capacity);
  }

  sum(values: Float32Array): Float32Array {
    const n = values.length;
    if (n > this.capacity) throw new Error(`SharedSum: ${n} values, the shared buffer holds ${this.capacity} per replica`);
    this.slots.set(values, this.rank * this.capacity);
    this.barrier();
    const out = this.slots.slice(0, n);
    for (let r = 1; r < this.size; r++) {
      const at = r * this.capacity;
      for (let i = 0; i < n; i++) out[i] += this.slots[at + i];
    }
    this.barrier();
    return out;
  }

  /** The last replica to arrive resets the count, bumps the generation and wakes the others. */
  private barrier(): void {
    const c = this.control;
    const generation = Atomics.load(c, 1);
    if (Atomics.add(c, 0, 1) === this.size - 1) {
      Atomics.store(c, 0, 0);
      Atomics.add(c, 1, 1);
      Atomics.notify(c, 1);
    } else {
      while (Atomics.load(c, 1) === generation) Atomics.wait(c, 1, generation);
    }
  }
}
