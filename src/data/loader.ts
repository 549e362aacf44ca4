/**
 * DataLoader: batches of a SequenceDataset as PackedSequences, in a seeded order.
 *
 * Each `for (const batch of loader)` plays one epoch. The order of epoch e comes from one `Rng`
 * stream, so a seed fixes every epoch, and `getState()` / `setState()` carry the stream (and the
 * position inside an interrupted epoch) across a checkpoint: a resumed run sees the same batches
 * as the uninterrupted one.
 *
 * With `bucketByLength`, the shuffled samples are cut into chunks of `bucketBatches` batches, each
 * chunk is sorted by length, cut into batches, and the batches of all chunks are shuffled: every
 * batch holds sequences of similar length, yet the order still changes every epoch. Packing never
 * spends work on pads; bucketing matters for the padded layouts elsewhere (static batches, a
 * model's padded view) and for how evenly steps fill, which `paddingWaste()` measures.
 *
 * Legend: B batch size, T longest length in a batch, D features per step, O label width,
 * P per-step label width.
 */
import { PackedSequence } from './packed.ts';
import { Rng, type RngState } from '../tensor/rng.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Sample, SequenceDataset } from './dataset.ts';
import { DataError } from './errors.ts';

export interface DataLoaderOptions {
  readonly batchSize: number;
  /** Reshuffle every epoch (default false: dataset order). */
  readonly shuffle?: boolean;
  /** Seed of the order (default 0). */
  readonly seed?: number;
  /** Group samples of similar length into batches (default false). */
  readonly bucketByLength?: boolean;
  /** Batches per sorted chunk when bucketing (default 50). */
  readonly bucketBatches?: number;
  /** Leave out the last batch when it is smaller than `batchSize` (default false). */
  readonly dropLast?: boolean;
}

/** One batch, every field in the same sample order. */
export interface Batch {
  /** B sequences of D features. */
  readonly x: PackedSequence;
  /** [B, O] per-sequence labels, or null when the dataset has none. */
  readonly y: Tensor | null;
  /** Per-step labels [·, P], in the same packed layout as `x`, or null when the dataset has none. */
  readonly yPerStep: PackedSequence | null;
  /** [B] the dataset index of each sample. */
  readonly indices: Int32Array;
}

/** Where a loader is in its stream of epochs, as plain data (saved with a checkpoint). */
export interface LoaderState {
  /** The epoch in progress, or the next one (0-based). */
  readonly epoch: number;
  /** Batches of that epoch already handed out (0 between epochs). */
  readonly position: number;
  /** The generator as it was before that epoch's order was drawn. */
  readonly rng: RngState;
}

export class DataLoader implements Iterable<Batch> {
  readonly dataset: SequenceDataset;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly bucketByLength: boolean;
  readonly bucketBatches: number;
  readonly dropLast: boolean;
  /** [n] length of every sample. */
  readonly lengths: Int32Array;
  private readonly rng: Rng;
  private epochIndex = 0;
  private position = 0;
  /** The generator before the order of the epoch in progress was drawn. */
  private epochStart: RngState;

