import { CheckpointError } from '@vjepa/errors';

/**
 * A Python callable or class the unpickler may use. Only values the caller returns from
 * `resolveGlobal` exist, so a pickle can never name arbitrary code.
 *
 * @example
 * const od = new PyCallable('collections.OrderedDict', () => newDict(), { acceptsState: true });
 */
export class PyCallable {
  constructor(
    readonly qualname: string,
    readonly call: (args: unknown[]) => unknown,
    readonly options: { acceptsState?: boolean } = {},
  ) {}
}

/**
 * Options for {@link unpickle}.
 *
 * @example
 * unpickle(bytes, { where: 'data.pkl', resolveGlobal: () => undefined });
 */
export interface UnpickleOptions {
  /** Where the pickle came from (file and entry), used in every error. */
  where: string;
  /** Maps `module.name` of GLOBAL/STACK_GLOBAL to a value; return undefined to refuse it. */
  resolveGlobal(module: string, name: string): unknown;
  /** Resolves a BINPERSID persistent id (e.g. torch's `('storage', ...)` tuple). */
  persistentLoad?(pid: unknown): unknown;
}

const dictObjects = new WeakSet<object>();
const stateful = new WeakSet<object>();

/**
 * A fresh dict as the unpickler builds it: a plain object with string keys.
 *
 * @example
 * const d = newDict(); // {}
 */
export function newDict(acceptsState = false): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  dictObjects.add(d);
  if (acceptsState) stateful.add(d);
  return d;
}

