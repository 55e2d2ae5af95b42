import { CheckpointError } from '@vjepa/errors';
import { type StateDict, matchStateDict, openTorchCheckpointFile, selectStateDict, writeFileAtomic, writeTorchCheckpoint } from '@vjepa/io';
import { fromOfficialOptimizer, officialParameterOrder, toOfficialOptimizer } from './official-optimizer';
import type { TrainerState } from './trainer-state';
import { scheduleValues, trainerSchedules } from './trainer-schedules';

const PREFIX = 'module.backbone.';

/** The state dict with its keys in official order (top-level tables first), prefixed. */
function officialStateDict(sd: StateDict): StateDict {
  return Object.fromEntries(officialParameterOrder(Object.keys(sd)).map((k) => [PREFIX + k, sd[k]]));
}

/**
 * What {@link exportOfficial} wrote: the epoch it recorded and, for a step inside an epoch, a warning.
 *
 * @example
 * const { epoch, warning } = await exportOfficial(state, path);
 * if (warning) console.warn(warning);
 */
export interface OfficialExportInfo {
  readonly path: string;
  /** Steps done. */
  readonly iteration: number;
  /** `floor(iteration / ipe)`: the completed epochs, what the official trainer resumes from. */
  readonly epoch: number;
  /** `iteration - epoch * ipe`: steps past the last epoch boundary (0 at a boundary). */
  readonly stepsIntoEpoch: number;
  /** Parameters with AdamW moments in `opt`. */
  readonly optimizerEntries: number;
  /** Set when `stepsIntoEpoch > 0`: the official trainer will resume its schedules earlier than our step. */
  readonly warning: string | null;
}

/**
 * Writes a {@link TrainerState} as an official training checkpoint (a `torch.save` zip, written
 * atomically) that the official trainer continues: `encoder`, `predictor`, `target_encoder` (official
 * names prefixed `module.backbone.`, in `named_parameters()` order), `opt` (PyTorch's AdamW state
 * dict in the official four-group layout with our moments and step counts, see
 * `toOfficialOptimizer`), `scaler` None (we train in float32: there is no GradScaler state), `epoch`,
 * `loss`, `batch_size`, `world_size`, `lr` (of the last step).
 *
 * `epoch` is the number of completed epochs, `floor(iteration / ipe)`: the official trainer steps its
 * LR, WD and momentum schedules and its mask collator `epoch * ipe` times when it loads a checkpoint,
 * and starts at the beginning of that epoch. Exported at an epoch boundary the hand-off is exact; from
 * a step inside an epoch the official run restarts that epoch: its schedules go back by
 * `stepsIntoEpoch` steps (the weights and AdamW moments and step counts are exact), and the returned
 * `warning` says so.
 *
 * @example
 * const info = await exportOfficial(await trainer.snapshot(), 'runs/tiny/jepa-latest.pth.tar', { loss: last.loss, batchSize: 8 });
 * if (info.warning) console.warn(info.warning);
 */
export async function exportOfficial(state: TrainerState, path: string, info: { loss?: number; batchSize?: number } = {}): Promise<OfficialExportInfo> {
  const w = state.weights;
  const ipe = state.config.optimization.ipe;
  const epoch = Math.floor(state.iteration / ipe);
  const stepsIntoEpoch = state.iteration - epoch * ipe;
  const opt = toOfficialOptimizer(state.optimizer, w);
  const bytes = writeTorchCheckpoint({
    encoder: officialStateDict(w.encoder),
    predictor: officialStateDict(w.predictor),
    target_encoder: w.targetEncoder ? officialStateDict(w.targetEncoder) : null,
    opt,
    scaler: null,
    epoch,
    loss: info.loss ?? null,
    batch_size: info.batchSize ?? null,
    world_size: 1,
    lr: state.schedules.lastLr ?? null,
  });
  await writeFileAtomic(path, bytes);
  const warning =
    stepsIntoEpoch === 0
      ? null
      : `${path}: step ${state.iteration} is ${stepsIntoEpoch} step(s) into epoch ${epoch + 1} (ipe ${ipe}); the file says epoch ${epoch}, so the official trainer restarts that epoch at step ${epoch * ipe}: its LR, WD and EMA schedules go back ${stepsIntoEpoch} step(s) (weights and AdamW state are exact). Export at a multiple of ${ipe} steps for an exact hand-off.`;
  return { path, iteration: state.iteration, epoch, stepsIntoEpoch, optimizerEntries: opt.state.size, warning };
}

