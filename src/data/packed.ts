/**
 * PackedSequence: a batch of variable-length sequences stored packed and time-major, as in
 * PyTorch's `torch.nn.utils.rnn.PackedSequence`. No memory is spent on pads.
 *
 * Legend: B batch, T longest length, F features per step, N = Σ lengths (packed rows).
 *
 * Samples are sorted by length, longest first (stable). Step t holds the first `batchSizes[t]`
 * sorted samples, at rows `offsets[t] .. offsets[t] + batchSizes[t]` of `data` [N, F]:
 *   row(sorted position j, step t) = offsets[t] + j        (valid while j < batchSizes[t])
 * `sortedIndices[j]` is the caller's sample at sorted position j; `unsortedIndices[b]` is where
 * the caller's sample b sits. Everything a user sees (padded views, final states) is in the
 * caller's order.
 */
import { alloc } from '../tensor/alloc.ts';
import { Tensor, record, shapeStr } from '../tensor/tensor.ts';

export class PackedSequence {
  /** [N, F] packed time-major rows. */
  readonly data: Tensor;
  /** [T] active samples at each step (non-increasing). */
  readonly batchSizes: Int32Array;
  /** [T + 1] first packed row of each step; offsets[T] = N. */
  readonly offsets: Int32Array;
  /** [B] caller's sample index at each sorted position. */
  readonly sortedIndices: Int32Array;
  /** [B] sorted position of each caller sample. */
  readonly unsortedIndices: Int32Array;
  /** [B] lengths in the caller's order. */
  readonly lengths: Int32Array;

  private constructor(data: Tensor, lengths: Int32Array, sortedIndices: Int32Array) {
    this.data = data;
    this.lengths = lengths;
    this.sortedIndices = sortedIndices;
    const B = lengths.length;
    this.unsortedIndices = new Int32Array(B);
    for (let j = 0; j < B; j++) this.unsortedIndices[sortedIndices[j]] = j;
    const T = B > 0 ? lengths[sortedIndices[0]] : 0;
    this.batchSizes = new Int32Array(T);
    for (let j = 0; j < B; j++) for (let t = 0; t < lengths[sortedIndices[j]]; t++) this.batchSizes[t]++;
    this.offsets = new Int32Array(T + 1);
    for (let t = 0; t < T; t++) this.offsets[t + 1] = this.offsets[t] + this.batchSizes[t];
  }

  /** Number of sequences B. */
  get batchSize(): number {
    return this.lengths.length;
  }

  /** Longest length T. */
  get maxLength(): number {
    return this.batchSizes.length;
  }

  /** Features per step F. */
  get features(): number {
    return this.data.shape[1];
  }

  /** Packed rows N = Σ lengths. */
  get rows(): number {
    return this.offsets[this.maxLength];
  }

  /** The packed row of caller sample `b` at step `t`. */
  rowOf(b: number, t: number): number {
    return this.offsets[t] + this.unsortedIndices[b];
  }

  /**
   * The same layout with other per-row data (e.g. a head applied to every real step).
   * `data` must have N rows.
   */
  withData(data: Tensor): PackedSequence {
    if (data.ndim !== 2 || data.shape[0] !== this.rows) {
      throw new Error(`PackedSequence.withData: data has shape ${shapeStr(data.shape)}, expected [${this.rows}, F]`);
    }
    return new PackedSequence(data, this.lengths, this.sortedIndices);
  }

  /** True when `other` has the same lengths in the same order (so rows line up). */
  sameLayout(other: PackedSequence): boolean {
    return this.lengths.length === other.lengths.length && this.lengths.every((l, i) => l === other.lengths[i]);
  }

  /**
   * From ragged nested arrays: seqs[b][t][f].
   * @example const x = PackedSequence.fromArrays([[[1], [2], [3]], [[4]]]); // lengths [3, 1]
   */
  static fromArrays(seqs: readonly (readonly (readonly number[])[])[]): PackedSequence {
    if (seqs.length === 0) throw new Error('PackedSequence.fromArrays: no sequences given (expected at least one)');
    seqs.forEach((s, b) => {
      if (!Array.isArray(s)) throw new Error(`PackedSequence.fromArrays: sample ${b} is not an array of steps (expected number[][][])`);
    });
    const lengths = Int32Array.from(seqs, (s) => s.length);
    // Lengths first, so an empty first sample is reported as "length 0", like any other.
    validateLengths(lengths, Infinity, 'fromArrays');
    if (!Array.isArray(seqs[0][0])) {
      throw new Error('PackedSequence.fromArrays: expected number[][][] (sequences of steps of features)');
    }
    const F = seqs[0][0].length;
    seqs.forEach((s, b) =>
      s.forEach((step, t) => {
        if (!Array.isArray(step) || step.length !== F) {
          throw new Error(
            `PackedSequence.fromArrays: sample ${b}, step ${t} has ${Array.isArray(step) ? step.length : 'no'} features, expected ${F} (as sample 0, step 0)`,
          );
        }
        step.forEach((v, f) => checkFinite(v, b, t, f, 'fromArrays'));
      }),
    );
    const sortedIndices = sortByLength(lengths);
    const packed = new PackedSequence(new Tensor(new Float32Array(0), [0, F]), lengths, sortedIndices);
    const data = alloc(packed.offsets[packed.maxLength] * F);
    for (let j = 0; j < lengths.length; j++) {
      const s = seqs[sortedIndices[j]];
      for (let t = 0; t < s.length; t++) data.set(s[t], (packed.offsets[t] + j) * F);
    }
    return packed.withData(new Tensor(data, [data.length / F, F]));
  }

