/**
 * Options for {@link previewValue}.
 *
 * @example
 * previewValue(stride, { maxLength: 80 });
 */
export interface PreviewOptions {
  /** Most characters of the result, before the trailing ellipsis (default 200). */
  maxLength?: number;
  /** Most levels of nested arrays and objects shown; deeper ones print as `[…]` / `{…}` (default 4). */
  maxDepth?: number;
}

const UNPRINTABLE = '[unprintable value]';

/**
 * Shortens a string to `max` characters, saying how much was cut (never splits a surrogate pair).
 *
 * @example
 * truncateText('x'.repeat(1000), 10); // "xxxxxxxxxx… (990 more characters)"
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, Math.floor(max));
  const code = text.charCodeAt(cut - 1);
  if (cut > 0 && code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}… (${text.length - cut} more characters)`;
}

/**
 * A short, printable rendering of any value for an error message, built without ever throwing:
 * JSON for plain JSON values (so `{"loss":"NaN"}` prints as JSON.stringify would), digits for
 * bigints, `NaN`/`Infinity` as such, `[Circular]` for cycles, typed arrays by class and first
 * elements, errors by name and message. Strings, arrays and objects are cut at `maxLength`
 * characters and `maxDepth` levels, so a 400 MB string or a million-deep list costs microseconds.
 * Values whose getters or proxies throw print as `[unprintable value]`.
 *
 * @example
 * previewValue([18446744073709551616n, 1]); // "[18446744073709551616,1]"
 * previewValue({ loss: 'NaN', lr: 0.1 });    // '{"loss":"NaN","lr":0.1}'
 */
export function previewValue(value: unknown, opts: PreviewOptions = {}): string {
  const maxLength = opts.maxLength ?? 200;
  const maxDepth = opts.maxDepth ?? 4;
  try {
    const out = new Writer(maxLength);
    write(value, out, maxDepth, new Set());
    return out.result();
  } catch {
    return UNPRINTABLE;
  }
}

/** Collects output until `max` characters, then ignores the rest. */
class Writer {
  private readonly parts: string[] = [];
  private length = 0;
  constructor(private readonly max: number) {}

  get full(): boolean {
    return this.length > this.max;
  }

  push(text: string): void {
    if (this.full) return;
    // cut long pieces now so that a huge string is never copied whole
    const piece = text.length > this.max + 1 ? text.slice(0, this.max + 1) : text;
    this.parts.push(piece);
    this.length += piece.length;
  }

  result(): string {
    const s = this.parts.join('');
    return s.length > this.max ? `${s.slice(0, this.max)}…` : s;
  }
}

function write(v: unknown, out: Writer, depth: number, ancestors: Set<object>): void {
  if (out.full) return;
  switch (typeof v) {
    case 'string':
      out.push(JSON.stringify(v.length > 4096 ? v.slice(0, 4096) : v));
      return;
    case 'number':
      out.push(String(v)); // NaN and Infinity as such, not null as JSON would
      return;
    case 'bigint':
      out.push(v.toString());
      return;
    case 'boolean':
      out.push(v ? 'true' : 'false');
      return;
    case 'undefined':
      out.push('undefined');
      return;
    case 'symbol':
      out.push(v.toString());
      return;
    case 'function':
      out.push(`[function ${typeof v.name === 'string' && v.name ? v.name.slice(0, 80) : '(anonymous)'}]`);
      return;
  }
  if (v === null) {
    out.push('null');
    return;
  }
  const o = v as object;
  if (ancestors.has(o)) {
    out.push('[Circular]');
    return;
  }
  if (o instanceof Error) {
    out.push(`${String(o.name).slice(0, 80)}: ${JSON.stringify(String(o.message).slice(0, 1000)).slice(1, -1)}`);
    return;
  }
  if (ArrayBuffer.isView(o)) {
    const name = o.constructor?.name ?? 'ArrayBufferView';
    if (o instanceof DataView) {
      out.push(`DataView(${o.byteLength})`);
      return;
    }
    const arr = o as unknown as ArrayLike<number | bigint>;
    out.push(`${name}(${arr.length}) [`);
    for (let i = 0; i < arr.length && !out.full; i++) out.push(`${i > 0 ? ',' : ''}${String(arr[i])}`);
    out.push(']');
    return;
  }
  if (o instanceof Date) {
    out.push(Number.isNaN(o.getTime()) ? 'Invalid Date' : JSON.stringify(o.toISOString()));
    return;
  }
  const isArray = Array.isArray(o);
  if (depth <= 0) {
    out.push(isArray ? '[…]' : '{…}');
    return;
  }
  ancestors.add(o);
  if (isArray) {
    const a = o as unknown[];
    out.push('[');
    for (let i = 0; i < a.length && !out.full; i++) {
      if (i > 0) out.push(',');
      const item = a[i];
      // JSON prints holes, undefined and functions inside arrays as null
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') out.push('null');
      else write(item, out, depth - 1, ancestors);
    }
    out.push(']');
  } else {
    out.push('{');
    let first = true;
    for (const k in o) {
      if (out.full) break;
      if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
      const item = (o as Record<string, unknown>)[k];
      if (item === undefined || typeof item === 'function' || typeof item === 'symbol') continue; // as JSON does
      if (!first) out.push(',');
      first = false;
      out.push(`${JSON.stringify(k.length > 1024 ? k.slice(0, 1024) : k)}:`);
      write(item, out, depth - 1, ancestors);
    }
    out.push('}');
  }
  ancestors.delete(o);
}
