import { ConfigError } from '@vjepa/errors';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { clipOf, parseArchConfig } from './arch';
import { isOfficialEvalConfig, officialEvalSettings } from './official-eval-config';

// The keys and values of the released configs/evals/vitl16_k400_16x8x3.yaml (facebookresearch/jepa).
const K400 = `nodes: 8
tasks_per_node: 8
tag: k400-16x8x3
eval_name: video_classification_frozen
resume_checkpoint: false
data:
  dataset_train: /data/k400_train.csv
  dataset_val: /data/k400_val.csv
  dataset_type: VideoDataset
  num_classes: 400
  frames_per_clip: 16
  num_segments: 8
  num_views_per_segment: 3
  frame_step: 4
optimization:
  attend_across_segments: true
  num_epochs: 20
  resolution: 224
  batch_size: 4
  weight_decay: 0.01
  lr: 0.001
  start_lr: 0.001
  final_lr: 0.0
  warmup: 0.
  use_bfloat16: true
pretrain:
  model_name: vit_large
  checkpoint_key: target_encoder
  clip_duration: null
  frames_per_clip: 16
  tubelet_size: 2
  uniform_power: true
  use_silu: false
  tight_silu: false
  use_sdpa: true
  patch_size: 16
  folder: /models/
  checkpoint: jepa-latest.pth.tar  # name of pretrained model file inside folder
  write_tag: jepa
`;

describe('official evaluation configs (configs/evals/*.yaml with a pretrain: section)', () => {
  it('gives the encoder and clips of pretrain + data + optimization', () => {
    const arch = parseArchConfig(K400, 'vitl16_k400_16x8x3.yaml');
    expect(arch.vit).toMatchObject({ embedDim: 1024, depth: 24, numHeads: 16, patchSize: 16, tubeletSize: 2, numFrames: 16, imgSize: 224, uniformPower: true });
    expect(clipOf(arch)).toEqual({ numFrames: 16, frameStep: 4, numClips: 8, cropSize: 224 });
  });

  it('gives the checkpoint, its key and the probe data and training as defaults, and says what is not reproduced', () => {
    const raw = parseYaml(K400);
    expect(isOfficialEvalConfig(raw)).toBe(true);
    expect(isOfficialEvalConfig({ model: {} })).toBe(false);
    const s = officialEvalSettings(raw, 'k400.yaml');
    expect(s).toMatchObject({ checkpoint: '/models/jepa-latest.pth.tar', key: 'target_encoder', kind: 'video', probe: { train: '/data/k400_train.csv', test: '/data/k400_val.csv', numClasses: 400, epochs: 20, batchSize: 4, lr: 0.001 } });
    expect(s.notes.join('; ')).toContain('3 spatial views per segment in the reference; one centre view here');
  });

  it('reads an image evaluation (root_path, image_folder, data.resolution) as an image kind', () => {
    const s = officialEvalSettings(parseYaml('data: {root_path: /d/, image_folder: in1k/, num_classes: 1000, resolution: 384, dataset_name: ImageNet}\npretrain: {model_name: vit_huge, patch_size: 16, frames_per_clip: 16, tubelet_size: 2}\n'), 'in1k.yaml');
    expect(s.kind).toBe('image');
    expect(s.sections.data).toMatchObject({ crop_size: 384, num_frames: 16 });
  });

  it('names a misspelt key with a guess, and refuses eval frames that differ from the encoder frames', () => {
    expect(() => parseArchConfig(K400.replace('checkpoint_key:', 'checkpoint_kye:'), 'k.yaml')).toThrow(/k\.yaml: pretrain\.checkpoint_kye: expected no such key .*did you mean "checkpoint_key"/);
    const e = (() => {
      try {
        parseArchConfig(K400.replace('  frames_per_clip: 16\n  num_segments', '  frames_per_clip: 8\n  num_segments'), 'k.yaml');
      } catch (err) {
        return err;
      }
    })();
    expect(ConfigError.isInstance(e)).toBe(true);
    expect((e as Error).message).toContain("k.yaml: data.frames_per_clip: expected the encoder's pretrain.frames_per_clip (16), received 8");
  });
});
