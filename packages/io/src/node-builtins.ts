import type * as Zlib from 'node:zlib';

/**
 * Node's zlib when running under Node (via `process.getBuiltinModule`, so that importing this
 * package in a browser does not fail), otherwise undefined.
 *
 * @example
 * const zlib = nodeZlib(); if (zlib) zlib.inflateRawSync(raw);
 */
export function nodeZlib(): typeof Zlib | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== 'function') return undefined;
  return proc.getBuiltinModule('node:zlib') as typeof Zlib | undefined;
}
