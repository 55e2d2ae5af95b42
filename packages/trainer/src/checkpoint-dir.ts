import { CheckpointError } from '@vjepa/errors';
import { writeFileAtomic } from '@vjepa/io';

// Node's fs is imported lazily so that importing @vjepa/trainer in a browser does not fail.
const fsp = () => import('node:fs/promises');
const pathJoin = async (...parts: string[]) => (await import('node:path')).join(...parts);

/**
 * Name of the file inside a run directory that names the newest complete checkpoint.
 *
 * @example
 * await readFile(join(runDir, LATEST_POINTER), 'utf8'); // 'step-00000100\n'
 */
export const LATEST_POINTER = 'latest';

/**
 * Name of the folder of a run (a training's output folder) that holds its checkpoint directories and
 * `latest`: `<run>/checkpoints/step-XXXXXXXX`.
 *
 * @example
 * join(runFolder, RUN_CHECKPOINTS_DIR); // 'runs/main/checkpoints'
 */
export const RUN_CHECKPOINTS_DIR = 'checkpoints';

/**
 * Name of the manifest inside each checkpoint directory.
 *
 * @example
 * JSON.parse(await readFile(join(checkpointDir, MANIFEST_FILE), 'utf8')).iteration;
 */
export const MANIFEST_FILE = 'trainer.json';

let tmpCounter = 0;
function tmpSuffix(): string {
  tmpCounter += 1;
  return `${process.pid}-${Date.now()}-${tmpCounter}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await (await fsp()).stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes one checkpoint directory `root/name` atomically: every file is written and fsynced into a
 * temporary sibling directory that is renamed into place once complete, then `root/latest` is
 * atomically replaced to name it (unless `updateLatest` is false). A crash mid-write leaves the
 * previous checkpoints and the pointer intact (at worst a `.tmp-*` directory is left behind).
 *
 * @example
 * await writeCheckpointDir('runs/a', 'step-00000100', { 'trainer.json': json, 'encoder.safetensors': bytes });
 */
export async function writeCheckpointDir(
  root: string,
  name: string,
  files: Readonly<Record<string, Uint8Array | string>>,
  options: { updateLatest?: boolean } = {},
): Promise<string> {
  const fs = await fsp();
  await fs.mkdir(root, { recursive: true });
  const finalDir = await pathJoin(root, name);
  const tmpDir = await pathJoin(root, `.tmp-${name}-${tmpSuffix()}`);
  try {
    await fs.mkdir(tmpDir);
    for (const [file, bytes] of Object.entries(files)) {
      const handle = await fs.open(await pathJoin(tmpDir, file), 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    if (await exists(finalDir)) {
      // Re-saving the same step: move the old copy aside first (rename cannot replace a non-empty dir).
      const trash = await pathJoin(root, `.old-${name}-${tmpSuffix()}`);
      await fs.rename(finalDir, trash);
      await fs.rename(tmpDir, finalDir);
      await fs.rm(trash, { recursive: true, force: true });
    } else {
      await fs.rename(tmpDir, finalDir);
    }
  } catch (cause) {
    await fs.rm(tmpDir, { recursive: true, force: true });
    throw new CheckpointError(`writing checkpoint "${finalDir}"`, { expected: 'a writable directory', received: String((cause as Error).message), cause });
  }
  if (options.updateLatest ?? true) await writeFileAtomic(await pathJoin(root, LATEST_POINTER), `${name}\n`);
  return finalDir;
}

/**
 * Resolves a checkpoint location: a checkpoint directory itself (holding `trainer.json`), a
 * directory whose `latest` file names one, or a run folder whose `checkpoints/` does.
 *
 * @example
 * const dir = await resolveCheckpointDir('runs/a/checkpoints'); // 'runs/a/checkpoints/step-00000100'
 * await resolveCheckpointDir('runs/a'); // the same, through the run folder
 */
export async function resolveCheckpointDir(path: string): Promise<string> {
  if (await exists(await pathJoin(path, MANIFEST_FILE))) return path;
  const inRun = await pathJoin(path, RUN_CHECKPOINTS_DIR);
  if (!(await exists(await pathJoin(path, LATEST_POINTER))) && (await exists(await pathJoin(inRun, LATEST_POINTER)))) return resolveCheckpointDir(inRun);
  const pointer = await pathJoin(path, LATEST_POINTER);
  let name: string;
  try {
    name = (await (await fsp()).readFile(pointer, 'utf8')).trim();
  } catch (cause) {
    throw new CheckpointError(`checkpoint "${path}"`, {
      expected: `a checkpoint directory holding ${MANIFEST_FILE}, a directory with a "${LATEST_POINTER}" file, or a run folder with ${RUN_CHECKPOINTS_DIR}/${LATEST_POINTER}`,
      received: 'neither',
      cause,
    });
  }
  const dir = await pathJoin(path, name);
  if (name.length === 0 || name.includes('/') || name.includes('\\') || !(await exists(await pathJoin(dir, MANIFEST_FILE)))) {
    throw new CheckpointError(`"${pointer}"`, { expected: `the name of a complete checkpoint directory in ${path}`, received: JSON.stringify(name) });
  }
  return dir;
}

/**
 * Reads one file of a checkpoint directory, naming it in the error when missing.
 *
 * @example
 * const bytes = await readCheckpointFile(dir, 'encoder.safetensors');
 */
export async function readCheckpointFile(dir: string, file: string): Promise<Uint8Array> {
  const path = await pathJoin(dir, file);
  try {
    const buf = await (await fsp()).readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (cause) {
    throw new CheckpointError(`"${path}"`, { expected: 'a readable checkpoint file', received: 'missing or unreadable', cause });
  }
}
