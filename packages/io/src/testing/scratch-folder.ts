import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary folder for the files a hostile-input suite writes, created on first use. */
export interface ScratchFolder {
  /** The folder itself (created now if it does not exist yet). */
  dir(): string;
  /** A path for `name` inside the folder. */
  path(name: string): string;
  /** A fresh FIFO (named pipe) at `path(name)`: what must be refused, never opened and waited on. */
  fifo(name: string): string;
  /** Removes the folder and everything in it; the next use creates a new one. */
  remove(): void;
}

/**
 * A scratch folder under the OS temp dir, named `<prefix>XXXXXX`, for the rows of a table-driven
 * hostile suite (index files, bombs, FIFOs). Call `remove()` after the rows (e.g. in `afterAll`).
 *
 * @example
 * const scratch = scratchFolder('vjepa-data-hostile-');
 * const pipe = scratch.fifo('index.fifo');
 * afterAll(() => scratch.remove());
 */
export function scratchFolder(prefix: string): ScratchFolder {
  let folder: string | undefined;
  const dir = (): string => (folder ??= mkdtempSync(join(tmpdir(), prefix)));
  const path = (name: string): string => join(dir(), name);
  return {
    dir,
    path,
    fifo(name) {
      const p = path(name);
      rmSync(p, { force: true });
      execFileSync('mkfifo', [p]);
      return p;
    },
    remove() {
      if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
      folder = undefined;
    },
  };
}
