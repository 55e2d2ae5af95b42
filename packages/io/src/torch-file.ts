import { CheckpointError } from '@vjepa/errors';
import { type ReadTorchOptions, readTorchFromSource } from './torch-reader';

/**
 * Reads a `torch.save` checkpoint from a file entry by entry (Node only), so checkpoints larger
 * than one buffer (released V-JEPA ViT-L/H training checkpoints are several GB) can be read; with
 * `keys`, only the storages under those top-level keys are read at all.
 *
 * @example
 * const ckpt = await readTorchCheckpointFile('vitl16.pth.tar', { keys: ['target_encoder'] });
 * const sd = selectStateDict(ckpt, 'target_encoder', { file: 'vitl16.pth.tar' });
 */
export async function readTorchCheckpointFile(path: string, opts: Omit<ReadTorchOptions, 'file'> = {}): Promise<unknown> {
  const fs = await import('node:fs');
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new CheckpointError(`file "${path}"`, {
      expected: 'a readable checkpoint file',
      received: code === 'ENOENT' ? 'no such file' : String((cause as Error).message),
      cause,
    });
  }
  try {
    const size = fs.fstatSync(fd).size;
    const read = (offset: number, length: number): Uint8Array => {
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
    const head = size >= 4 ? read(0, 4) : read(0, size);
    if (head[0] === 0x80 || head[0] !== 0x50 || head[1] !== 0x4b) {
      // let the in-memory reader produce its format message (legacy pickle, safetensors, ...)
      const { readTorchCheckpoint } = await import('./torch-reader');
      return readTorchCheckpoint(head, { ...opts, file: path });
    }
    return readTorchFromSource({ size, read }, { ...opts, file: path });
  } finally {
    fs.closeSync(fd);
  }
}
