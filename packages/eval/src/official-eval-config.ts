import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nonNegative, nonNegativeInt, parseConfig, positive, positiveInt, z } from '@vjepa/config';
import { ConfigError } from '@vjepa/errors';
import { MODEL_NAMES } from '@vjepa/vit';
import { parse as parseYaml } from 'yaml';

/**
 * The official frozen-evaluation config (`python -m evals.main --fname configs/evals/vitl16_k400_16x8x3.yaml`):
 * the keys of the released files, each section strict, so a misspelt key is an error naming it.
 * `pretrain` says which encoder and checkpoint; `data` and `optimization` the probe's data and training.
 */
const officialEvalSchema = z
  .object({
    nodes: nonNegativeInt,
    tasks_per_node: nonNegativeInt,
    tag: z.string(),
    eval_name: z.string(),
    resume_checkpoint: z.boolean(),
    data: z
      .object({
        // video evaluations
        dataset_train: z.string(),
        dataset_val: z.string(),
        dataset_type: z.string(),
        frames_per_clip: positiveInt,
        num_segments: positiveInt,
        num_views_per_segment: positiveInt,
        frame_step: positiveInt,
        // image evaluations
        root_path: z.string(),
        image_folder: z.string(),
        resolution: positiveInt,
        dataset_name: z.string(),
        num_classes: positiveInt,
      })
      .strict()
      .partial(),
    optimization: z
      .object({
        attend_across_segments: z.boolean(),
        num_epochs: positiveInt,
        resolution: positiveInt,
        batch_size: positiveInt,
        weight_decay: nonNegative,
        lr: positive,
        start_lr: nonNegative,
        final_lr: nonNegative,
        warmup: nonNegative,
        use_bfloat16: z.boolean(),
      })
      .strict()
      .partial(),
    pretrain: z
      .object({
        model_name: z.enum(MODEL_NAMES as [string, ...string[]]),
        checkpoint_key: z.enum(['target_encoder', 'encoder']),
        clip_duration: positive.nullable(),
        frames_per_clip: positiveInt,
        tubelet_size: positiveInt,
        uniform_power: z.boolean(),
        use_silu: z.boolean(),
        tight_silu: z.boolean(),
        use_sdpa: z.boolean(),
        patch_size: positiveInt,
        folder: z.string(),
        checkpoint: z.string(),
        write_tag: z.string(),
      })
      .strict()
      .partial(),
    logging: z.object({ folder: z.string() }).partial().passthrough(),
  })
  .strict()
  .partial();

/**
 * What an official evaluation config says, in our terms: the `model` and `data` sections of the
 * encoder (for {@link archFromConfig}), the checkpoint and its key, and the probe's data and
 * training. Each is a default the command line can override.
 *
 * @example
 * const s = officialEvalSettings(parseYaml(text), 'vitl16_k400_16x8x3.yaml');
 * s.checkpoint; // '/models/jepa-latest.pth.tar'
 */
export interface OfficialEvalSettings {
  /** Our `model` and `data` sections for the encoder and its clips. */
  sections: { model: Record<string, unknown>; data: Record<string, unknown> };
  /** `pretrain.folder` joined with `pretrain.checkpoint`, or null. */
  checkpoint: string | null;
  key: 'target_encoder' | 'encoder' | null;
  /** `video` (index files of `path label` lines) or `image` (a folder of images, which vjepa-eval probe does not read). */
  kind: 'video' | 'image';
  probe: { train: string | null; test: string | null; numClasses: number | null; epochs: number | null; batchSize: number | null; lr: number | null };
  /** What of the official protocol is not reproduced here (spatial views, bfloat16, the LR schedule). */
  notes: string[];
}

/**
 * True for a parsed official evaluation config: a mapping with a `pretrain` section.
 *
 * @example
 * isOfficialEvalConfig({ pretrain: { model_name: 'vit_large' } }); // true
 */
export function isOfficialEvalConfig(raw: unknown): boolean {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) && Object.prototype.hasOwnProperty.call(raw, 'pretrain');
}

