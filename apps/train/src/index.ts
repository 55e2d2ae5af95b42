/**
 * `@vjepa/app-train`: the programmatic API of the `vjepa-train` CLI, for apps/eval and tests.
 *
 * @example
 * import { loadConfig, runTraining } from '@vjepa/app-train';
 * const config = loadConfig({ preset: 'tiny-cpu', set: ['optimization.epochs=1', 'meta.backend=cpu'] });
 * const result = await runTraining(config, { onStep: (r) => console.log(r.step, r.loss) });
 */
export { loadConfig, validateConfig, findConfigsDir, presetPath, DEFAULT_PRESET } from './config/load-config';
export type { LoadConfigOptions } from './config/load-config';
export { trainConfigSchema, DATASET_TYPES, BACKENDS, MODEL_NAMES } from './config/schema';
export type { TrainConfig } from './config/schema';
export { DEFAULT_CONFIG } from './config/defaults';
export { encoderSize, MODEL_SIZES } from './config/consistency';
export { parseSetOverride, mergeLayers } from './config/layers';
export { runTraining } from './run/run-training';
export type { RunResult, RunTrainingOptions } from './run/run-training';
export { runPaths } from './run/run-folder';
export type { RunPaths } from './run/run-folder';
export { gridOf, strategyForConfig, loadStrategyModule } from './masking/load-strategy';
export { CSV_COLUMNS, MetricsLog } from './logging/metrics-log';
export type { StepRecord } from './logging/metrics-log';
export { curvesPng } from './logging/curves-png';
export { EVAL_ENTRY_POINTS, findEvalEntryPoint } from './run/eval-hook';
export type { ThenEvalOptions } from './run/eval-hook';
export { parseCliArgs, USAGE } from './cli-args';
