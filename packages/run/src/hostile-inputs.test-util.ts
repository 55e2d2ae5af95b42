import { cpSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError, ConfigError } from '@vjepa/errors';
import { type HostileCase, scratchFolder } from '@vjepa/io/testing';
import { loadConfig } from './load-config';
import { type RunResult, runTraining } from './run-training';
import { tinySet } from './run.test-util';

const scratchFiles = scratchFolder('vjepa-run-hostile-');
const scratch = scratchFiles.dir;
let template: Promise<string> | undefined;

/**
 * Removes the run folders the rows made.
 *
 * @example
 * afterAll(removeRunHostileScratch);
 */
export function removeRunHostileScratch(): void {
  scratchFiles.remove();
  template = undefined;
}

/** A tiny run trained 4 steps with checkpoints at steps 2 and 4 (trained once, copied per row). */
async function trainedRun(): Promise<string> {
  template ??= (async () => {
    const folder = join(scratch(), 'template');
    await runTraining(loadConfig({ set: tinySet(folder, 4) }), { log: () => {} });
    return folder;
  })();
  const copy = join(scratch(), `run-${readdirSync(scratch()).length}`);
  cpSync(await template, copy, { recursive: true });
  return copy;
}

const checkpoint = (run: string, step: number): string => join(run, 'checkpoints', `step-${String(step).padStart(8, '0')}`);

/** Seeded noise of a file's own size over each weight file of a checkpoint (the "same-size noise"). */
function noise(dir: string): void {
  let a = 12345;
  for (const f of ['encoder.safetensors', 'predictor.safetensors', 'target_encoder.safetensors']) {
    const path = join(dir, f);
    const bytes = new Uint8Array(statSync(path).size);
    for (let i = 0; i < bytes.length; i++) {
      a = (Math.imul(a, 1103515245) + 12345) >>> 0;
      bytes[i] = a >>> 24;
    }
    writeFileSync(path, bytes);
  }
}

/** Resuming to 6 steps: what the rerun of a damaged run does. */
function resumeTo6(run: string, lines: string[]): () => Promise<RunResult> {
  return () => runTraining(loadConfig({ set: tinySet(run, 6) }), { log: (l) => lines.push(l) });
}

/** The run resumed from the intact step-2 checkpoint, said so, and logged every step once. */
function resumedFromStep2(run: string, lines: string[], damage: RegExp): (value: unknown) => void {
  return (value) => {
    const r = value as RunResult;
    if (r.status !== 'completed' || r.resumedFrom !== checkpoint(run, 2) || r.startStep !== 2) throw new Error(`resumed from ${r.resumedFrom} at ${r.startStep}`);
    const said = lines.find((l) => l.startsWith(`checkpoint ${checkpoint(run, 4)} is damaged and was not used: `));
    if (said === undefined || !damage.test(said)) throw new Error(`no line naming the damage; lines: ${lines.join(' / ')}`);
    if (!lines.includes(`resumed from ${checkpoint(run, 2)} at step 2 (the newest intact checkpoint)`)) throw new Error('no resume line');
    const steps = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { iteration: number }).iteration);
    if (steps.join(',') !== '0,1,2,3,4,5') throw new Error(`metrics.jsonl steps ${steps.join(',')}`);
  };
}

/**
 * The hostile inputs of issue 13 that reach `@vjepa/run` (damaged checkpoints on resume, a batch
 * size no machine holds), one row each; run by `adversarial.test.ts` with `expectHostile`.
 */
export function runHostileRows(): HostileCase[] {
  return [
    {
      name: 'checkpoint: the only checkpoint has its weight files overwritten with same-size noise (refused, never resumed)',
      prepare: async () => {
        const run = await trainedRun();
        rmSync(checkpoint(run, 2), { recursive: true });
        noise(checkpoint(run, 4));
        return resumeTo6(run, []);
      },
      expect: { error: CheckpointError, message: /checkpoints: resume: expected an intact checkpoint .*received .*step-00000004: .*encoder\.safetensors: expected SHA-256 [0-9a-f]{64} \(recorded in trainer\.json\), received [0-9a-f]{64}/ },
    },
    (() => {
      const lines: string[] = [];
      let run = '';
      return {
        name: 'checkpoint: the newest overwritten with same-size noise, an older one intact (falls back, saying so)',
        prepare: async () => {
          run = await trainedRun();
          noise(checkpoint(run, 4));
          return resumeTo6(run, lines);
        },
        expect: { accept: (v: unknown) => resumedFromStep2(run, lines, /encoder\.safetensors: expected SHA-256/)(v) },
      };
    })(),
    (() => {
      const lines: string[] = [];
      let run = '';
      return {
        name: 'checkpoint: the newest truncated (every file cut in half)',
        prepare: async () => {
          run = await trainedRun();
          const dir = checkpoint(run, 4);
          for (const f of readdirSync(dir)) truncateSync(join(dir, f), Math.floor(statSync(join(dir, f)).size / 2));
          return resumeTo6(run, lines);
        },
        expect: { accept: (v: unknown) => resumedFromStep2(run, lines, /trainer\.json/)(v) },
      };
    })(),
    (() => {
      const lines: string[] = [];
      let run = '';
      return {
        name: "checkpoint: the newest's optimizer file missing",
        prepare: async () => {
          run = await trainedRun();
          rmSync(join(checkpoint(run, 4), 'optimizer.safetensors'));
          return resumeTo6(run, lines);
        },
        expect: { accept: (v: unknown) => resumedFromStep2(run, lines, /optimizer\.safetensors.*missing or unreadable/)(v) },
      };
    })(),
    (() => {
      const lines: string[] = [];
      let run = '';
      return {
        name: 'checkpoint: latest names a directory that is gone',
        prepare: async () => {
          run = await trainedRun();
          rmSync(checkpoint(run, 4), { recursive: true });
          return resumeTo6(run, lines);
        },
        expect: {
          accept: (v: unknown) => {
            const r = v as RunResult;
            if (r.resumedFrom !== checkpoint(run, 2) || r.endStep !== 6) throw new Error(`resumed from ${r.resumedFrom}`);
          },
        },
      };
    })(),
    {
      name: 'config: data.batch_size 1e9 (refused by the memory bound before anything is allocated)',
      prepare: () => {
        const config = loadConfig({ set: [...tinySet(join(scratch(), 'huge'), 2), 'data.batch_size=1e9'] });
        return () => runTraining(config, { log: () => {} });
      },
      expect: { error: ConfigError, message: /^data\.batch_size 1000000000: expected a training step that fits in this machine's .* of memory, received a step that needs at least .*TiB/ },
      maxMs: 2000,
      maxRssGrowthBytes: 64 * 2 ** 20,
    },
  ];
}
