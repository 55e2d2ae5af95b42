// Gradient averaging between data-parallel replicas (worker threads) through one SharedArrayBuffer.
// Layout: Int32 control words [arrived, generation] then R slots of P float32 (one per replica).
// Every replica sums the slots in rank order, so all replicas get bit-identical averages, and
// identical AdamW updates keep the replicas' weights identical without ever sending weights.

/** Bytes of the control block (kept 64-byte aligned so the float slots are too). */
const CONTROL_BYTES = 64;

/**
 * The shared memory for `replicas` replicas of a model with `size` gradient floats.
 *
 * @example
 * const sab = allReduceBuffer(2, 560_000); // hand it to each worker in workerData
 */
export function allReduceBuffer(replicas: number, size: number): SharedArrayBuffer {
  return new SharedArrayBuffer(CONTROL_BYTES + replicas * size * 4);
}

/**
 * One replica's view of the shared buffer.
 *
 * @example
 * const ar = new AllReduce(sab, rank, replicas, size);
 * ar.slot().set(localGradients); const avg = ar.average();
 */
export class AllReduce {
  private readonly control: Int32Array;
  private readonly slots: Float32Array;
  private readonly out: Float32Array;

  constructor(
    sab: SharedArrayBuffer,
    readonly rank: number,
    readonly replicas: number,
    readonly size: number,
  ) {
    if (sab.byteLength !== CONTROL_BYTES + replicas * size * 4) {
      throw new Error(`AllReduce: buffer of ${sab.byteLength} bytes, expected ${CONTROL_BYTES + replicas * size * 4} for ${replicas} x ${size} floats`);
    }
    this.control = new Int32Array(sab, 0, 2);
    this.slots = new Float32Array(sab, CONTROL_BYTES, replicas * size);
    this.out = new Float32Array(size);
  }

  /** This replica's slot: write the local gradients here before `average()`. */
  slot(): Float32Array {
    return this.slots.subarray(this.rank * this.size, (this.rank + 1) * this.size);
  }

  /**
   * Waits for every replica, then returns the mean of all slots (summed in rank order, then
   * divided: identical bits on every replica), and waits again so no replica overwrites its slot
   * for the next step while another is still reading. Blocks with Atomics.wait (worker threads only).
   */
  average(): Float32Array {
    this.barrier();
    const { out, slots, size, replicas } = this;
    out.set(slots.subarray(0, size));
    for (let r = 1; r < replicas; r++) {
      const s = slots.subarray(r * size, (r + 1) * size);
      for (let i = 0; i < size; i++) out[i] += s[i];
    }
    const inv = 1 / replicas;
    for (let i = 0; i < size; i++) out[i] *= inv;
    this.barrier();
    return out;
  }

  /** Sense-reversing barrier: the last replica to arrive bumps the generation and wakes the rest. */
  barrier(): void {
    const c = this.control;
    const gen = Atomics.load(c, 1);
    if (Atomics.add(c, 0, 1) === this.replicas - 1) {
      Atomics.store(c, 0, 0);
      Atomics.add(c, 1, 1);
      Atomics.notify(c, 1);
    } else {
      while (Atomics.load(c, 1) === gen) Atomics.wait(c, 1, gen);
    }
  }
}
