import { DataError, previewValue } from '@vjepa/errors';

/**
 * The three keys of an `.npy` header dict.
 *
 * @example
 * const h: NpyHeader = { descr: '<f4', fortranOrder: false, shape: [2, 3] };
 */
export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

type Literal = string | number | boolean | null | Literal[];

/** Nesting accepted inside a value (a structured dtype's list of tuples nests 2-3; it is refused anyway). */
const MAX_NESTING = 8;

/**
 * Parses the Python dict literal of an `.npy` header, e.g.
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, in one linear pass (regular
 * expressions over an untrusted megabyte header can backtrack for minutes). Values may be strings,
 * integers, True/False/None and tuples/lists of them; anything else is a DataError naming the file.
 *
 * @example
 * parseNpyHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 'x.npy').shape; // [2]
 */
export function parseNpyHeader(text: string, file: string): NpyHeader {
  const bad = (why: string): DataError =>
    new DataError(`${file}: header`, {
      expected: "a dict like {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      received: `${previewValue(text.trim(), { maxLength: 200 })} (${why})`,
    });
  let pos = 0;
  const ws = (): void => {
    while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t' || text[pos] === '\n' || text[pos] === '\r')) pos++;
  };
  const expectChar = (c: string, why: string): void => {
    ws();
    if (text[pos] !== c) throw bad(why);
    pos++;
  };
  const str = (): string => {
    const q = text[pos++];
    const start = pos;
    while (pos < text.length && text[pos] !== q) pos += text[pos] === '\\' ? 2 : 1;
    if (pos >= text.length) throw bad('an unterminated string');
    const out = text.slice(start, pos); // escapes kept as written (dtype strings have none)
    pos++;
    return out;
  };
  const value = (depth: number): Literal => {
    ws();
    const c = text[pos];
    if (c === "'" || c === '"') return str();
    if (c === '(' || c === '[') {
      if (depth >= MAX_NESTING) throw bad(`values nested deeper than ${MAX_NESTING}`);
      const close = c === '(' ? ')' : ']';
      pos++;
      const items: Literal[] = [];
      for (;;) {
        ws();
        if (text[pos] === close) break;
        items.push(value(depth + 1));
        ws();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== close) throw bad(`a "${close}" or "," in a tuple or list`);
      }
      pos++;
      return items;
    }
    const m = /^(?:[-+]?\d+L?|True|False|None)/.exec(text.slice(pos, pos + 40));
    if (!m) throw bad(`an unexpected ${pos < text.length ? previewValue(text.slice(pos, pos + 12)) : 'end'} at character ${pos}`);
    pos += m[0].length;
    if (m[0] === 'True' || m[0] === 'False') return m[0] === 'True';
    if (m[0] === 'None') return null;
    const n = Number.parseInt(m[0], 10);
    return Number.isSafeInteger(n) ? n : Number.NaN;
  };

  ws();
  if (text[pos] !== '{') throw bad('not a dict');
  pos++;
  const dict = new Map<string, Literal>();
  for (;;) {
    ws();
    if (text[pos] === '}') break;
    if (text[pos] !== "'" && text[pos] !== '"') throw bad(`a string key at character ${pos}`);
    const key = str();
    expectChar(':', `a ":" after the key ${previewValue(key, { maxLength: 40 })}`);
    dict.set(key, value(0));
    ws();
    if (text[pos] === ',') pos++;
    else if (text[pos] !== '}') throw bad(`a "}" or "," at character ${pos}`);
  }
  pos++;
  ws();
  if (pos !== text.length) throw bad(`text after the dict at character ${pos}`);

  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') throw bad("no 'descr' string (structured dtypes are not supported)");
  if (typeof fortran !== 'boolean') throw bad("no 'fortran_order'");
  if (!Array.isArray(shape)) throw bad("no 'shape' tuple");
  if (!shape.every((d): d is number => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) throw bad('shape holds a non-integer');
  return { descr, fortranOrder: fortran, shape };
}