function setKey(d: Record<string, unknown>, key: unknown, value: unknown): void {
  const k = typeof key === 'string' ? key : typeof key === 'number' || typeof key === 'bigint' || typeof key === 'boolean' || key === null ? String(key === null ? 'None' : key) : JSON.stringify(key, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  Object.defineProperty(d, k, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A restricted unpickler for pickle protocols 0-5 data (no INST/OBJ, no arbitrary globals): dicts
 * become plain objects (keys stringified), lists and tuples arrays, sets arrays, None null, bytes
 * Uint8Array, ints numbers (bigint beyond 2^53). Nothing named by the pickle is ever executed.
 *
 * @example
 * const value = unpickle(bytes, { where: 'ckpt.pth.tar: archive/data.pkl', resolveGlobal: () => undefined });
 */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions): unknown {
  const { where } = opts;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const memo = new Map<number, unknown>();
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  let pos = 0;
  let op = 0;
  let opPos = 0;
  const fail = (expected: string, received: string): CheckpointError =>
    new CheckpointError(`${where}: pickle opcode 0x${op.toString(16)} at byte ${opPos}`, { expected, received, hint: 'The pickle is corrupt or was not written by torch.save.' });
  const need = (n: number): void => {
    if (pos + n > bytes.length) throw fail(`${n} more bytes`, `${bytes.length - pos} (the pickle is truncated)`);
  };
  const u8 = (): number => (need(1), bytes[pos++]);
  const u16 = (): number => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = (): number => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(bytes.length)) throw fail('a length inside the pickle', v.toString());
    return Number(v);
  };
  const take = (n: number): Uint8Array => (need(n), (pos += n), bytes.subarray(pos - n, pos));
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw fail('a newline-terminated argument', 'end of pickle');
    const s = new TextDecoder('latin1').decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const utf8 = (b: Uint8Array): string => new TextDecoder('utf-8').decode(b);
  const latin1 = (b: Uint8Array): string => new TextDecoder('latin1').decode(b);
  const pop = (): unknown => {
    if (stack.length === 0) throw fail('a value on the stack', 'an empty stack');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw fail('a value on the stack', 'an empty stack');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const prev = marks.pop();
    if (prev === undefined) throw fail('a MARK before this opcode', 'none');
    stack = prev;
    return items;
  };
  const asDict = (x: unknown): Record<string, unknown> => {
    if (typeof x !== 'object' || x === null || !dictObjects.has(x)) throw fail('a dict to set items on', describe(x));
    return x as Record<string, unknown>;
  };
  const asList = (x: unknown): unknown[] => {
    if (!Array.isArray(x)) throw fail('a list to append to', describe(x));
    return x;
  };
  const global = (module: string, name: string): unknown => {
    const v = opts.resolveGlobal(module, name);
    if (v === undefined) {
      throw new CheckpointError(`${where}: global "${module}.${name}" is not allowed`, {
        expected: 'only tensors, storages, dicts, OrderedDicts, lists, tuples, strings and numbers',
        received: `a reference to "${module}.${name}"`,
        hint: 'This reader never imports or runs code named by a checkpoint (torch.load(weights_only=True) refuses it too). Re-save the object with only tensors and plain Python values.',
      });
    }
    return v;
  };
  const callable = (f: unknown): PyCallable => {
    if (!(f instanceof PyCallable)) throw fail('an allowed callable', describe(f));
    return f;
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) throw fail(`a memo entry ${i}`, 'none (corrupt pickle)');
    return memo.get(i);
  };
  const int = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const long = (b: Uint8Array): number | bigint => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b.length > 0 && b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return int(v);
  };

  for (;;) {
    opPos = pos;
    if (pos >= bytes.length) throw new CheckpointError(`${where}: pickle`, { expected: 'a STOP opcode', received: 'end of data (truncated pickle)' });
    op = bytes[pos++];
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME: framing is transparent here
      case 0x2e: // STOP
        if (stack.length !== 1) throw fail('exactly one value on the stack at STOP', `${stack.length}`);
        return stack[0];
      case 0x7d: stack.push(newDict()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x8f: stack.push([]); break; // EMPTY_SET
      case 0x28: marks.push(stack); stack = []; break; // MARK
      case 0x85: stack.push([pop()]); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push([a, b]); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push([a, b, c]); break; } // TUPLE3
      case 0x74: case 0x6c: case 0x91: { const items = popMark(); stack.push(items); break; } // TUPLE, LIST, FROZENSET
      case 0x64: { // DICT
        const items = popMark();
        if (items.length % 2 !== 0) throw fail('key/value pairs', `${items.length} items`);
        const d = newDict();
        for (let i = 0; i + 1 < items.length; i += 2) setKey(d, items[i], items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x61: { const v = pop(); asList(top()).push(v); break; } // APPEND
      case 0x65: case 0x90: { const items = popMark(); asList(top()).push(...items); break; } // APPENDS, ADDITEMS
      case 0x73: { const v = pop(); const k = pop(); setKey(asDict(top()), k, v); break; } // SETITEM
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2 !== 0) throw fail('key/value pairs', `${items.length} items`);
        const d = asDict(top());
        for (let i = 0; i + 1 < items.length; i += 2) setKey(d, items[i], items[i + 1]);
        break;
      }
      case 0x4a: need(4); stack.push(view.getInt32(pos, true)); pos += 4; break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(long(take(u8()))); break; // LONG1
      case 0x8b: stack.push(long(take(u32()))); break; // LONG4
      case 0x47: need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; // BINFLOAT (big-endian)
      case 0x58: stack.push(utf8(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(utf8(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8(take(u64()))); break; // BINUNICODE8
      case 0x42: stack.push(take(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(take(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: case 0x96: stack.push(take(u64()).slice()); break; // BINBYTES8, BYTEARRAY8
      case 0x55: stack.push(latin1(take(u8()))); break; // SHORT_BINSTRING
      case 0x54: { need(4); const n = view.getInt32(pos, true); pos += 4; if (n < 0) throw fail('a non-negative length', `${n}`); stack.push(latin1(take(n))); break; } // BINSTRING
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x49: { // INT (protocol 0; "01"/"00" are True/False)
        const s = line();
        if (s === '01' || s === '00') stack.push(s === '01');
        else if (/^[-+]?\d+$/.test(s)) stack.push(int(BigInt(s)));
        else throw fail('a decimal integer', JSON.stringify(s));
        break;
      }
      case 0x4c: { const s = line().replace(/L$/, ''); if (!/^[-+]?\d+$/.test(s)) throw fail('a decimal integer', JSON.stringify(s)); stack.push(int(BigInt(s))); break; } // LONG
      case 0x46: { const s = line(); const v = Number(s); if (Number.isNaN(v) && !/nan/i.test(s)) throw fail('a float', JSON.stringify(s)); stack.push(v); break; } // FLOAT
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(Number.parseInt(line(), 10), top()); break; // PUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      case 0x67: stack.push(memoGet(Number.parseInt(line(), 10))); break; // GET
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x63: { const module = line(); const name = line(); stack.push(global(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw fail('module and name strings', `${describe(module)}, ${describe(name)}`);
        stack.push(global(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const f = callable(pop());
        if (!Array.isArray(args)) throw fail(`an argument tuple for ${f.qualname}`, describe(args));
        stack.push(f.call(args));
        break;
      }
      case 0x81: { const args = pop(); const f = callable(pop()); stack.push(f.call(Array.isArray(args) ? args : [])); break; } // NEWOBJ
      case 0x92: { pop(); const args = pop(); const f = callable(pop()); stack.push(f.call(Array.isArray(args) ? args : [])); break; } // NEWOBJ_EX
      case 0x62: { // BUILD: only objects that accept and ignore state (OrderedDict._metadata)
        const state = pop();
        const target = top();
        if (typeof target !== 'object' || target === null || !stateful.has(target)) {
          throw fail('an object that accepts state (e.g. an OrderedDict)', `BUILD with ${describe(state)} on ${describe(target)}`);
        }
        break;
      }
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) throw fail('no persistent ids', describe(pid));
        stack.push(opts.persistentLoad(pid));
        break;
      }
      default:
        throw fail('a supported opcode of pickle data (no INST/OBJ/PERSID/EXT)', `0x${op.toString(16)} (${JSON.stringify(String.fromCharCode(op))})`);
    }
  }
}

function describe(x: unknown): string {
  if (x === null) return 'None';
  if (Array.isArray(x)) return `a tuple/list of ${x.length}`;
  if (x instanceof PyCallable) return x.qualname;
  if (x instanceof Uint8Array) return `bytes of ${x.length}`;
  if (typeof x === 'object') return dictObjects.has(x) ? 'a dict' : 'an object';
  return `${typeof x} ${String(x).slice(0, 40)}`;
}
