/**
 * What every loss shares: the reduction option, the output tensor, the upstream gradient per
 * element, and the pairing of two PackedSequences (their rows must line up one to one).
 *
 * Reductions (as PyTorch): 'none' keeps one loss per element (per row for cross entropy);
 * 'sum' adds them; 'mean' divides the sum by a count (elements, or the weight of the counted rows
 * for cross entropy). Reduced outputs are 0-d tensors (shape []).
 */
import type { In } from '../kernels/gemm.ts';
import { PackedSequence } from '../data/packed.ts';
import { alloc } from '../tensor/alloc.ts';
import { Tensor, shapeStr } from '../tensor/tensor.ts';

export type Reduction = 'mean' | 'sum' | 'none';

export interface ReductionOptions {
  /** 'mean' (default), 'sum' or 'none'. */
  reduction?: Reduction;
}

/** A loss input: a plain tensor, or a packed batch of sequences (the loss covers its real steps). */
export type LossInput = Tensor | PackedSequence;

/** Read-only flat input (the kernels' convention). */
export type { In };

/**
 * How the upstream gradient reaches element k: dOut[k * stride] * scale.
 * ('none': stride 1, scale 1; 'sum': stride 0, scale 1; 'mean': stride 0, scale 1 / count.)
 */
export interface Upstream {
  stride: 0 | 1;
  scale: number;
}

export function checkReduction(what: string, reduction: Reduction | undefined): Reduction {
  const r = reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new Error(`${what}: reduction '${String(r)}' is not one of 'mean', 'sum', 'none'`);
  }
  return r;
}

/**
 * The output tensor: per-element losses `perElement` (with `shape`) for 'none', else a 0-d
 * tensor holding `total` ('sum') or `total / count` ('mean'); `total` is the float64 sum.
 */
export function reducedOutput(perElement: Float32Array, shape: readonly number[], reduction: Reduction, total: number, count: number): Tensor {
  if (reduction === 'none') return new Tensor(perElement, shape);
  const out = alloc(1);
  out[0] = reduction === 'sum' ? total : total / count;
  return new Tensor(out, []);
}

export function upstream(reduction: Reduction, count: number): Upstream {
  if (reduction === 'none') return { stride: 1, scale: 1 };
  return { stride: 0, scale: reduction === 'sum' ? 1 : 1 / count };
}

/** A few integers for an error message (long lists are cut). */
export function intList(a: ArrayLike<number>): string {
  const shown = Array.from({ length: Math.min(a.length, 12) }, (_, i) => a[i]);
  return `[${shown.join(', ')}${a.length > 12 ? `, … (${a.length} in all)` : ''}]`;
}

function sameInts(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The data tensors of an (input, target) pair: both Tensors, or both PackedSequences packed
 * from the same lengths (then their rows line up and the loss covers exactly the real steps).
 */
export function pairData(what: string, a: LossInput, b: LossInput, aName: string, bName: string): [Tensor, Tensor] {
  const aPacked = a instanceof PackedSequence;
  const bPacked = b instanceof PackedSequence;
  if (aPacked !== bPacked) {
    const kind = (p: boolean): string => (p ? 'a PackedSequence' : 'a Tensor');
    throw new Error(`${what}: ${aName} is ${kind(aPacked)} but ${bName} is ${kind(bPacked)}; pass both packed or both as tensors`);
  }
  if (a instanceof PackedSequence && b instanceof PackedSequence) {
    if (!sameInts(a.batchSizes, b.batchSizes)) {
      throw new Error(
        `${what}: ${bName} has batchSizes ${intList(b.batchSizes)} but ${aName} has ${intList(a.batchSizes)}; pack both from the same lengths`,
      );
    }
    if (!a.sameLayout(b)) {
      throw new Error(
        `${what}: ${bName} and ${aName} have the same batchSizes but different lengths per sample (${intList(b.lengths)} vs ${intList(a.lengths)}), so their rows do not line up`,
      );
    }
    return [a.data, b.data];
  }
  if (a instanceof Tensor && b instanceof Tensor) return [a, b];
  throw new Error(`${what}: ${aName} and ${bName} must be Tensors or PackedSequences`);
}

/** Both shapes equal, or an error naming both. */
export function checkSameShape(what: string, input: Tensor, target: Tensor, inputName = 'input'): void {
  const same = input.ndim === target.ndim && input.shape.every((d, i) => d === target.shape[i]);
  if (!same) {
    throw new Error(`${what}: target has shape ${shapeStr(target.shape)}, ${inputName} has shape ${shapeStr(input.shape)} (they must match)`);
  }
}
