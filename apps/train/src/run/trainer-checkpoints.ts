import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LATEST_POINTER, checkpointName, exportOfficial, loadCheckpoint, readCheckpointManifest, saveCheckpoint, type Trainer } from '@vjepa/trainer';
import type { RunPaths } from './run-folder';

/**
 * Checkpoints of a run through `@vjepa/trainer`: atomic `step-XXXXXXXX` directories under
 * `<folder>/checkpoints` with a `latest` pointer, resume, and the official `.pth.tar` export.
 *
 * @example
 * const ckpt = trainerCheckpoints(trainer, paths, 8);
 * await ckpt.save(); // ".../checkpoints/step-00000050"
 */
export function trainerCheckpoints(trainer: Trainer, paths: RunPaths, batchSize: number) {
  let lastLoss: number | undefined;
  return {
    /** Remembers the latest loss for the export's `loss` field. */
    noteLoss(loss: number) {
      lastLoss = loss;
    },
    save: async () => saveCheckpoint(await trainer.snapshot(), paths.checkpoints),
    /** Saves the state before a failed step as `crash-step-XXXXXXXX` (not named by `latest`). */
    saveCrash: async () => saveCheckpoint(await trainer.snapshot(), paths.checkpoints, { name: `crash-${checkpointName(trainer.iteration)}`, updateLatest: false }),
    async latest(): Promise<{ path: string; step: number } | null> {
      if (!existsSync(join(paths.checkpoints, LATEST_POINTER))) return null;
      const manifest = await readCheckpointManifest(paths.checkpoints);
      return { path: manifest.dir, step: manifest.iteration };
    },
    async resume(path: string): Promise<number> {
      return trainer.restore(await loadCheckpoint(path)).iteration;
    },
    async exportEncoder(path: string): Promise<string> {
      await exportOfficial(await trainer.snapshot(), path, { loss: lastLoss, batchSize });
      return path;
    },
  };
}