  /**
   * From a padded tensor x [B, T, D] and each sample's length (1 ≤ length ≤ T).
   * Differentiable: gradients flow back into x (zero past each length).
   * @example const x = PackedSequence.fromPadded(tensor(padded, [B, T, D], { requiresGrad: true }), lengths);
   */
  static fromPadded(x: Tensor, lengthsIn: ArrayLike<number>): PackedSequence {
    if (x.ndim !== 3) throw new Error(`PackedSequence.fromPadded: input has shape ${shapeStr(x.shape)}, expected [B, T, D]`);
    const [B, T, D] = x.shape;
    if (lengthsIn.length !== B) {
      throw new Error(`PackedSequence.fromPadded: ${lengthsIn.length} lengths given for a batch of ${B} samples`);
    }
    const lengths = Int32Array.from(lengthsIn as ArrayLike<number>);
    for (let b = 0; b < B; b++) {
      if (lengths[b] !== lengthsIn[b]) {
        throw new Error(`PackedSequence.fromPadded: sample ${b} has length ${lengthsIn[b]}, expected an integer in 1..${T}`);
      }
    }
    validateLengths(lengths, T, 'fromPadded');
    const sortedIndices = sortByLength(lengths);
    const layout = new PackedSequence(new Tensor(new Float32Array(0), [0, D]), lengths, sortedIndices);
    // rowsFrom[r]: padded row (b * T + t) of packed row r.
    const rowsFrom = layout.paddedRowIndex(T);
    const N = rowsFrom.length;
    const out = alloc(N * D);
    const xd = x.data;
    // The packed rows are exactly the real steps: check them while copying (v − v is 0 unless
    // v is NaN or ±Infinity), and name the first bad value in sample order only if there is one.
    let finite = 0;
    for (let r = 0; r < N; r++) {
      const src = rowsFrom[r] * D;
      const dst = r * D;
      for (let f = 0; f < D; f++) {
        const v = xd[src + f];
        finite += v - v;
        out[dst + f] = v;
      }
    }
    if (finite !== 0) {
      for (let b = 0; b < B; b++) {
        for (let k = b * T * D; k < (b * T + lengths[b]) * D; k++) {
          const v = xd[k];
          if (!Number.isFinite(v)) checkFinite(v, b, Math.floor((k - b * T * D) / D), (k - b * T * D) % D, 'fromPadded');
        }
      }
    }
    const data = new Tensor(out, [N, D]);
    record('pack', [x], [data], ([dy], [dx]) => {
      if (!dy || !dx) return;
      for (let r = 0; r < N; r++) {
        const dst = rowsFrom[r] * D;
        for (let f = 0; f < D; f++) dx[dst + f] += dy[r * D + f];
      }
    });
    return layout.withData(data);
  }

  /**
   * From the length-prefixed layout x [B, T + 1, D]: x[b][0][0] is sample b's length and its
   * steps are rows 1..length. Accepts a Tensor (differentiable) or nested arrays.
   */
  static fromLengthPrefixed(x: Tensor | readonly (readonly (readonly number[])[])[]): PackedSequence {
    if (!(x instanceof Tensor)) {
      const B = x.length;
      const T1 = B > 0 ? x[0].length : 0;
      const D = T1 > 0 ? x[0][0].length : 0;
      const flat = alloc(B * T1 * D);
      x.forEach((s, b) => {
        if (s.length !== T1) {
          throw new Error(`PackedSequence.fromLengthPrefixed: sample ${b} has ${s.length} rows, expected ${T1} (as sample 0)`);
        }
        s.forEach((row, t) => {
          if (row.length !== D) {
            throw new Error(`PackedSequence.fromLengthPrefixed: sample ${b}, row ${t} has ${row.length} features, expected ${D}`);
          }
          flat.set(row, (b * T1 + t) * D);
        });
      });
      return PackedSequence.fromLengthPrefixed(new Tensor(flat, [B, T1, D]));
    }
    if (x.ndim !== 3 || x.shape[1] < 2) {
      throw new Error(`PackedSequence.fromLengthPrefixed: input has shape ${shapeStr(x.shape)}, expected [B, T + 1, D] with T ≥ 1`);
    }
    const [B, T1, D] = x.shape;
    const lengths: number[] = [];
    for (let b = 0; b < B; b++) {
      const len = x.data[b * T1 * D];
      if (!Number.isInteger(len) || len < 1 || len > T1 - 1) {
        throw new Error(`PackedSequence.fromLengthPrefixed: sample ${b} has length ${len} in x[${b}][0][0], expected an integer in 1..${T1 - 1}`);
      }
      lengths.push(len);
    }
    return PackedSequence.fromPadded(x.slice(1, 1, T1), lengths);
  }

