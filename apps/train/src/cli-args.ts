import { ConfigError } from '@vjepa/errors';
import { type LoadConfigOptions, parseCommandLine } from '@vjepa/run';

/**
 * The usage text of `vjepa-train --help`.
 *
 * @example
 * console.log(USAGE);
 */
export const USAGE = `vjepa-train: V-JEPA pretraining on TensorFlow.js

Usage:
  vjepa-train [--preset NAME] [--config FILE] [--set key.path=value ...] [options]

Config layers (later wins): built-in defaults -> --preset (default tiny-cpu when no --config is
given) -> --config FILE -> --set overrides. Sections use the official names: data, data_aug, mask,
model, optimization, loss, meta, logging. Values given to --set are read as YAML (1e-3, true, null,
[0.3, 1.0]). Unknown keys are errors.

Options:
  --preset NAME        tiny-cpu (default), vitl16, vith16, a V-JEPA 2 release's architecture
                       (vitl, vith, vitg, vitg-384: RoPE), or a YAML path
  --config FILE        a YAML config, layered over the preset (--fname FILE: the same, as the
                       official \`python -m app.main --fname\` spells it)
  --set K=V            override one key, e.g. --set optimization.lr=1e-3 (repeatable)
  --backend NAME       auto | tfjs-node-gpu | webgpu | tfjs-node | wasm | cpu (same as --set meta.backend=NAME)
  --folder DIR         run folder (same as --set logging.folder=DIR)
  --no-resume          start fresh even if the run folder has a checkpoint
  --then-eval          after training, the embedded frozen evaluation (the suite of vjepa-eval)
  --print-config       print the resolved config as YAML and exit
  --verbose            say every backend tried and why it was skipped (default: one line)
  -h, --help           show this help

Outputs in logging.folder: config.yaml (resolved), checkpoints/, metrics.jsonl, <write_tag>_r0.csv,
curves.png (loss and LR), masks.png (one batch's masks), encoder export (official layout),
summary.json. Ctrl-C saves a checkpoint before exiting; rerunning resumes from the latest one.

Exit codes: 0 done, 1 failed (the message says why; a rerun resumes from the last good checkpoint),
2 bad command line or config (nothing ran), 130 interrupted by Ctrl-C/SIGTERM (saved; rerun to resume).

Examples:
  vjepa-train                                   # tiny-cpu on the embedded Moving MNIST
  vjepa-train --set optimization.epochs=2 --backend wasm
  vjepa-train --config my.yaml --set data.batch_size=4
  vjepa-train --preset vitl16 --set data.datasets=[/data/k400_train.txt]
  vjepa-train --set model.use_rope=true         # V-JEPA 2's 3-D RoPE instead of the sin-cos table
  pnpm run train -- --set meta.seed=11          # from the repository root (a leading -- is fine)
`;

/**
 * What the command line asked for.
 *
 * @example
 * const args = parseCliArgs(['--set', 'data.batch_size=4', '--no-resume']);
 */
export interface CliArgs {
  help: boolean;
  printConfig: boolean;
  thenEval: boolean;
  /** Print every backend tried (default: the chosen one and why, on one line). */
  verbose: boolean;
  config: LoadConfigOptions;
}

/**
 * Parses `vjepa-train` arguments (node:util parseArgs, strict). Shorthand flags become `--set`
 * overrides so they land in the resolved config.
 *
 * @example
 * parseCliArgs(['--backend', 'cpu']).config.set; // ['meta.backend=cpu']
 */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const values = parseCommandLine(
    argv,
    {
      preset: { type: 'string' },
      config: { type: 'string' },
      fname: { type: 'string' },
      set: { type: 'string', multiple: true },
      backend: { type: 'string' },
      folder: { type: 'string' },
      'no-resume': { type: 'boolean' },
      'then-eval': { type: 'boolean' },
      'print-config': { type: 'boolean' },
      verbose: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    'vjepa-train',
  );
  if (values.config !== undefined && values.fname !== undefined) {
    throw new ConfigError('vjepa-train: --fname', { expected: 'either --config or --fname (the same flag)', received: 'both' });
  }
  const set = [...(values.set ?? [])];
  if (values.backend !== undefined) set.unshift(`meta.backend=${values.backend}`);
  if (values.folder !== undefined) set.unshift(`logging.folder=${values.folder}`);
  if (values['no-resume']) set.push('meta.load_checkpoint=false');
  return {
    help: values.help === true,
    printConfig: values['print-config'] === true,
    thenEval: values['then-eval'] === true,
    verbose: values.verbose === true,
    config: { preset: values.preset ?? null, configFile: values.config ?? values.fname ?? null, set },
  };
}
