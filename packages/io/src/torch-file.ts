import { CheckpointError } from '@vjepa/errors';
import { causeText } from './cause-text';
import { describeFileKind } from './files';
import { type ReadTorchOptions, type TorchCheckpoint, openTorchCheckpoint, readTorchCheckpoint, readTorchFromSource } from './torch-reader';
import type { ByteSource } from './zip-reader';

/**
 * Reads a `torch.save` checkpoint from a file entry by entry (Node only), so checkpoints larger
 * than one buffer (released V-JEPA ViT-L/H training checkpoints are several GB) can be read; with
 * `keys`, only the storages under those top-level keys are read at all. A FIFO, device or
 * directory is refused before it is opened (opening a FIFO would block forever).
 *
 * @example
 * const ckpt = await readTorchCheckpointFile('vitl16.pth.tar', { keys: ['target_encoder'] });
 * const sd = selectStateDict(ckpt, 'target_encoder', { file: 'vitl16.pth.tar' });
 */
export async function readTorchCheckpointFile(path: string, opts: Omit<ReadTorchOptions, 'file'> = {}): Promise<unknown> {
  const f = await openSource(path);
  try {
    if (f.legacyOrForeign) return readTorchCheckpoint(f.head, { ...opts, file: path }); // throws its format message
    return readTorchFromSource(f.source, { ...opts, file: path });
  } finally {
    f.close();
  }
}

/**
 * A {@link TorchCheckpoint} over a file (Node only): the structure is read now, each value's
 * storages when it is asked for. Call `close()` when done (values already read stay valid).
 *
 * @example
 * const ckpt = await openTorchCheckpointFile('vitl16.pth.tar');
 * try {
 *   const key = ckpt.kindOf('target_encoder') === 'none' ? 'encoder' : 'target_encoder';
 *   const sd = selectStateDict({ [key]: ckpt.get(key) }, key, { file: ckpt.file });
 * } finally { ckpt.close(); }
 */
export async function openTorchCheckpointFile(path: string, opts: Omit<ReadTorchOptions, 'file' | 'keys'> = {}): Promise<TorchCheckpoint & { close(): void }> {
  const f = await openSource(path);
  try {
    const ckpt = f.legacyOrForeign ? openTorchCheckpoint(f.head, { ...opts, file: path }) : openTorchCheckpoint(f.source, { ...opts, file: path });
    return Object.assign(ckpt, { close: f.close });
  } catch (e) {
    f.close();
    throw e;
  }
}

async function openSource(path: string): Promise<{ source: ByteSource; head: Uint8Array; legacyOrForeign: boolean; close(): void }> {
  const fs = await import('node:fs');
  let fd: number;
  try {
    // stat first: open() on a FIFO blocks until a writer appears
    const st = fs.statSync(path);
    if (!st.isFile()) {
      throw new CheckpointError(`file "${path}"`, { expected: 'a regular checkpoint file', received: describeFileKind(st), hint: st.isDirectory() ? 'Pass the checkpoint file inside the folder.' : undefined });
    }
    fd = fs.openSync(path, 'r');
  } catch (cause) {
    if (CheckpointError.isInstance(cause)) throw cause;
    const code = (cause as NodeJS.ErrnoException | null)?.code;
    throw new CheckpointError(`file "${path}"`, {
      expected: 'a readable checkpoint file',
      received: code === 'ENOENT' ? 'no such file' : causeText(cause),
      cause,
    });
  }
  let open = true;
  const close = (): void => {
    if (open) fs.closeSync(fd);
    open = false;
  };
  try {
    const size = fs.fstatSync(fd).size;
    const read = (offset: number, length: number): Uint8Array => {
      if (!open) throw new CheckpointError(`${path}: bytes ${offset}..${offset + length}`, { expected: 'an open checkpoint', received: 'one already closed', hint: 'Read every value you need before close().' });
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = fs.readSync(fd, buf, done, Math.min(length - done, 1 << 30), offset + done);
        if (n === 0) {
          throw new CheckpointError(`${path}: bytes ${offset}..${offset + length}`, { expected: `${length} bytes`, received: `${done} (the file shrank while reading)` });
        }
        done += n;
      }
      return buf;
    };
    const head = read(0, Math.min(size, 4));
    const legacyOrForeign = head[0] === 0x80 || head[0] !== 0x50 || head[1] !== 0x4b;
    return { source: { size, read }, head, legacyOrForeign, close };
  } catch (e) {
    close();
    throw e;
  }
}
