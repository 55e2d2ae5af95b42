/**
 * The bottom layer of every config: a complete set of values, sized like the tiny CPU preset, so a
 * partial YAML or a few `--set` overrides are enough to run. Presets in `configs/` override these;
 * the released-model mirrors (`vitl16.yaml`, `vith16.yaml`) override nearly all of them.
 *
 * @example
 * import { DEFAULT_CONFIG } from './defaults';
 * DEFAULT_CONFIG.data.batch_size; // 8
 */
export const DEFAULT_CONFIG = {
  data: {
    dataset_type: 'moving_mnist', // embedded, generated from the MNIST train digits
    datasets: [] as string[],
    batch_size: 8,
    num_frames: 8,
    crop_size: 32,
    patch_size: 8,
    tubelet_size: 2,
    frame_step: 1, // Moving MNIST moves every frame; the official 4 is for 30 fps camera video
    sampling_rate: null, // the official name of frame_step; wins when set
    num_clips: 1,
    num_videos: 2000,
    datasets_weights: null,
    clip_duration: null,
    decode_one_clip: true,
    filter_short_videos: false,
    num_workers: 0,
    pin_mem: false,
    prefetch: 2,
  },
  data_aug: {
    random_resize_scale: [0.3, 1.0],
    random_resize_aspect_ratio: [0.75, 1.35],
    horizontal_flip: true,
    auto_augment: false,
    motion_shift: false,
    reprob: 0.0,
  },
  mask: [
    { num_blocks: 8, spatial_scale: [0.15, 0.15], temporal_scale: [1.0, 1.0], aspect_ratio: [0.75, 1.5], max_temporal_keep: 1.0, max_keep: null },
    { num_blocks: 2, spatial_scale: [0.7, 0.7], temporal_scale: [1.0, 1.0], aspect_ratio: [0.75, 1.5], max_temporal_keep: 1.0, max_keep: null },
  ],
  mask_strategy_module: null,
  model: {
    model_name: null,
    embed_dim: null,
    depth: null,
    num_heads: null,
    mlp_ratio: null, // null: the named size's (giant 48/11), else 4
    layer_norm_eps: null, // null: 1e-6
    pred_depth: 2,
    pred_embed_dim: 64,
    pred_num_heads: null, // null: the encoder's heads (the reference)
    num_mask_tokens: null, // null: one per mask type
    uniform_power: true,
    use_rope: null, // null: the named size's (the vit_*_rope sizes are V-JEPA 2 RoPE models), else false
    use_mask_tokens: true,
    zero_init_mask_tokens: true,
  },
  optimization: {
    ipe: 50,
    ipe_scale: 1.25,
    epochs: 4,
    warmup: 1,
    start_lr: 2e-5,
    lr: 2e-4,
    final_lr: 1e-6,
    weight_decay: 0.04,
    final_weight_decay: 0.4,
    ema: [0.998, 1.0],
    clip_grad: 10.0,
  },
  loss: { loss_exp: 1.0, reg_coeff: 0.0, enc_var_coeff: 0.0, enc_cov_coeff: 0.0 },
  meta: {
    seed: 234,
    load_checkpoint: true,
    read_checkpoint: null,
    backend: 'auto',
    replicas: 1, // ours: > 1 trains data-parallel on worker threads (vjepa-train; same numbers within float tolerance)
    objective: 'features',
    eval_freq: 100,
    use_sdpa: true,
    dtype: 'float32',
  },
  logging: {
    folder: 'runs/default',
    write_tag: 'jepa',
    checkpoint_every: 50,
    log_every: 10,
  },
} as const;
