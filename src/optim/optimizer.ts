/**
 * Optimizer base: a fixed list of leaf parameters, a mutable learning rate, per-parameter step
 * counts and per-parameter state buffers created lazily on a parameter's first update.
 *
 * Every optimizer follows PyTorch 1.13's single-tensor update rules (torch/optim/*.py), with the
 * arithmetic of one element done in float64 and the result stored back as float32.
 *
 * `step()` updates `param.data` in place and skips parameters whose `.grad` is null (their step
 * count does not advance, as in PyTorch). It never zeroes gradients; call `zeroGrad()` yourself.
 * After a parameter's first update, `step()` allocates nothing.
 *
 * State is plain data: `stateDict()` returns the kind, the options (current `lr` included), the
 * step counts and copies of the buffers; `loadStateDict()` restores all of it, so a run resumed
 * from a saved state continues bit for bit like an uninterrupted one.
 */
import type { In } from '../kernels/gemm.ts';
import { alloc } from '../tensor/alloc.ts';
import { Tensor, shapeStr } from '../tensor/tensor.ts';
import type { AdamState } from './adam.ts';
import type { RMSpropState } from './rmsprop.ts';
import type { SGDState } from './sgd.ts';

/** Read-only flat input (the kernels' convention). */
export type { In };

/** A per-parameter buffer list: entry i belongs to params[i]; null until params[i] is first updated. */
export type Buffers = (Float32Array | null)[];

export type OptimizerKind = 'sgd' | 'adam' | 'adamw' | 'rmsprop';

/** What every optimizer's `stateDict()` has in common. */
export interface BaseState {
  kind: OptimizerKind;
  /** Updates applied to each parameter. */
  steps: number[];
}

/** Any optimizer's `stateDict()`: plain data, JSON-safe apart from the Float32Array buffers. */
export type OptimizerState = SGDState | AdamState | RMSpropState;

export abstract class Optimizer {
  /** Which update rule (also the `kind` of the state and of the config). */
  abstract readonly kind: OptimizerKind;
  /** The parameters, in the order given. */
  readonly params: readonly Tensor[];
  /** Learning rate; change it between steps for schedules. */
  lr: number;
  /** steps[i]: updates applied to params[i]. */
  protected readonly steps: number[];
  private readonly what: string;

  protected constructor(params: Iterable<Tensor>, lr: number, what: string) {
    this.what = what;
    const list = [...params];
    const seen = new Set<Tensor>();
    list.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new Error(`${what}: parameter ${i} is not a Tensor`);
      if (!p.isLeaf) throw new Error(`${what}: parameter ${i} ${shapeStr(p.shape)} is not a leaf tensor (it was produced by an op)`);
      if (seen.has(p)) throw new Error(`${what}: parameter ${i} ${shapeStr(p.shape)} appears more than once`);
      seen.add(p);
    });
    checkNonNegative(what, 'lr', lr);
    this.params = list;
    this.lr = lr;
    this.steps = list.map(() => 0);
  }

  /**
   * Apply one update to every parameter whose `.grad` is set.
   * @example loss.backward(); opt.step(); opt.zeroGrad();
   */
  step(): void {
    checkNonNegative(this.what, 'lr', this.lr);
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i];
      const g = p.grad;
      if (g === null) continue;
      if (g.size !== p.size) {
        throw new Error(`${this.what}: parameter ${i} has shape ${shapeStr(p.shape)} but its grad has shape ${shapeStr(g.shape)}`);
      }
      this.steps[i]++;
      this.update(i, p.data, g.data, this.steps[i]);
    }
  }

  /** Set every parameter's `.grad` to null. */
  zeroGrad(): void {
    for (const p of this.params) p.grad = null;
  }

  /** Plain-data snapshot: options (current `lr` included), step counts, copies of the buffers. */
  abstract stateDict(): OptimizerState;

  /**
   * Restore a snapshot from `stateDict()`, options included. Throws when the kind, the parameter
   * count or a buffer's length disagrees with this optimizer.
   * @example const saved = opt.stateDict(); ...; opt.loadStateDict(saved);
   */
  abstract loadStateDict(state: OptimizerState): void;

  /** Update params[i] in place (its buffers are created here on its first step). */
  protected abstract update(i: number, p: Float32Array, g: In, step: number): void;

  /** Check a loaded state's parameter count and step counts (its kind was checked by `wrongKind`). */
  protected checkState(state: BaseState): void {
    if (state.steps.length !== this.params.length) {
      throw new Error(`${this.what}.loadStateDict: state has ${state.steps.length} parameters, this optimizer has ${this.params.length}`);
    }
    state.steps.forEach((s, i) => {
      if (!Number.isInteger(s) || s < 0) throw new Error(`${this.what}.loadStateDict: steps[${i}] = ${s}, expected a non-negative integer`);
    });
  }

  /**
   * Copy one saved buffer list into `own` (allocating where needed).
   * `required(i)`: whether params[i] must have this buffer (it has been stepped and the options use it).
   */
  protected loadBuffers(name: string, own: Buffers, saved: readonly (Float32Array | null)[], required: (i: number) => boolean): void {
    if (saved.length !== this.params.length) {
      throw new Error(`${this.what}.loadStateDict: buffers.${name} has ${saved.length} entries, expected ${this.params.length} (one per parameter)`);
    }
    saved.forEach((b, i) => {
      const n = this.params[i].size;
      if (b === null) {
        if (required(i)) throw new Error(`${this.what}.loadStateDict: buffers.${name}[${i}] is missing for a parameter that has been stepped`);
        return;
      }
      if (!(b instanceof Float32Array)) throw new Error(`${this.what}.loadStateDict: buffers.${name}[${i}] is not a Float32Array`);
      if (b.length !== n) {
        throw new Error(`${this.what}.loadStateDict: buffers.${name}[${i}] has ${b.length} values, parameter ${i} ${shapeStr(this.params[i].shape)} has ${n}`);
      }
    });
    saved.forEach((b, i) => {
      own[i] = b === null ? null : copyOf(b);
    });
  }

  /** The error for a state of another kind. */
  protected wrongKind(state: BaseState): Error {
    return new Error(`${this.what}.loadStateDict: state is for a '${String(state.kind)}' optimizer, expected '${this.kind}'`);
  }

  /** Replace the step counts (after `checkState`). */
  protected loadSteps(steps: readonly number[]): void {
    for (let i = 0; i < steps.length; i++) this.steps[i] = steps[i];
  }
}

/** A fresh buffer for each parameter slot, all null. */
export function emptyBuffers(n: number): Buffers {
  return new Array<Float32Array | null>(n).fill(null);
}

/** Counted copy of a buffer. */
export function copyOf(b: In): Float32Array {
  const out = alloc(b.length);
  out.set(b);
  return out;
}

/** Copies of a buffer list (for `stateDict()`). */
export function copyBuffers(list: Buffers): Buffers {
  return list.map((b) => (b === null ? null : copyOf(b)));
}

export function checkNonNegative(what: string, name: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) {
    throw new Error(`${what}: ${name} = ${String(v)}, expected a finite number ≥ 0`);
  }
}

export function checkUnitInterval(what: string, name: string, v: number): void {
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) throw new Error(`${what}: ${name} = ${String(v)}, expected a number in [0, 1)`);
}
