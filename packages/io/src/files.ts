import type { Stats } from 'node:fs';
import { CheckpointError, DataError } from '@vjepa/errors';
import { causeText } from './cause-text';

/**
 * Options for {@link readFileBytes}.
 *
 * @example
 * await readFileBytes('clip.bin', { as: 'data' });
 */
export interface ReadFileBytesOptions {
  /**
   * Which error to throw when the file cannot be read. Default: `checkpoint` for .pth/.pt/.tar/
   * .ckpt/.bin/.safetensors, `data` otherwise.
   */
  as?: 'checkpoint' | 'data';
}

const CHECKPOINT_EXT = /\.(pth|pt|tar|ckpt|bin|safetensors)$/i;

/**
 * Reads a whole file into a Uint8Array (Node only). A missing or unreadable file becomes a
 * CheckpointError or DataError naming the path.
 *
 * @example
 * const bytes = await readFileBytes('checkpoint.pth.tar');
 */
export async function readFileBytes(path: string, opts: ReadFileBytesOptions = {}): Promise<Uint8Array> {
  const { open, stat } = await import('node:fs/promises');
  const Err = (opts.as ?? (CHECKPOINT_EXT.test(path) ? 'checkpoint' : 'data')) === 'checkpoint' ? CheckpointError : DataError;
  let kind: string | undefined;
  try {
    // stat first: open() on a FIFO blocks until a writer appears (forever, for a stray named pipe)
    const st = await stat(path);
    if (!st.isFile() && !st.isDirectory()) kind = describeFileKind(st);
  } catch {
    // reported by open() below, with its code
  }
  if (kind !== undefined) throw new Err(`file "${path}"`, { expected: 'a regular file', received: kind, hint: 'FIFOs, sockets and devices are not read.' });
  try {
    // read in chunks: fs.readFile refuses files over 2 GiB
    const handle = await open(path, 'r');
    try {
      const size = (await handle.stat()).size;
      const out = new Uint8Array(size);
      let done = 0;
      while (done < size) {
        const { bytesRead } = await handle.read(out, done, Math.min(size - done, 1 << 30), done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === size ? out : out.subarray(0, done);
    } finally {
      await handle.close();
    }
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException | null)?.code;
    throw new Err(`file "${path}"`, {
      expected: 'a readable file',
      received: code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : code === 'EACCES' ? 'permission denied' : causeText(cause),
      hint: code === 'ENOENT' ? `Check the path (resolved against ${process.cwd()}).` : undefined,
      cause,
    });
  }
}

/**
 * What kind of file a stat describes, for messages: `a FIFO (named pipe)`, `a directory`, ...
 *
 * @example
 * describeFileKind(await stat('/dev/zero')); // "a character device"
 */
export function describeFileKind(st: Pick<Stats, 'isFile' | 'isDirectory' | 'isFIFO' | 'isSocket' | 'isCharacterDevice' | 'isBlockDevice' | 'isSymbolicLink'>): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'a special file';
}

let counter = 0;

/**
 * Writes a file atomically (Node only): a temp file `.<name>.tmp-<pid>-<n>` in the same directory
 * is written and fsynced, then renamed over `path`. If anything fails the old file is untouched
 * and the temp file is removed.
 *
 * @example
 * await writeFileAtomic('out/weights.safetensors', writeSafetensors(sd));
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const fs = await import('node:fs/promises');
  const { dirname, basename, join } = await import('node:path');
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${counter++}`);
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    handle = await fs.open(tmp, 'wx');
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(tmp, path);
  } catch (cause) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw new DataError(`writing "${path}"`, {
      expected: 'a writable directory',
      received: causeText(cause),
      hint: 'The previous file, if any, is unchanged.',
      cause,
    });
  }
  // make the rename durable where the platform allows fsync on a directory
  try {
    const dir = await fs.open(dirname(path), 'r');
    await dir.sync().catch(() => undefined);
    await dir.close();
  } catch {
    // not supported (e.g. Windows); the rename itself already happened
  }
}
