import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (apps/train/src -> ../../..). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** `--set` overrides of a tiny run: 32-token grid, D 32, one block, 2 clips per batch, wasm (the backend auto picks here). */
export function tinyRunArgs(folder: string, steps: number, checkpointEvery: number): string[] {
  return [
    'data.batch_size=2',
    'data.num_frames=4',
    'data.crop_size=32',
    'data.num_videos=16',
    'model.embed_dim=32',
    'model.depth=1',
    'model.num_heads=2',
    'model.pred_embed_dim=16',
    'model.pred_depth=1',
    'optimization.epochs=1',
    `optimization.ipe=${steps}`,
    'optimization.warmup=0',
    'meta.backend=wasm',
    `logging.folder=${folder}`,
    `logging.checkpoint_every=${checkpointEvery}`,
    'logging.log_every=1',
  ].flatMap((s) => ['--set', s]);
}

/** A fresh temporary run folder. */
export function tempRunFolder(): string {
  return join(mkdtempSync(join(tmpdir(), 'vjepa-train-e2e-')), 'run');
}

/**
 * Starts the CLI from source in one Node process with tsx as its loader (the `tsx` binary would
 * run the CLI in a child process, which a SIGKILL of the parent would leave running).
 */
export function spawnCli(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', '--conditions=@vjepa/source', join(REPO_ROOT, 'apps/train/src/cli.ts'), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
}

/** Runs the CLI to completion; resolves with its exit code and output. */
export function runCli(args: readonly string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawnCli(args);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => done({ code, signal, stdout, stderr }));
  });
}
