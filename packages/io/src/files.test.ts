import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, DataError } from '@vjepa/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileBytes, writeFileAtomic } from './files';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vjepa-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readFileBytes', () => {
  it('reads bytes', async () => {
    await writeFile(join(dir, 'a.bin'), new Uint8Array([1, 2, 3]));
    expect(Array.from(await readFileBytes(join(dir, 'a.bin')))).toEqual([1, 2, 3]);
  });

  it('names the path of a missing file with the right error class', async () => {
    const ck = join(dir, 'missing.pth.tar');
    await expect(readFileBytes(ck)).rejects.toBeInstanceOf(CheckpointError);
    await expect(readFileBytes(ck)).rejects.toThrow(`file "${ck}": expected a readable file, received no such file`);
    await expect(readFileBytes(join(dir, 'missing.npy'))).rejects.toBeInstanceOf(DataError);
    await expect(readFileBytes(dir, { as: 'checkpoint' })).rejects.toThrow(/received a directory/);
  });
});

describe('writeFileAtomic', () => {
  it('writes bytes and strings, replacing the old file and leaving no temp files', async () => {
    const p = join(dir, 'out.safetensors');
    await writeFileAtomic(p, new Uint8Array([9, 8]));
    await writeFileAtomic(p, 'hello');
    expect(await readFile(p, 'utf8')).toBe('hello');
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('keeps the old file intact and removes the temp file when the write fails', async () => {
    const p = join(dir, 'keep.txt');
    await writeFileAtomic(p, 'old');
    // the temp file is opened, then writing the (invalid) payload throws
    await expect(writeFileAtomic(p, 123 as unknown as string)).rejects.toBeInstanceOf(DataError);
    expect(await readFile(p, 'utf8')).toBe('old');
    // renaming onto a non-empty directory fails after the temp file is written and synced
    const sub = join(dir, 'adir');
    await mkdir(join(sub, 'inner'), { recursive: true });
    await expect(writeFileAtomic(sub, 'x')).rejects.toThrow(/writing ".*adir".*unchanged/);
    await expect(writeFileAtomic(join(dir, 'nope', 'x.txt'), 'x')).rejects.toThrow(/writing ".*x\.txt"/);
    expect((await readdir(dir)).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });
});
