import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from '../cli-main';

/** The official-parity fixture folder, resolved from this file (the fixtures live in the repository). */
export const FIXTURES = fileURLToPath(new URL('../../../../fixtures/official-parity/', import.meta.url));

/** A fresh temporary folder. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'vjepa-eval-'));
}

/** Writes the fixture's architecture (`model` and `data` of arch.json) as a YAML-readable JSON config. */
export function writeArchConfig(dir: string): string {
  const arch = JSON.parse(readFileSync(join(FIXTURES, 'arch.json'), 'utf8')) as Record<string, unknown>;
  const file = join(dir, 'arch.yaml');
  writeFileSync(file, JSON.stringify({ model: arch.model, data: arch.data }, null, 1));
  return file;
}

/** Captures what the CLI prints. */
export function captureIo(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, log: (l) => out.push(l), error: (l) => err.push(l) };
}

/** The V-JEPA 2 parity fixture folder (official V-JEPA 2 classes: RoPE encoder and predictor, the V-JEPA 2 probe). */
export const VJEPA2_FIXTURES = fileURLToPath(new URL('../../../../fixtures/vjepa2-parity/', import.meta.url));

/** Writes the V-JEPA 2 fixture's architecture (`model` with `use_rope: true`, and `data` of its arch.json) as a config. */
export function writeVjepa2ArchConfig(dir: string, model: Record<string, unknown> = {}): string {
  const arch = JSON.parse(readFileSync(join(VJEPA2_FIXTURES, 'arch.json'), 'utf8')) as { model: Record<string, unknown>; data: unknown };
  const file = join(dir, `vjepa2-arch-${Object.keys(model).join('-') || 'fixture'}.yaml`);
  writeFileSync(file, JSON.stringify({ model: { ...arch.model, ...model }, data: arch.data }, null, 1));
  return file;
}

/** `--set` overrides of a tiny training for both objectives: 32-token grid, D 32, one block, `steps` steps, no warm-up. */
export function tinyTrainingSets(steps: number): string[] {
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
  ];
}
