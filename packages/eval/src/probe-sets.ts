import { type ClipSet, indexClips, movingMnistClips } from '@vjepa/data';
import { DataError } from '@vjepa/errors';
import { type EvalArch, clipOf } from './arch';

/**
 * Seeds of the embedded Moving MNIST evaluation sets (fixed, so caches and reports compare across runs).
 *
 * @example
 * movingMnistClips(clipOf(arch), { part: 'probe-test', count: 1000, seed: MOVING_MNIST_SEEDS['probe-test'] });
 */
export const MOVING_MNIST_SEEDS = { 'probe-train': 1001, 'probe-test': 1002 } as const;

/**
 * The data a probe is trained and tested on: the embedded Moving MNIST tasks, or two `path label` indexes.
 *
 * @example
 * const d1: ProbeDataset = { kind: 'moving-mnist', tasks: ['digit', 'direction'], trainClips: 400, testClips: 200 };
 * const d2: ProbeDataset = { kind: 'index', train: 'train.txt', test: 'test.txt' };
 */
export type ProbeDataset =
  | { kind: 'moving-mnist'; tasks: readonly ('digit' | 'direction' | 'speed')[]; trainClips: number; testClips: number }
  | { kind: 'index'; train: string; test: string; numClasses?: number; ffmpegPath?: string };

/**
 * Train and test sets of a probe dataset plus the tasks (label names) to evaluate.
 *
 * @example
 * const { train, test, tasks } = await probeSets(arch, { kind: 'index', train: 'a.txt', test: 'b.txt' });
 */
export async function probeSets(arch: EvalArch, dataset: ProbeDataset): Promise<{ train: ClipSet; test: ClipSet; tasks: string[] }> {
  if (dataset.kind === 'moving-mnist') {
    const train = movingMnistClips(clipOf(arch), { part: 'probe-train', count: dataset.trainClips, seed: MOVING_MNIST_SEEDS['probe-train'] });
    const test = movingMnistClips(clipOf(arch), { part: 'probe-test', count: dataset.testClips, seed: MOVING_MNIST_SEEDS['probe-test'] });
    return { train, test, tasks: [...dataset.tasks] };
  }
  const train = await indexClips(clipOf(arch), dataset.train, { numClasses: dataset.numClasses, ffmpegPath: dataset.ffmpegPath });
  const test = await indexClips(clipOf(arch), dataset.test, { numClasses: dataset.numClasses, ffmpegPath: dataset.ffmpegPath });
  if (train.numClasses.label !== test.numClasses.label) {
    throw new DataError(`class counts of ${dataset.train} and ${dataset.test}`, {
      expected: 'the same number of classes (max label + 1) in train and test',
      received: `${train.numClasses.label} in ${dataset.train}, ${test.numClasses.label} in ${dataset.test}`,
      hint: 'check that both indexes use the same class list; pass --num-classes N if a class is absent from one of them.',
    });
  }
  const missing = [...new Set(train.labels.label)].length;
  if (missing < 2) throw new DataError(`${dataset.train}: labels`, { expected: 'at least 2 distinct classes', received: String(missing) });
  return { train, test, tasks: ['label'] };
}

