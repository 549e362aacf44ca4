/**
 * Keras masks as packed sequences.
 *
 * A Keras recurrent layer skips a masked step: the state carries over unchanged, in either
 * direction. So a layer over a masked batch computes, at every unmasked step, exactly what it
 * computes over the sequence of that sample's unmasked steps alone — which is what a
 * PackedSequence holds. This holds for any mask: right padding (then the packed sequence is the
 * usual one with lengths), left padding, or holes.
 *
 * Legend: B batch, T padded steps, F features, L = the most unmasked steps of any sample.
 */
import { PackedSequence } from '../../data/packed.ts';
import { zeros } from '../../tensor/create.ts';
import { concat, indexSelect, reshape } from '../../tensor/shape.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { KerasImportError } from './errors.ts';

/** Where each unmasked step sits in the padded [B, T] grid. */
export interface MaskLayout {
  B: number;
  T: number;
  /** [B, T] 1 for a real (unmasked) step, 0 for a skipped one. */
  mask: Uint8Array;
  /** [B] unmasked steps per sample. */
  lengths: Int32Array;
  /** [B, L] padded step t of each sample's k-th unmasked step (−1 past its length). */
  positions: Int32Array;
  /** L */
  longest: number;
}

/** Lengths and positions of a [B, T] mask; every sample needs at least one unmasked step. */
export function maskLayout(mask: Uint8Array, B: number, T: number, layer: string): MaskLayout {
  const lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) lengths[b] += mask[b * T + t];
    if (lengths[b] === 0) {
      throw new KerasImportError(layer, `sample ${b} has every step masked; recur needs at least one unmasked step per sample (Keras would output its initial state)`);
    }
  }
  const longest = Math.max(...lengths);
  const positions = new Int32Array(B * longest).fill(-1);
  for (let b = 0; b < B; b++) {
    let k = 0;
    for (let t = 0; t < T; t++) if (mask[b * T + t]) positions[b * longest + k++] = t;
  }
  return { B, T, mask, lengths, positions, longest };
}

/** x [B, T, F] → the unmasked steps of each sample, in order, packed (differentiable). */
export function packMasked(x: Tensor, m: MaskLayout): PackedSequence {
  const { B, T, longest: L } = m;
  const F = x.shape[2];
  // Row b*L + k of the gathered [B, L, F] is x's row b*T + positions[b, k]; rows past a length
  // repeat the sample's first step and are never read by the packed sequence.
  const rows = new Int32Array(B * L);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < L; k++) {
      const t = m.positions[b * L + k];
      rows[b * L + k] = b * T + (t >= 0 ? t : m.positions[b * L]);
    }
  }
  const gathered = reshape(indexSelect(reshape(x, [B * T, F]), 0, rows), [B, L, F]);
  return PackedSequence.fromPadded(gathered, m.lengths);
}

/** The packed unmasked steps back on the [B, T, F] grid, zeros at masked steps (differentiable). */
export function unpackMasked(p: PackedSequence, m: MaskLayout): Tensor {
  const { B, T, longest: L } = m;
  const F = p.features;
  const padded = reshape(p.toPadded(0, L).data, [B * L, F]);
  const withZero = concat([padded, zeros([1, F])], 0); // row B*L is the zero row
  const rows = new Int32Array(B * T).fill(B * L);
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < m.lengths[b]; k++) rows[b * T + m.positions[b * L + k]] = b * L + k;
  }
  return reshape(indexSelect(withZero, 0, rows), [B, T, F]);
}
