// Shared set-up of this package's tests (not exported from the package index).

/** A tiny run: 32-token grid, D 32, one block, 2 clips per batch, cpu. */
export function tinySet(folder: string, steps: number): string[] {
  return [
    'data.batch_size=2', 'data.num_frames=4', 'data.crop_size=32', 'data.num_videos=16', 'model.embed_dim=32', 'model.depth=1', 'model.num_heads=2',
    'model.pred_embed_dim=16', 'model.pred_depth=1', 'optimization.epochs=1', `optimization.ipe=${steps}`, 'optimization.warmup=0', 'meta.backend=cpu',
    `logging.folder=${folder}`, 'logging.checkpoint_every=2',
  ];
}

