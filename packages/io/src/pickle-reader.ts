import { CheckpointError, previewValue } from '@vjepa/errors';
import { DEFAULT_MAX_DEPTH, checkLimit } from './read-limits';

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
  /**
   * Deepest nesting of lists, tuples and dicts accepted (default 100): deeper values, and values
   * that contain themselves, are refused at STOP, so no consumer recursing over the result can
   * overflow the call stack.
   */
  maxDepth?: number;
  /**
   * Most lists, tuples, dicts, marks and calls the pickle may create (default 1,000,000): each
   * costs tens of bytes per byte of pickle, so a 10 MB pickle of `EMPTY_DICT`s would otherwise
   * make 10M objects (a gigabyte).
   */
  maxObjects?: number;
}

/** Python refuses to convert int strings longer than this (sys.get_int_max_str_digits, 3.11+). */
const MAX_INT_DIGITS = 4300;
/** Longest LONG1/LONG4 payload accepted: 8 KiB, a 65536-bit integer (torch stores 64-bit ints). */
const MAX_LONG_BYTES = 8192;

/** Default of `maxObjects`: a checkpoint's pickle makes ~10 per tensor, so a few tens of thousands. */
const DEFAULT_MAX_OBJECTS = 1_000_000;

/**
 * A fresh dict as the unpickler builds it: a plain object with string keys. (`acceptsState` is
 * kept for compatibility; whether BUILD is accepted now follows the callable that made the object.)
 *
 * @example
 * const d = newDict(); // {}
 */
export function newDict(_acceptsState = false): Record<string, unknown> {
  return {};
}

/**
 * A dict is a plain object (prototype Object.prototype): the unpickler makes them with newDict and
 * allowed callables return them. Tested by prototype, not a WeakSet: a WeakSet holding millions of
 * objects from a hostile pickle makes every garbage collection crawl (minutes for 4M).
 */
function isDict(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
}

function isContainer(x: unknown): x is object {
  return Array.isArray(x) || isDict(x);
}

function setKey(d: Record<string, unknown>, key: unknown, value: unknown): void {
  const k = typeof key === 'string' ? key : typeof key === 'number' || typeof key === 'boolean' || key === null ? String(key === null ? 'None' : key) : previewValue(key, { maxLength: 1000 });
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
  const maxDepth = checkLimit('maxDepth', opts.maxDepth, DEFAULT_MAX_DEPTH);
  const maxObjects = checkLimit('maxObjects', opts.maxObjects, DEFAULT_MAX_OBJECTS);
  let objects = 0;
  // objects made by callables that accept BUILD state (OrderedDict and its _metadata)
  const stateful = new Set<object>();
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
    if (!isDict(x)) throw fail('a dict to set items on', describe(x));
    return x;
  };
  const asList = (x: unknown): unknown[] => {
    if (!Array.isArray(x)) throw fail('a list to append to', describe(x));
    return x;
  };
  const global = (module: string, name: string): unknown => {
    const v = opts.resolveGlobal(module, name);
    if (v === undefined) {
      const q = previewValue(`${module.slice(0, 200)}.${name.slice(0, 200)}`, { maxLength: 160 });
      throw new CheckpointError(`${where}: global ${q} is not allowed`, {
        expected: 'only tensors, storages, dicts, OrderedDicts, lists, tuples, strings and numbers',
        received: `a reference to ${q}`,
        hint: 'This reader never imports or runs code named by a checkpoint (torch.load(weights_only=True) refuses it too). Re-save the object with only tensors and plain Python values.',
      });
    }
    return v;
  };
  const callable = (f: unknown): PyCallable => {
    if (!(f instanceof PyCallable)) throw fail('an allowed callable', describe(f));
    return f;
  };
  const call = (f: PyCallable, args: unknown[]): unknown => {
    const v = f.call(args);
    if (f.options.acceptsState && typeof v === 'object' && v !== null) stateful.add(v);
    return v;
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) throw fail(`a memo entry ${i}`, 'none (corrupt pickle)');
    return memo.get(i);
  };
  const int = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    if (b.length > MAX_LONG_BYTES) throw fail(`an integer of at most ${MAX_LONG_BYTES} bytes`, `${b.length} bytes`);
    // little-endian two's complement; through hex, which is linear (shifting byte by byte is quadratic)
    let hexText = '';
    for (let i = b.length - 1; i >= 0; i--) hexText += b[i].toString(16).padStart(2, '0');
    let v = BigInt(`0x${hexText}`);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return int(v);
  };
  const decimal = (s: string): number | bigint => {
    if (!/^[-+]?\d+$/.test(s)) throw fail('a decimal integer', previewValue(s, { maxLength: 80 }));
    if (s.length - (s[0] === '-' || s[0] === '+' ? 1 : 0) > MAX_INT_DIGITS) throw fail(`a decimal integer of at most ${MAX_INT_DIGITS} digits (Python's own limit)`, `${s.length} characters`);
    return int(BigInt(s));
  };

  for (;;) {
    opPos = pos;
    if (pos >= bytes.length) throw new CheckpointError(`${where}: pickle`, { expected: 'a STOP opcode', received: 'end of data (truncated pickle)' });
    op = bytes[pos++];
    // opcodes that create a list, tuple, dict, mark or call (the only ones whose results outgrow their bytes)
    if (CREATES_OBJECT[op] === 1 && ++objects > maxObjects) {
      throw fail(`at most ${maxObjects} lists, tuples, dicts, marks and calls (maxObjects)`, 'more; a checkpoint makes about ten per tensor, so this pickle is corrupt or hostile');
    }
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME: framing is transparent here
      case 0x2e: // STOP
        if (stack.length !== 1) throw fail('exactly one value on the stack at STOP', `${stack.length}`);
        checkNesting(stack[0], maxDepth, fail);
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
      case 0x65: case 0x90: { // APPENDS, ADDITEMS (a loop: spreading a million items overflows the call stack)
        const items = popMark();
        const list = asList(top());
        for (let i = 0; i < items.length; i++) list.push(items[i]);
        break;
      }
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
        stack.push(s === '01' || s === '00' ? s === '01' : decimal(s));
        break;
      }
      case 0x4c: stack.push(decimal(line().replace(/L$/, ''))); break; // LONG
      case 0x46: { const s = line(); const v = Number(s); if (Number.isNaN(v) && !/nan/i.test(s)) throw fail('a float', previewValue(s, { maxLength: 80 })); stack.push(v); break; } // FLOAT
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
        stack.push(call(f, args));
        break;
      }
      case 0x81: { const args = pop(); const f = callable(pop()); stack.push(call(f, Array.isArray(args) ? args : [])); break; } // NEWOBJ
      case 0x92: { pop(); const args = pop(); const f = callable(pop()); stack.push(call(f, Array.isArray(args) ? args : [])); break; } // NEWOBJ_EX
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
        throw fail('a supported opcode of pickle data (no INST/OBJ/PERSID/EXT)', `0x${op.toString(16)} (${previewValue(String.fromCharCode(op))})`);
    }
  }
}

