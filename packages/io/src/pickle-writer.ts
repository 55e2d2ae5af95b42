/**
 * A minimal protocol-2 pickle emitter: the caller drives opcodes; helpers encode ints, floats,
 * strings and memoised globals the way CPython's pickler does.
 *
 * @example
 * const p = new PickleWriter(); p.proto(); p.none(); p.stop(); const bytes = p.bytes();
 */
export class PickleWriter {
  private buf = new Uint8Array(1024);
  private len = 0;
  private readonly memo = new Map<string, number>();
  private nextMemo = 0;
  private readonly enc = new TextEncoder();

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Appends raw bytes. */
  raw(...bytes: number[]): void {
    this.ensure(bytes.length);
    for (const b of bytes) this.buf[this.len++] = b;
  }

  private u32(v: number): void {
    this.raw(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  }

  /** PROTO 2. */
  proto(): void {
    this.raw(0x80, 2);
  }

  /** STOP. */
  stop(): void {
    this.raw(0x2e);
  }

  /** MARK. */
  mark(): void {
    this.raw(0x28);
  }

  /** NONE. */
  none(): void {
    this.raw(0x4e);
  }

  /** NEWTRUE / NEWFALSE. */
  bool(v: boolean): void {
    this.raw(v ? 0x88 : 0x89);
  }

  /** BININT1 / BININT2 / BININT / LONG1, whichever is shortest. */
  int(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v < 256) this.raw(0x4b, v);
    else if (typeof v === 'number' && v >= 0 && v < 65536) this.raw(0x4d, v & 0xff, v >> 8);
    else if (typeof v === 'number' && v >= -2147483648 && v <= 2147483647) {
      this.raw(0x4a);
      this.u32(v >>> 0);
    } else {
      // LONG1: little-endian two's complement, as few bytes as keep the sign
      let x = BigInt(v);
      const out: number[] = [];
      for (;;) {
        out.push(Number(x & 0xffn));
        x >>= 8n;
        const signBit = (out[out.length - 1] & 0x80) !== 0;
        if ((x === 0n && !signBit) || (x === -1n && signBit)) break;
      }
      this.raw(0x8a, out.length, ...out);
    }
  }

  /** BINFLOAT (big-endian double). */
  float(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false);
    this.raw(0x47, ...b);
  }

  /** BINUNICODE. */
  str(s: string): void {
    const b = this.enc.encode(s);
    this.raw(0x58);
    this.u32(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** GLOBAL `module name`, memoised with BINPUT/LONG_BINPUT and re-used with BINGET/LONG_BINGET. */
  global(module: string, name: string): void {
    const key = `${module}\n${name}`;
    const i = this.memo.get(key);
    if (i !== undefined) {
      if (i < 256) this.raw(0x68, i);
      else {
        this.raw(0x6a);
        this.u32(i);
      }
      return;
    }
    this.raw(0x63, ...this.enc.encode(`${module}\n${name}\n`));
    const m = this.nextMemo++;
    this.memo.set(key, m);
    if (m < 256) this.raw(0x71, m);
    else {
      this.raw(0x72);
      this.u32(m);
    }
  }

  /** A tuple of ints: EMPTY_TUPLE, TUPLE1-3 or MARK ... TUPLE. */
  intTuple(values: readonly number[]): void {
    if (values.length === 0) return this.raw(0x29);
    if (values.length > 3) this.mark();
    for (const v of values) this.int(v);
    this.raw(values.length === 1 ? 0x85 : values.length === 2 ? 0x86 : values.length === 3 ? 0x87 : 0x74);
  }

  /** The pickle so far. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}