/**
 * An official training checkpoint read back (`*.pth.tar` from the official trainer, a released one,
 * or our {@link exportOfficial}): the three state dicts with prefixes stripped, in file order, the raw
 * `opt` (null when None), and `epoch`.
 *
 * @example
 * const ckpt = await readOfficialCheckpoint('vitl16.pth.tar');
 * ckpt.epoch; // completed epochs
 */
export interface OfficialCheckpoint {
  readonly file: string;
  readonly encoder: StateDict;
  readonly predictor: StateDict;
  readonly targetEncoder: StateDict | null;
  /** PyTorch's optimizer state dict as plain data, or null (`opt: None`). */
  readonly opt: unknown;
  /** Completed epochs (0 when the file has no `epoch`). */
  readonly epoch: number;
  /** Whether the file holds GradScaler state (a mixed-precision run); we train in float32 and ignore it. */
  readonly hasScaler: boolean;
}

/**
 * Reads an official training checkpoint from disk, entry by entry (multi-GB files are fine), without
 * running pickle code: `encoder`, `predictor`, `target_encoder`, `opt`, `scaler`, `epoch`.
 *
 * @example
 * const ckpt = await readOfficialCheckpoint('runs/cluster/jepa-latest.pth.tar');
 * trainer.restore(stateFromOfficial(ckpt, await trainer.snapshot()).state);
 */
export async function readOfficialCheckpoint(path: string): Promise<OfficialCheckpoint> {
  const ckpt = await openTorchCheckpointFile(path);
  try {
    for (const key of ['encoder', 'predictor']) {
      if (ckpt.kindOf(key) !== 'dict') {
        throw new CheckpointError(`${path}: "${key}"`, {
          expected: 'a state dict (an official training checkpoint holds encoder, predictor, target_encoder, opt, epoch)',
          received: ckpt.kindOf(key) ?? `no such key (keys: ${ckpt.keys.join(', ')})`,
          hint: 'an encoder-only file (a probe checkpoint, our jepa-latest before optimizer export) cannot be continued; start a run from our checkpoint directory instead',
        });
      }
    }
    const sd = (key: string): StateDict => selectStateDict({ [key]: ckpt.get(key) }, key, { file: path });
    const epochValue = ckpt.kindOf('epoch') === 'number' ? ckpt.get('epoch') : undefined;
    const epoch = epochValue === undefined ? 0 : Number(epochValue);
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new CheckpointError(`${path}: epoch`, { expected: 'an integer >= 0', received: String(epochValue) });
    return {
      file: path,
      encoder: sd('encoder'),
      predictor: sd('predictor'),
      targetEncoder: ckpt.kindOf('target_encoder') === 'dict' ? sd('target_encoder') : null,
      opt: ckpt.kindOf('opt') === 'dict' ? ckpt.get('opt') : null,
      epoch,
      hasScaler: ckpt.kindOf('scaler') === 'dict',
    };
  } finally {
    ckpt.close();
  }
}

/**
 * One CheckpointError listing every missing, unexpected and mis-shaped key of every module at once,
 * or nothing when the checkpoint's modules have exactly the keys and shapes of ours.
 */