  /**
   * Padded view [B, T, F] in the caller's order, `padValue` past each length. Differentiable.
   * @example const { data, lengths } = output.toPadded();
   */
  toPadded(padValue = 0, totalLength = this.maxLength): { data: Tensor; lengths: Int32Array } {
    const B = this.batchSize;
    const T = totalLength;
    if (T < this.maxLength) throw new Error(`toPadded: totalLength ${T} is shorter than the longest sequence (${this.maxLength})`);
    const F = this.features;
    const rowsTo = this.paddedRowIndex(T);
    const out = alloc(B * T * F);
    if (padValue !== 0) out.fill(padValue);
    const src = this.data.data;
    for (let r = 0; r < rowsTo.length; r++) copyRow(out, rowsTo[r] * F, src, r * F, F);
    const y = new Tensor(out, [B, T, F]);
    const unpackBackward = ([dy]: readonly (Float32Array | null)[], [dx]: readonly (Float32Array | null)[]): void => {
      if (!dy || !dx) return;
      for (let r = 0; r < rowsTo.length; r++) {
        const s = rowsTo[r] * F;
        for (let f = 0; f < F; f++) dx[r * F + f] += dy[s + f];
      }
    };
    // No pads (every sample T steps): the padded gradient is a row permutation of the packed one,
    // done in place so a training step holds one [B, T, F] gradient here instead of two.
    const full = rowsTo.length === B * T;
    record('unpack', [this.data], [y], unpackBackward, full ? (dy) => permuteRowsInPlace(dy, rowsTo, F) : undefined);
    return { data: y, lengths: this.lengths.slice() };
  }

  /** Ragged nested arrays in the caller's order (no gradient). */
  toArrays(): number[][][] {
    const F = this.features;
    const out: number[][][] = [];
    for (let b = 0; b < this.batchSize; b++) {
      const seq: number[][] = [];
      for (let t = 0; t < this.lengths[b]; t++) {
        const r = this.rowOf(b, t);
        seq.push(Array.from(this.data.data.subarray(r * F, (r + 1) * F)));
      }
      out.push(seq);
    }
    return out;
  }

  /** For each packed row, its row (b * T + t) in a padded [B, T, ·] layout. */
  private paddedRowIndex(T: number): Int32Array {
    const idx = new Int32Array(this.offsets[this.maxLength]);
    for (let t = 0; t < this.maxLength; t++) {
      for (let j = 0; j < this.batchSizes[t]; j++) idx[this.offsets[t] + j] = this.sortedIndices[j] * T + t;
    }
    return idx;
  }
}

/** dst[dOff … dOff + n) = src[sOff … sOff + n). Short rows by a loop: a subarray view per row costs more. */
function copyRow(dst: Float32Array, dOff: number, src: Float32Array, sOff: number, n: number): void {
  if (n >= 64) dst.set(src.subarray(sOff, sOff + n), dOff);
  else for (let f = 0; f < n; f++) dst[dOff + f] = src[sOff + f];
}

/**
 * buf [n, F] ← rows buf[from[0]], buf[from[1]], … in place (from: a permutation of 0 … n−1),
 * by following its cycles with one row of scratch.
 */
function permuteRowsInPlace(buf: Float32Array, from: Int32Array, F: number): Float32Array {
  const n = from.length;
  const done = new Uint8Array(n);
  const tmp = new Float32Array(F);
  for (let start = 0; start < n; start++) {
    if (done[start] || from[start] === start) continue;
    tmp.set(buf.subarray(start * F, (start + 1) * F));
    let cur = start;
    for (;;) {
      done[cur] = 1;
      const src = from[cur];
      if (src === start) {
        buf.set(tmp, cur * F);
        break;
      }
      buf.copyWithin(cur * F, src * F, (src + 1) * F);
      cur = src;
    }
  }
  return buf;
}

function validateLengths(lengths: Int32Array, T: number, what: string): void {
  if (lengths.length === 0) throw new Error(`PackedSequence.${what}: empty batch (expected at least one sequence)`);
  lengths.forEach((len, b) => {
    if (len < 1) throw new Error(`PackedSequence.${what}: sample ${b} has length ${len}, expected at least 1`);
    if (len > T) throw new Error(`PackedSequence.${what}: sample ${b} has length ${len}, longer than the ${T} padded steps`);
  });
}

function checkFinite(v: unknown, b: number, t: number, f: number, what: string): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new Error(`PackedSequence.${what}: sample ${b}, step ${t}, feature ${f} is ${String(v)}, expected a finite number`);
  }
}

/** Caller indices sorted by length, longest first; ties keep the caller's order. */
function sortByLength(lengths: Int32Array): Int32Array {
  const idx = Array.from(lengths, (_, i) => i);
  idx.sort((a, b) => lengths[b] - lengths[a] || a - b);
  return Int32Array.from(idx);
}
