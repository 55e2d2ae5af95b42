import { DataError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { parseNpyHeader } from './npy-header';

describe('parseNpyHeader', () => {
  it('reads what NumPy writes, in any key order and quoting', () => {
    expect(parseNpyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }          \n", 'a')).toEqual({ descr: '<f4', fortranOrder: false, shape: [2, 3] });
    expect(parseNpyHeader('{"shape": (), "fortran_order": True, "descr": "|b1"}', 'a')).toEqual({ descr: '|b1', fortranOrder: true, shape: [] });
    expect(parseNpyHeader("{'descr':'<i8','fortran_order':False,'shape':(7,)}", 'a').shape).toEqual([7]);
    expect(parseNpyHeader("{'descr': '<i8', 'fortran_order': False, 'shape': (3L, 4L), 'extra': [1, (2, None)], }", 'a').shape).toEqual([3, 4]);
  });

  it('refuses malformed headers with the file, what was expected and why', () => {
    const bad: [string, RegExp][] = [
      ["['descr', '<f4']", /not a dict/],
      ["{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", /structured dtypes are not supported/],
      ["{'descr': '<f4', 'shape': (2,), }", /no 'fortran_order'/],
      ["{'descr': '<f4', 'fortran_order': False, }", /no 'shape' tuple/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (2, -1), }", /shape holds a non-integer/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", /shape holds a non-integer/],
      ["{'descr': '<f4, 'fortran_order': False}", /a ":" after the key|unterminated|a "}" or ","/],
      ["{'descr': '<f4'} trailing", /text after the dict/],
      ["{'descr': os.system('x')}", /an unexpected "os\.system\(/],
      [`{'shape': ${'('.repeat(100)}`, /values nested deeper than 8/],
      ["{'descr': '<f4', 'fortran_order': False, 'shape': (2,", /unexpected end/],
    ];
    for (const [text, why] of bad) {
      expect(() => parseNpyHeader(text, 'h.npy'), text).toThrow(DataError);
      expect(() => parseNpyHeader(text, 'h.npy'), text).toThrow(why);
      expect(() => parseNpyHeader(text, 'h.npy'), text).toThrow(/^h\.npy: header: expected a dict like/);
    }
  });
});
