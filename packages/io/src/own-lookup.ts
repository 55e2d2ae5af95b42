/**
 * `table[key]` when `key` is a string naming an own property of `table`, otherwise undefined. File
 * formats name dtypes with untrusted strings: a plain `table[key]` lookup would find
 * `__proto__`, `constructor` or `toString` on the prototype chain.
 *
 * @example
 * ownValue({ '<f4': 'float32' }, 'toString'); // undefined
 */
export function ownValue<T>(table: Readonly<Record<string, T>>, key: unknown): T | undefined {
  return typeof key === 'string' && Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
}
