import { ConfigError, ShapeError } from '@vjepa/errors';
import { readFileBytes, readNpy, toFloat32 } from '@vjepa/io';

/**
 * Axis order of an input array: official channels-first, or channels-last as the models take it.
 *
 * @example
 * detectLayout([2, 3, 4, 32, 32]); // 'channels-first'
 */
export type ClipLayout = 'channels-first' | 'channels-last';

/**
 * The clips of a `.npy` file, ready for the encoder: channels-last `[B, T, H, W, 3]` (or images
 * `[B, H, W, 3]`), and the layout the file was in.
 *
 * @example
 * const { data, shape } = await readClipNpy('clip.npy'); // shape [2, 4, 32, 32, 3]
 */
export interface NpyClips {
  data: Float32Array;
  shape: number[];
  /** The layout the file was in. */
  layout: ClipLayout;
}

/**
 * Which layout a clip array has: the axis of size 3 decides (axis 1: channels-first `[B, 3, T, H, W]`,
 * last axis: channels-last `[B, T, H, W, 3]`). Ambiguous shapes need `layout`.
 *
 * @example
 * detectLayout([2, 3, 4, 32, 32]); // 'channels-first'
 */
export function detectLayout(shape: readonly number[], layout?: ClipLayout, file = '<input>'): ClipLayout {
  if (shape.length !== 5 && shape.length !== 4) {
    throw new ShapeError(`${file}: clip array`, {
      expected: 'rank 5 clips [B, 3, T, H, W] / [B, T, H, W, 3] or rank 4 images [B, 3, H, W] / [B, H, W, 3]',
      received: `[${shape.join(', ')}]`,
    });
  }
  const first = shape[1] === 3;
  const last = shape[shape.length - 1] === 3;
  if (layout !== undefined) {
    if ((layout === 'channels-first' && !first) || (layout === 'channels-last' && !last)) {
      throw new ShapeError(`${file}: --layout ${layout}`, { expected: layout === 'channels-first' ? 'axis 1 of size 3' : 'a last axis of size 3', received: `[${shape.join(', ')}]` });
    }
    return layout;
  }
  if (first && last) {
    throw new ConfigError(`${file}: layout of [${shape.join(', ')}]`, { expected: 'one axis of size 3', received: 'both axis 1 and the last axis are 3', hint: 'pass --layout channels-first or --layout channels-last' });
  }
  if (!first && !last) {
    throw new ShapeError(`${file}: channels`, { expected: 'axis 1 (channels-first) or the last axis (channels-last) of size 3', received: `[${shape.join(', ')}]` });
  }
  return first ? 'channels-first' : 'channels-last';
}

/**
 * Reorders a channels-first array to channels-last on the host (`[B, C, ...S]` -> `[B, ...S, C]`).
 *
 * @example
 * const { data, shape } = toChannelsLast(cf, [2, 3, 4, 32, 32]); // shape [2, 4, 32, 32, 3]
 */
export function toChannelsLast(src: Float32Array, shape: readonly number[]): { data: Float32Array; shape: number[] } {
  const [b, c] = shape;
  const spatial = shape.slice(2).reduce((a, x) => a * x, 1);
  const out = new Float32Array(src.length);
  for (let i = 0; i < b; i++) {
    const base = i * c * spatial;
    for (let ch = 0; ch < c; ch++) {
      const from = base + ch * spatial;
      for (let s = 0; s < spatial; s++) out[base + s * c + ch] = src[from + s];
    }
  }
  return { data: out, shape: [b, ...shape.slice(2), c] };
}

/**
 * Reads clips from a `.npy` file in either layout (see {@link detectLayout}) as channels-last float32.
 *
 * @example
 * const clips = await readClipNpy('input.npy'); // official [2, 3, 4, 32, 32] -> [2, 4, 32, 32, 3]
 */
export async function readClipNpy(path: string, layout?: ClipLayout): Promise<NpyClips> {
  const t = readNpy(await readFileBytes(path, { as: 'data' }), { file: path });
  const found = detectLayout(t.shape, layout, path);
  const data = toFloat32(t);
  if (found === 'channels-last') return { data, shape: [...t.shape], layout: found };
  return { ...toChannelsLast(data, t.shape), layout: found };
}
