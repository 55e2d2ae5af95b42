import { DataError, ShapeError } from '@vjepa/errors';

const AXES: Record<number, readonly string[]> = { 5: ['clip', 'frame', 'row', 'column', 'channel'], 4: ['image', 'row', 'column', 'channel'] };

/** Where flat index `i` of a channels-last array of `shape` is, axis by axis: `[clip 0, frame 2, row 0, column 5, channel 1]`. */
function position(i: number, shape: readonly number[]): string {
  const at: number[] = [];
  let rest = i;
  for (let d = shape.length - 1; d >= 0; d--) {
    at.unshift(rest % shape[d]);
    rest = Math.floor(rest / shape[d]);
  }
  const names = AXES[shape.length];
  return `[${at.map((v, d) => (names ? `${names[d]} ${v}` : String(v))).join(', ')}]`;
}

/**
 * Checks clips before they reach an encoder: at least one clip, no empty axis, and only finite
 * values. A NaN or infinity in a clip turns every feature of its batch into NaN, which would be
 * written and exit 0; here it is a DataError naming the file, how many values and where the first is.
 *
 * @example
 * checkClips(clips.data, clips.shape, 'input.npy'); // throws on [0, 3, 8, 32, 32] or a NaN
 */
export function checkClips(data: Float32Array, shape: readonly number[], file: string): void {
  if (shape[0] === 0) {
    throw new ShapeError(`${file}: clip array [${shape.join(', ')}]`, { expected: 'at least one clip (a first axis of 1 or more)', received: '0 clips', hint: 'the file holds no clips; nothing to extract' });
  }
  const empty = shape.findIndex((d) => d === 0);
  if (empty >= 0) throw new ShapeError(`${file}: clip array [${shape.join(', ')}]`, { expected: 'no axis of size 0', received: `axis ${empty} of size 0` });
  let bad = 0;
  let first = -1;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      bad += 1;
      if (first < 0) first = i;
    }
  }
  if (bad > 0) {
    throw new DataError(`${file}: clip values`, {
      expected: 'finite numbers',
      received: `${bad} NaN or infinite value(s) of ${data.length}, the first ${data[first]} at ${position(first, shape)}`,
      hint: 'an encoder turns them into NaN features; fix or drop those clips',
    });
  }
}

/**
 * Checks features after an encoder: only finite values. NaN features from finite clips mean the
 * weights hold NaN or infinity (or the backend failed); they are refused rather than written.
 *
 * @example
 * checkFeatures(f.data, 'features of clip.mp4 under checkpoint.pth.tar[target_encoder]');
 */
export function checkFeatures(data: Float32Array, what: string): void {
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) bad += 1;
  if (bad > 0) {
    throw new DataError(what, {
      expected: 'finite features',
      received: `${bad} NaN or infinite value(s) of ${data.length}`,
      hint: 'the input was finite, so the encoder weights hold NaN/Inf or the backend failed; check the checkpoint, or rerun with --backend cpu',
    });
  }
}
