import { CheckpointError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { PyCallable, newDict, unpickle } from './pickle-reader';

/**
 * CPython 3.11 `pickle.dumps(value, protocol=p)` of
 * {'a': [1, 2.5, None, True, False], 'b': (1, 2, 3, 4), 't1': (7,), 'c': b'xy\xff', 'd': {1, 2},
 *  'e': frozenset([3]), 'big': 2**70, 'neg': -2**40, 'i32': -5, 's': 'é' * 130,
 *  'od': OrderedDict(x=1), 'k': {5: 'five'}, 'shared': [lst, lst]} with lst = [1].
 */
const PICKLES: Record<number, string> = {
  2: [
    '80027d71002858010000006171015d7102284b014740040000000000004e8889655801000000627103284b014b024b034b04',
    '7471045802000000743171054b078571065801000000637107635f636f646563730a656e636f64650a710858040000007879',
    'c3bf710958060000006c6174696e31710a86710b52710c580100000064710d635f5f6275696c74696e5f5f0a7365740a710e',
    '5d710f284b014b02658571105271115801000000657112635f5f6275696c74696e5f5f0a66726f7a656e7365740a71135d71',
    '144b0361857115527116580300000062696771178a0900000000000000004058030000006e656771188a060000000000ff58',
    '0300000069333271194afbffffff580100000073711a5804010000c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3',
    'a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3',
    'a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3',
    'a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3',
    'a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3',
    'a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9711b58020000006f64711c6363',
    '6f6c6c656374696f6e730a4f726465726564446963740a711d2952711e580100000078711f4b017358010000006b71207d71',
    '214b05580400000066697665712273580600000073686172656471235d7124285d71254b0161682565752e',
  ].join(''),
  3: [
    '80037d71002858010000006171015d7102284b014740040000000000004e8889655801000000627103284b014b024b034b04',
    '7471045802000000743171054b07857106580100000063710743037879ff71085801000000647109636275696c74696e730a',
    '7365740a710a5d710b284b014b026585710c52710d580100000065710e636275696c74696e730a66726f7a656e7365740a71',
    '0f5d71104b0361857111527112580300000062696771138a0900000000000000004058030000006e656771148a0600000000',
    '00ff580300000069333271154afbffffff58010000007371165804010000c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9711758020000006f6471',
    '1863636f6c6c656374696f6e730a4f726465726564446963740a71192952711a580100000078711b4b017358010000006b71',
    '1c7d711d4b05580400000066697665711e735806000000736861726564711f5d7120285d71214b0161682165752e',
  ].join(''),
  4: [
    '800495db010000000000007d94288c0161945d94284b014740040000000000004e8889658c016294284b014b024b034b0474',
    '948c027431944b0785948c01639443037879ff948c0164948f94284b014b02908c016594284b0391948c03626967948a0900',
    '00000000000000408c036e6567948a060000000000ff8c03693332944afbffffff8c0173945804010000c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9948c026f64948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0178944b01738c01',
    '6b947d944b058c046669766594738c06736861726564945d94285d944b0161681d65752e',
  ].join(''),
  5: [
    '800595db010000000000007d94288c0161945d94284b014740040000000000004e8889658c016294284b014b024b034b0474',
    '948c027431944b0785948c01639443037879ff948c0164948f94284b014b02908c016594284b0391948c03626967948a0900',
    '00000000000000408c036e6567948a060000000000ff8c03693332944afbffffff8c0173945804010000c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9c3a9',
    'c3a9948c026f64948c0b636f6c6c656374696f6e73948c0b4f726465726564446963749493942952948c0178944b01738c01',
    '6b947d944b058c046669766594738c06736861726564945d94285d944b0161681d65752e',
  ].join(''),
};

const hex = (h: string): Uint8Array => Uint8Array.from(h.match(/../g) ?? [], (b) => Number.parseInt(b, 16));

/** The globals CPython uses for this value: OrderedDict, set/frozenset (protocol 2-3) and _codecs.encode (bytes, protocol 2). */
function resolveGlobal(module: string, name: string): unknown {
  if (module === 'collections' && name === 'OrderedDict') return new PyCallable('OrderedDict', () => newDict(true), { acceptsState: true });
  if ((module === 'builtins' || module === '__builtin__') && (name === 'set' || name === 'frozenset')) return new PyCallable(name, (args) => [...(args[0] as unknown[])]);
  if (module === '_codecs' && name === 'encode') return new PyCallable('encode', (args) => Uint8Array.from(args[0] as string, (c) => c.charCodeAt(0)));
  return undefined;
}

describe('unpickle CPython output', () => {
  for (const protocol of [2, 3, 4, 5]) {
    it(`reads protocol ${protocol}`, () => {
      const v = unpickle(hex(PICKLES[protocol]), { where: `p${protocol}`, resolveGlobal }) as Record<string, unknown>;
      expect(v.a).toEqual([1, 2.5, null, true, false]);
      expect(v.b).toEqual([1, 2, 3, 4]);
      expect(v.t1).toEqual([7]);
      expect(Array.from(v.c as Uint8Array)).toEqual([0x78, 0x79, 0xff]);
      expect(v.d).toEqual([1, 2]);
      expect(v.e).toEqual([3]);
      expect(v.big).toBe(2n ** 70n);
      expect(v.neg).toBe(-(2 ** 40));
      expect(v.i32).toBe(-5);
      expect(v.s).toBe('é'.repeat(130));
      expect(v.od).toEqual({ x: 1 });
      expect(v.k).toEqual({ '5': 'five' });
      const shared = v.shared as unknown[][];
      expect(shared[0]).toBe(shared[1]); // memo keeps identity
    });
  }
});

describe('unpickle refuses', () => {
  it('globals the resolver does not know, naming them', () => {
    const bytes = hex(PICKLES[4]);
    expect(() => unpickle(bytes, { where: 'x.pkl', resolveGlobal: () => undefined })).toThrow(CheckpointError);
    expect(() => unpickle(bytes, { where: 'x.pkl', resolveGlobal: () => undefined })).toThrow(/x\.pkl: global "collections\.OrderedDict" is not allowed/);
  });

  it('INST/OBJ opcodes and persistent ids without a loader', () => {
    const inst = new Uint8Array([0x28, ...new TextEncoder().encode('ios\nsystem\n'), 0x2e]);
    expect(() => unpickle(inst, { where: 'i.pkl', resolveGlobal })).toThrow(/i\.pkl: pickle opcode 0x69 at byte 1/);
    expect(() => unpickle(new Uint8Array([0x80, 2, 0x4e, 0x51, 0x2e]), { where: 'q.pkl', resolveGlobal })).toThrow(/expected no persistent ids/);
  });

  it('lengths beyond the data and a missing STOP', () => {
    expect(() => unpickle(new Uint8Array([0x80, 2, 0x58, 0xff, 0xff, 0, 0]), { where: 'l.pkl', resolveGlobal })).toThrow(/truncated/);
    expect(() => unpickle(new Uint8Array([0x80, 2, 0x4e]), { where: 's.pkl', resolveGlobal })).toThrow(/s\.pkl: pickle: expected a STOP opcode/);
    expect(() => unpickle(new Uint8Array([0x80, 2, 0x68, 3, 0x2e]), { where: 'm.pkl', resolveGlobal })).toThrow(/memo entry 3/);
  });
});

describe('unpickle limits', () => {
  /** PROTO 2, `depth` nested empty lists (EMPTY_LIST x depth, APPEND x depth-1), STOP. */
  const nested = (depth: number): Uint8Array => {
    const b = new Uint8Array(2 * depth + 2);
    b.set([0x80, 2]);
    b.fill(0x5d, 2, 2 + depth);
    b.fill(0x61, 2 + depth, 1 + 2 * depth);
    b[b.length - 1] = 0x2e;
    return b;
  };
  const depthOf = (v: unknown): number => (Array.isArray(v) ? 1 + Math.max(0, ...v.map(depthOf)) : 0);

  it('accepts nesting up to maxDepth and refuses one more, naming the limit', () => {
    expect(depthOf(unpickle(nested(100), { where: 'd', resolveGlobal }))).toBe(100);
    expect(() => unpickle(nested(101), { where: 'd.pkl', resolveGlobal })).toThrow(/d\.pkl: pickle opcode 0x2e at byte 203: expected lists, tuples and dicts nested at most 100 deep \(maxDepth\)/);
    expect(depthOf(unpickle(nested(101), { where: 'd', resolveGlobal, maxDepth: 101 }))).toBe(101);
    expect(() => unpickle(nested(3), { where: 'd', resolveGlobal, maxDepth: 2 })).toThrow(/nested at most 2 deep/);
  });

  it('measures depth through shared (memoised) values, not only the first path', () => {
    // a = [[[]]] (depth 3, memoised) is root's first item and also inside its second: root = [a, [[a]]], depth 6
    const p = new Uint8Array([
      0x80, 2,
      0x5d, // root
      0x5d, 0x5d, 0x5d, 0x61, 0x61, 0x71, 0, // a = [[[]]], memo 0
      0x61, // root.append(a)
      0x5d, 0x5d, 0x68, 0, 0x61, 0x61, // [[a]]
      0x61, // root.append([[a]])
      0x2e,
    ]);
    const v = unpickle(p, { where: 's', resolveGlobal }) as unknown[];
    expect(v[0]).toBe((v[1] as unknown[][])[0][0]);
    expect(depthOf(v)).toBe(6);
    expect(unpickle(p, { where: 's', resolveGlobal, maxDepth: 6 })).toEqual(v);
    expect(() => unpickle(p, { where: 's', resolveGlobal, maxDepth: 5 })).toThrow(/nested at most 5 deep/);
  });

  it('refuses values that contain themselves', () => {
    const p = new Uint8Array([0x80, 2, 0x5d, 0x71, 0, 0x68, 0, 0x61, 0x2e]); // l = []; l.append(l)
    expect(() => unpickle(p, { where: 'c.pkl', resolveGlobal })).toThrow(/c\.pkl: pickle opcode 0x2e at byte 8: expected values that do not contain themselves, received a list or dict that contains itself/);
  });

  it('counts created objects against maxObjects', () => {
    const p = new Uint8Array([0x80, 2, 0x5d, 0x28, 0x7d, 0x29, 0x65, 0x2e]); // [] MARK {} () APPENDS
    expect(unpickle(p, { where: 'o', resolveGlobal })).toEqual([{}, []]);
    expect(unpickle(p, { where: 'o', resolveGlobal, maxObjects: 4 })).toEqual([{}, []]);
    expect(() => unpickle(p, { where: 'o.pkl', resolveGlobal, maxObjects: 3 })).toThrow(/o\.pkl: pickle opcode 0x29 at byte 5: expected at most 3 lists, tuples, dicts, marks and calls \(maxObjects\)/);
  });

  it('decodes long integers of any sign and refuses oversized ones', () => {
    const long1 = (bytes: number[]): unknown => unpickle(new Uint8Array([0x80, 2, 0x8a, bytes.length, ...bytes, 0x2e]), { where: 'l', resolveGlobal });
    expect(long1([])).toBe(0);
    expect(long1([0xff])).toBe(-1);
    expect(long1([0x00, 0x80])).toBe(-32768);
    expect(long1([0, 0, 0, 0, 0, 0, 0, 0, 1])).toBe(2n ** 64n);
    expect(long1([0, 0, 0, 0, 0, 0, 0, 0, 0x80])).toBe(-(2n ** 71n));
    const n = 8193;
    const big = new Uint8Array(8 + n);
    big.set([0x80, 2, 0x8b, n & 0xff, n >> 8, 0, 0]);
    big[big.length - 1] = 0x2e;
    expect(() => unpickle(big, { where: 'b.pkl', resolveGlobal })).toThrow(/b\.pkl: pickle opcode 0x8b at byte 2: expected an integer of at most 8192 bytes, received 8193 bytes/);
    const digits = (s: string): unknown => unpickle(new Uint8Array([0x80, 2, ...new TextEncoder().encode(`L${s}L\n`), 0x2e]), { where: 'i', resolveGlobal });
    expect(digits('-12345678901234567890')).toBe(-12345678901234567890n);
    expect(digits(`-${'1'.repeat(4300)}`)).toBe(-BigInt('1'.repeat(4300)));
    expect(() => digits('1'.repeat(4301))).toThrow(/at most 4300 digits/);
    expect(() => digits('12x')).toThrow(/expected a decimal integer, received "12x"/);
  });
});