  /**
   * @example
   * const loader = new DataLoader(ds, { batchSize: 32, shuffle: true, seed: 1, bucketByLength: true });
   * for (let epoch = 0; epoch < 10; epoch++) for (const { x, y } of loader) { ... }
   */
  constructor(dataset: SequenceDataset, options: DataLoaderOptions) {
    const { batchSize, shuffle = false, seed = 0, bucketByLength = false, bucketBatches = 50, dropLast = false } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new DataError(`DataLoader: batchSize is ${batchSize}, expected a positive integer`);
    if (!Number.isInteger(bucketBatches) || bucketBatches < 1) {
      throw new DataError(`DataLoader: bucketBatches is ${bucketBatches}, expected a positive integer`);
    }
    if (dataset.size < 1) throw new DataError('DataLoader: the dataset is empty');
    if (dropLast && dataset.size < batchSize) {
      throw new DataError(`DataLoader: dropLast with batchSize ${batchSize} leaves no batch of a ${dataset.size}-sample dataset`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = shuffle;
    this.bucketByLength = bucketByLength;
    this.bucketBatches = bucketBatches;
    this.dropLast = dropLast;
    this.lengths = Int32Array.from({ length: dataset.size }, (_, i) => dataset.lengthOf?.(i) ?? dataset.get(i).x.length);
    this.lengths.forEach((len, i) => {
      if (len < 1) throw new DataError(`DataLoader: sample ${i} has length ${len}, expected at least 1 step`);
    });
    this.rng = new Rng(seed);
    this.epochStart = this.rng.getState();
  }

  /** Batches per epoch. */
  get numBatches(): number {
    const n = this.dataset.size;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The epoch in progress, or the next one. */
  get epoch(): number {
    return this.epochIndex;
  }

  /** One epoch of batches. Leaving the loop early ends the epoch (unless state is restored). */
  *[Symbol.iterator](): Iterator<Batch> {
    if (this.position === 0) this.epochStart = this.rng.getState();
    else this.rng.setState(this.epochStart); // resuming inside an epoch: draw the same order again
    const plan = this.drawPlan(this.rng);
    try {
      for (let b = this.position; b < plan.length; b++) {
        this.position = b + 1;
        yield collate(this.dataset, plan[b]);
      }
    } finally {
      this.epochIndex++;
      this.position = 0;
      this.epochStart = this.rng.getState();
    }
  }

  /** The dataset indices of every batch of the next epoch, without consuming it. */
  peekEpoch(): Int32Array[] {
    const rng = new Rng(0);
    rng.setState(this.position === 0 ? this.rng.getState() : this.epochStart);
    return this.drawPlan(rng);
  }

  /**
   * Fraction of cells a padded [B, T, D] layout of the next epoch's batches would spend on pads:
   * Σ_b (T_b · B_b − Σ len) / Σ_b (T_b · B_b). Does not consume the epoch.
   */
  paddingWaste(): number {
    return paddingWaste(this.peekEpoch(), this.lengths);
  }

  getState(): LoaderState {
    return { epoch: this.epochIndex, position: this.position, rng: this.position === 0 ? this.rng.getState() : this.epochStart };
  }

  /** Continue from a saved state: the next iteration plays the rest of that epoch. */
  setState(state: LoaderState): void {
    const { epoch, position } = state;
    if (!Number.isInteger(epoch) || epoch < 0 || !Number.isInteger(position) || position < 0 || position > this.numBatches) {
      throw new DataError(`DataLoader.setState: epoch ${epoch}, position ${position} is not a state of this loader (${this.numBatches} batches per epoch)`);
    }
    this.rng.setState(state.rng);
    this.epochStart = this.rng.getState();
    this.epochIndex = epoch;
    this.position = position;
    if (position === this.numBatches) {
      // That epoch was complete: move on as finishing it would have.
      this.drawPlan(this.rng);
      this.epochIndex++;
      this.position = 0;
      this.epochStart = this.rng.getState();
    }
  }

  /** Sample order of one epoch, cut into batches. Draws from `rng` only when shuffling. */
  private drawPlan(rng: Rng): Int32Array[] {
    const n = this.dataset.size;
    const B = this.batchSize;
    const order = Array.from({ length: n }, (_, i) => i);
    if (this.shuffle) rng.shuffle(order);
    const batches: number[][] = [];
    const chunk = this.bucketByLength ? this.bucketBatches * B : n;
    for (let c = 0; c < n; c += chunk) {
      const part = order.slice(c, c + chunk);
      // Longest first; ties keep the shuffled order.
      if (this.bucketByLength) part.sort((a, b) => this.lengths[b] - this.lengths[a]);
      for (let s = 0; s < part.length; s += B) batches.push(part.slice(s, s + B));
    }
    if (this.dropLast && batches[batches.length - 1].length < B) batches.pop();
    if (this.bucketByLength && this.shuffle) rng.shuffle(batches);
    return batches.map((b) => Int32Array.from(b));
  }
}

/**
 * Build one batch from dataset samples, in the given order.
 * @example const all = collate(ds, Int32Array.from({ length: ds.size }, (_, i) => i));
 */
export function collate(dataset: SequenceDataset, indices: Int32Array): Batch {
  const samples: Sample[] = Array.from(indices, (i) => dataset.get(i));
  const D = dataset.inputSize;
  samples.forEach((s, j) => {
    s.x.forEach((step, t) => {
      if (step.length !== D) {
        throw new DataError(`DataLoader: sample ${indices[j]}, step ${t} has ${step.length} features, expected ${D} (dataset.inputSize)`);
      }
    });
  });
  const x = PackedSequence.fromArrays(samples.map((s) => s.x));
  const withY = samples.filter((s) => s.y !== undefined).length;
  const withSteps = samples.filter((s) => s.yPerStep !== undefined).length;
  if (withY !== 0 && withY !== samples.length) throw new DataError('DataLoader: some samples have a label y and some do not');
  if (withSteps !== 0 && withSteps !== samples.length) throw new DataError('DataLoader: some samples have per-step labels and some do not');

  let y: Tensor | null = null;
  if (withY > 0) {
    const O = (samples[0].y as readonly number[]).length;
    const data = new Float32Array(samples.length * O); // [B, O]
    samples.forEach((s, j) => {
      const row = s.y as readonly number[];
      if (row.length !== O) throw new DataError(`DataLoader: sample ${indices[j]} has ${row.length} label values, expected ${O} (as sample ${indices[0]})`);
      data.set(row, j * O);
    });
    y = new Tensor(data, [samples.length, O]);
  }
  let yPerStep: PackedSequence | null = null;
  if (withSteps > 0) {
    samples.forEach((s, j) => {
      const n = (s.yPerStep as readonly (readonly number[])[]).length;
      if (n !== s.x.length) throw new DataError(`DataLoader: sample ${indices[j]} has ${n} per-step labels for ${s.x.length} steps`);
    });
    yPerStep = PackedSequence.fromArrays(samples.map((s) => s.yPerStep as readonly (readonly number[])[]));
  }
  return { x, y, yPerStep, indices: Int32Array.from(indices) };
}

/**
 * Σ_b (T_b · B_b − Σ len) / Σ_b (T_b · B_b): the fraction of a padded layout's cells that are pads,
 * for batches of sample indices with the given lengths.
 * @example paddingWaste([Int32Array.of(0, 1)], Int32Array.of(4, 2)) // 2 pads in 8 cells: 0.25
 */
export function paddingWaste(batches: readonly ArrayLike<number>[], lengths: ArrayLike<number>): number {
  let cells = 0;
  let real = 0;
  for (const batch of batches) {
    let T = 0;
    for (let j = 0; j < batch.length; j++) {
      const len = lengths[batch[j]];
      T = Math.max(T, len);
      real += len;
    }
    cells += T * batch.length;
  }
  return cells === 0 ? 0 : (cells - real) / cells;
}