/** 1 for EMPTY_DICT/LIST/TUPLE/SET, MARK, TUPLE1-3, DICT, REDUCE, NEWOBJ, NEWOBJ_EX, BINPERSID. */
const CREATES_OBJECT = (() => {
  const t = new Uint8Array(256);
  for (const op of [0x7d, 0x5d, 0x29, 0x8f, 0x28, 0x85, 0x86, 0x87, 0x64, 0x52, 0x81, 0x92, 0x51]) t[op] = 1;
  return t;
})();

function describe(x: unknown): string {
  if (x === null) return 'None';
  if (Array.isArray(x)) return `a tuple/list of ${x.length}`;
  if (x instanceof PyCallable) return previewValue(x.qualname, { maxLength: 80 });
  if (x instanceof Uint8Array) return `bytes of ${x.length}`;
  if (typeof x === 'object') return isDict(x) ? 'a dict' : 'an object';
  return `${typeof x} ${previewValue(x, { maxLength: 40 })}`;
}

/**
 * Refuses a value nested deeper than `maxDepth` lists/tuples/dicts, or one that contains itself.
 * Iterative (an explicit stack), computing each container's height once, so shared sub-values
 * (memo references) are walked once and a million-deep list costs no call-stack depth.
 */
function checkNesting(root: unknown, maxDepth: number, fail: (expected: string, received: string) => CheckpointError): void {
  if (!isContainer(root)) return;
  type Frame = { node: object; children: unknown[]; i: number; height: number };
  const frame = (node: object): Frame => ({ node, children: Array.isArray(node) ? node : Object.values(node), i: 0, height: 1 });
  const heights = new Map<object, number>();
  const onPath = new Set<object>([root]);
  const stack: Frame[] = [frame(root)];
  const tooDeep = (): CheckpointError =>
    fail(`lists, tuples and dicts nested at most ${maxDepth} deep (maxDepth)`, `deeper nesting (a path of more than ${maxDepth} containers); a checkpoint nests a few levels, so this one is corrupt or hostile`);
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    if (f.i < f.children.length) {
      const c = f.children[f.i++];
      if (!isContainer(c)) continue;
      if (onPath.has(c)) throw fail('values that do not contain themselves', 'a list or dict that contains itself');
      const h = heights.get(c);
      if (h !== undefined) {
        f.height = Math.max(f.height, h + 1);
        if (f.height > maxDepth) throw tooDeep();
        continue;
      }
      if (stack.length >= maxDepth) throw tooDeep();
      onPath.add(c);
      stack.push(frame(c));
    } else {
      stack.pop();
      onPath.delete(f.node);
      heights.set(f.node, f.height);
      const parent = stack[stack.length - 1];
      if (parent !== undefined) {
        parent.height = Math.max(parent.height, f.height + 1);
        if (parent.height > maxDepth) throw tooDeep();
      }
    }
  }
}
