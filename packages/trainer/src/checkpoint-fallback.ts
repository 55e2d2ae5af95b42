import { CheckpointError, VjepaError } from '@vjepa/errors';
import { type LoadedCheckpoint, loadCheckpoint } from './checkpoint';
import { LATEST_POINTER } from './checkpoint-dir';

const fsp = () => import('node:fs/promises');
const pathJoin = async (...parts: string[]) => (await import('node:path')).join(...parts);

/** The step of a `step-XXXXXXXX` directory name, or null for any other name (`crash-*`, `.tmp-*`). */
function stepOf(name: string): number | null {
  const m = /^step-(\d{8,})$/.exec(name);
  return m === null ? null : Number(m[1]);
}

/**
 * The checkpoint directories of a folder, newest first: the one `latest` names (when it names a
 * `step-*` directory that exists), then every other `step-XXXXXXXX` directory by step, descending.
 * Crash checkpoints and temporary directories are never listed.
 *
 * @example
 * await listCheckpoints('runs/main/checkpoints'); // ['runs/main/checkpoints/step-00000100', '.../step-00000050']
 */
export async function listCheckpoints(root: string): Promise<string[]> {
  const fs = await fsp();
  let names: string[];
  try {
    names = (await fs.readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && stepOf(e.name) !== null).map((e) => e.name);
  } catch {
    return [];
  }
  names.sort((a, b) => (stepOf(b) as number) - (stepOf(a) as number));
  let latest: string | undefined;
  try {
    latest = (await fs.readFile(await pathJoin(root, LATEST_POINTER), 'utf8')).trim();
  } catch {
    latest = undefined;
  }
  const ordered = latest !== undefined && names.includes(latest) ? [latest, ...names.filter((n) => n !== latest)] : names;
  return Promise.all(ordered.map((n) => pathJoin(root, n)));
}

/**
 * A checkpoint directory that could not be used, and why.
 *
 * @example
 * const d: DamagedCheckpoint = { dir: 'runs/a/checkpoints/step-00000100', reason: '.../encoder.safetensors: expected SHA-256 ..., received ...' };
 */
export interface DamagedCheckpoint {
  dir: string;
  reason: string;
}

/**
 * Loads the newest intact checkpoint of a folder, for resuming: `latest` first, then older
 * `step-*` directories. Each is read in full and checked (manifest, every file present and matching
 * its SHA-256, tensors well formed); one that fails (truncated, overwritten with noise, a file
 * missing, an unreadable manifest) is passed over and reported in `damaged` with its reason, so the
 * caller can say so. Null when the folder holds no checkpoint at all; a CheckpointError listing each
 * and why when none is intact: a damaged checkpoint is never resumed silently.
 *
 * @example
 * const found = await loadNewestIntactCheckpoint('runs/main/checkpoints');
 * if (found) { for (const d of found.damaged) console.log(`not used: ${d.dir}: ${d.reason}`); trainer.restore(found.checkpoint); }
 */
export async function loadNewestIntactCheckpoint(root: string): Promise<{ checkpoint: LoadedCheckpoint; damaged: DamagedCheckpoint[] } | null> {
  const dirs = await listCheckpoints(root);
  const damaged: DamagedCheckpoint[] = [];
  for (const dir of dirs) {
    try {
      return { checkpoint: await loadCheckpoint(dir), damaged };
    } catch (e) {
      if (!VjepaError.isInstance(e)) throw e;
      damaged.push({ dir, reason: e.message });
    }
  }
  let pointer = false;
  try {
    await (await fsp()).stat(await pathJoin(root, LATEST_POINTER));
    pointer = true;
  } catch {
    pointer = false;
  }
  if (damaged.length === 0 && !pointer) return null;
  throw new CheckpointError(`${root}: resume`, {
    expected: 'an intact checkpoint (every file present and matching the SHA-256 in its trainer.json)',
    received: damaged.length === 0 ? `a "${LATEST_POINTER}" file but no step-* checkpoint directory` : damaged.map((d) => `${d.dir}: ${d.reason}`).join(' | '),
    hint: 'the checkpoints were damaged after they were written; restore them from a copy, or start fresh (--no-resume, meta.load_checkpoint: false, or another folder)',
  });
}