function checkArchitecture(file: string, ours: Record<string, StateDict | null>, theirs: Record<string, StateDict | null>): void {
  const problems: string[] = [];
  for (const [module, sd] of Object.entries(ours)) {
    if (sd === null) continue;
    const t = theirs[module];
    if (t === null) {
      problems.push(`${module}: none in the file`);
      continue;
    }
    const shapes = Object.fromEntries(Object.entries(sd).map(([k, v]) => [k, v.shape]));
    const r = matchStateDict(shapes, t, { allowPartial: true });
    const parts: string[] = [];
    if (r.missing.length) parts.push(`${r.missing.length} missing (${r.missing.join(', ')})`);
    if (r.unexpected.length) parts.push(`${r.unexpected.length} unexpected (${r.unexpected.join(', ')})`);
    if (r.mismatched.length) parts.push(`${r.mismatched.length} mis-shaped (${r.mismatched.map((m) => `${m.key}: ours [${m.expected.join(', ')}], file [${m.received.join(', ')}]`).join('; ')})`);
    if (parts.length) problems.push(`${module}: ${parts.join('; ')}`);
  }
  if (problems.length > 0) {
    throw new CheckpointError(`${file}: architecture`, {
      expected: `the keys and shapes of the models this config builds (${Object.entries(ours).filter(([, sd]) => sd !== null).map(([m, sd]) => `${m} ${Object.keys(sd!).length} keys`).join(', ')})`,
      received: problems.join(' | '),
      hint: 'set the config to the checkpoint\'s architecture: model.model_name (or embed_dim/depth/num_heads), pred_depth, pred_embed_dim, data.patch_size, tubelet_size, num_frames, crop_size, and one mask type per mask token',
    });
  }
}

/**
 * Turns an official training checkpoint into a {@link TrainerState} for `trainer.restore`, given the
 * state of the trainer it goes into (`template = await trainer.snapshot()`, which supplies the
 * config, seed, masking generator and model configs). The three state dicts must have exactly the
 * keys and shapes of ours (one error lists every difference of every module; `restore` then also
 * checks the sin-cos tables). AdamW moments and step counts come from `opt` (fresh moments when it is
 * None, with a note). The iteration is `epoch * ipe` (our config's `ipe`), where the official trainer
 * itself resumes its schedules. `notes` are facts to log.
 *
 * @example
 * const { state, notes } = stateFromOfficial(await readOfficialCheckpoint(file), await trainer.snapshot());
 * trainer.restore(state);
 */
export function stateFromOfficial(ckpt: OfficialCheckpoint, template: TrainerState): { state: TrainerState & { readonly dir: string }; notes: string[] } {
  const { file } = ckpt;
  if (template.weights.targetEncoder === null) {
    throw new CheckpointError(`${file}: target_encoder`, { expected: 'a trainer with a target encoder (loss objective "features")', received: 'a pixels-objective trainer', hint: 'official checkpoints are V-JEPA (features) runs' });
  }
  checkArchitecture(file, { encoder: template.weights.encoder, predictor: template.weights.predictor, target_encoder: template.weights.targetEncoder }, { encoder: ckpt.encoder, predictor: ckpt.predictor, target_encoder: ckpt.targetEncoder });
  const ipe = template.config.optimization.ipe;
  const iteration = ckpt.epoch * ipe;
  const notes: string[] = [];
  let optimizer: TrainerState['optimizer'] = { ...template.optimizer, params: {} };
  if (ckpt.opt === null) {
    notes.push('opt is None: AdamW starts from zero moments');
  } else {
    const read = fromOfficialOptimizer(ckpt.opt, { encoder: ckpt.encoder, predictor: ckpt.predictor }, template.optimizer, { file });
    optimizer = read.state;
    notes.push(...read.notes);
    if (read.maxStep !== iteration) notes.push(`AdamW took ${read.maxStep} step(s), while epoch ${ckpt.epoch} x ipe ${ipe} = ${iteration}: training continues at step ${iteration}, as the official trainer would with this ipe`);
  }
  if (ckpt.hasScaler) notes.push('scaler (mixed-precision GradScaler state) ignored: we train in float32');
  return {
    state: {
      ...template,
      iteration,
      weights: { encoder: ckpt.encoder, predictor: ckpt.predictor, targetEncoder: ckpt.targetEncoder },
      optimizer,
      schedules: scheduleValues(trainerSchedules(template.config), iteration),
      dir: file,
    },
    notes,
  };
}
