/**
 * Holding out a validation set: the last part of a dataset, as Keras' `validation_split` does
 * (samples n·(1 − fraction) … n − 1, before any shuffling), which keeps time order for series.
 */
import { DataLoader } from '../data/loader.ts';
import type { Sample, SequenceDataset } from '../data/dataset.ts';

/** A view of some samples of a dataset, in the given order. */
export class SubsetDataset implements SequenceDataset {
  readonly size: number;
  readonly inputSize: number;

  constructor(
    private readonly base: SequenceDataset,
    private readonly indices: Int32Array,
  ) {
    this.size = indices.length;
    this.inputSize = base.inputSize;
  }

  get(i: number): Sample {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`SubsetDataset.get: index ${i} is outside 0..${this.size - 1}`);
    return this.base.get(this.indices[i]);
  }

  lengthOf(i: number): number {
    const j = this.indices[i];
    return this.base.lengthOf?.(j) ?? this.base.get(j).x.length;
  }
}

/**
 * The first ⌊n·(1 − fraction)⌋ samples for training, the rest for validation.
 * @example const { train, validation } = splitDataset(ds, 0.2);
 */
export function splitDataset(dataset: SequenceDataset, fraction: number): { train: SubsetDataset; validation: SubsetDataset } {
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new Error(`validation split: fraction is ${fraction}, expected a number between 0 and 1 (e.g. 0.2)`);
  }
  const n = dataset.size;
  const at = Math.floor(n * (1 - fraction));
  if (at < 1 || at >= n) {
    throw new Error(`validation split: ${fraction} of ${n} samples leaves ${at} for training and ${n - at} for validation; both need at least one`);
  }
  const range = (a: number, b: number): Int32Array => Int32Array.from({ length: b - a }, (_, i) => a + i);
  return { train: new SubsetDataset(dataset, range(0, at)), validation: new SubsetDataset(dataset, range(at, n)) };
}

/**
 * Two loaders from one: training batches from the first part of its dataset (same batch size,
 * shuffling, bucketing, and the shuffle generator where it stands now), validation batches
 * from the last `fraction`, in order.
 */
export function splitLoader(loader: DataLoader, fraction: number): { train: DataLoader; validation: DataLoader } {
  const parts = splitDataset(loader.dataset, fraction);
  const train = new DataLoader(parts.train, {
    batchSize: loader.batchSize,
    shuffle: loader.shuffle,
    bucketByLength: loader.bucketByLength,
    bucketBatches: loader.bucketBatches,
    dropLast: loader.dropLast && parts.train.size >= loader.batchSize,
  });
  train.setState({ epoch: 0, position: 0, rng: loader.getState().rng });
  const validation = new DataLoader(parts.validation, { batchSize: loader.batchSize });
  return { train, validation };
}