/**
 * Reads an official frozen-evaluation config (`configs/evals/*.yaml` of the reference, with its
 * `pretrain:` section) into {@link OfficialEvalSettings}: the encoder is `pretrain.model_name` with
 * its patch, tubelet, frames and `uniform_power`, clips of `optimization.resolution` (images:
 * `data.resolution`), `data.frame_step` and `data.num_segments` clips per video (one centre view
 * each: `num_views_per_segment` is noted, not reproduced); the checkpoint is `pretrain.folder` +
 * `pretrain.checkpoint` under `pretrain.checkpoint_key`; the probe trains on `data.dataset_train`,
 * tests on `data.dataset_val`, with `num_classes`, `optimization.num_epochs`, `batch_size` and `lr`.
 *
 * @example
 * const s = officialEvalSettings(parseYaml(readFileSync('vitl16_k400_16x8x3.yaml', 'utf8')), 'vitl16_k400_16x8x3.yaml');
 * s.sections.model.model_name; // 'vit_large'
 */
export function officialEvalSettings(raw: unknown, source: string): OfficialEvalSettings {
  const c = parseConfig(officialEvalSchema, raw, [], source);
  const p = c.pretrain ?? {};
  const d = c.data ?? {};
  const o = c.optimization ?? {};
  const kind = d.root_path !== undefined || d.image_folder !== undefined ? 'image' : 'video';
  if (kind === 'video' && d.frames_per_clip !== undefined && p.frames_per_clip !== undefined && d.frames_per_clip !== p.frames_per_clip) {
    throw new ConfigError(`${source}: data.frames_per_clip`, {
      expected: `the encoder's pretrain.frames_per_clip (${p.frames_per_clip})`,
      received: String(d.frames_per_clip),
      hint: 'vjepa-eval evaluates clips of the frame count the encoder was built for; set both to the same value',
    });
  }
  const frames = p.frames_per_clip ?? d.frames_per_clip;
  const resolution = kind === 'image' ? (d.resolution ?? o.resolution) : (o.resolution ?? d.resolution);
  const model: Record<string, unknown> = {};
  if (p.model_name !== undefined) model.model_name = p.model_name;
  if (p.uniform_power !== undefined) model.uniform_power = p.uniform_power;
  const data: Record<string, unknown> = {};
  if (p.patch_size !== undefined) data.patch_size = p.patch_size;
  if (p.tubelet_size !== undefined) data.tubelet_size = p.tubelet_size;
  if (frames !== undefined) data.num_frames = frames;
  if (resolution !== undefined) data.crop_size = resolution;
  if (d.frame_step !== undefined) data.frame_step = d.frame_step;
  if (kind === 'video' && d.num_segments !== undefined) data.num_clips = d.num_segments;
  const notes: string[] = [];
  if ((d.num_views_per_segment ?? 1) > 1) notes.push(`${d.num_views_per_segment} spatial views per segment in the reference; one centre view here`);
  if (o.use_bfloat16 === true) notes.push('bfloat16 in the reference; float32 here');
  if (o.weight_decay !== undefined || o.final_lr !== undefined) notes.push('the probe trains with our schedule (constant lr, our weight decay), not the reference warmup/cosine');
  if (p.use_silu === true) notes.push('pretrain.use_silu is not implemented: the encoder uses GELU');
  return {
    sections: { model, data },
    checkpoint: p.folder !== undefined && p.checkpoint !== undefined ? join(p.folder, p.checkpoint) : (p.checkpoint ?? null),
    key: p.checkpoint_key ?? null,
    kind,
    probe: {
      train: d.dataset_train ?? null,
      test: d.dataset_val ?? null,
      numClasses: d.num_classes ?? null,
      epochs: o.num_epochs ?? null,
      batchSize: o.batch_size ?? null,
      lr: o.lr ?? null,
    },
    notes,
  };
}

/**
 * The {@link OfficialEvalSettings} of a config file when it is an official evaluation config (it
 * has a `pretrain:` section), else null (a training config, or our `model`/`data` sections). An
 * unreadable file or bad YAML is left to {@link readArchConfig} to report.
 *
 * @example
 * const official = readOfficialEvalConfig('configs/evals/vitl16_k400_16x8x3.yaml');
 * const checkpoint = flags.checkpoint ?? official?.checkpoint;
 */
export function readOfficialEvalConfig(path: string): OfficialEvalSettings | null {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
  return isOfficialEvalConfig(raw) ? officialEvalSettings(raw, path) : null;
}
