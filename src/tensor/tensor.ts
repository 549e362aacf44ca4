/**
 * Tensor: a flat Float32Array plus a shape (row-major), and a tape-based reverse-mode autograd.
 *
 * Each differentiable op that sees an input with `requiresGrad` records one `GradNode` holding its
 * inputs, its outputs and a `backward` that *accumulates* (+=) into the inputs' gradient buffers.
 * `backward()` walks the nodes reachable from the root in reverse topological order.
 * Leaf tensors (created by the user, parameters) receive `.grad`; intermediate gradients live only
 * for the duration of the backward pass.
 */
import { alloc } from './alloc.ts';
import * as ops from './ops.ts';

export type Shape = readonly number[];

/** One recorded operation on the tape. */
export interface GradNode {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly outputs: readonly Tensor[];
  /**
   * dOuts[k]: gradient of the loss w.r.t. outputs[k] (null when nothing flowed into it).
   * dIns[i]: buffer to accumulate (+=) into for inputs[i], null when that input needs no gradient.
   */
  backward(dOuts: readonly (Float32Array | null)[], dIns: readonly (Float32Array | null)[]): void;
  /**
   * Optional, for one-input one-output ops whose input gradient has the output gradient's size
   * (layout changes): turns dOut, in place, into the input's gradient and returns it. The
   * backward pass uses it instead of `backward` when nothing has flowed into the input yet, so
   * the op needs no second buffer (dOut is the pass's own, dead once its op has run).
   */
  backwardInPlace?(dOut: Float32Array): Float32Array;
}

let gradEnabled = true;

/** Whether ops currently record the tape. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Run `fn` without recording the tape (inference): outputs never require gradients.
 * @example const y = noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeStr(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export class Tensor {
  readonly data: Float32Array;
  readonly shape: number[];
  grad: Tensor | null = null;
  requiresGrad: boolean;
  /** The op that produced this tensor; null for leaves. */
  node: GradNode | null = null;

  constructor(data: Float32Array, shape: Shape, requiresGrad = false) {
    const n = shapeSize(shape);
    if (data.length !== n) {
      throw new Error(`Tensor: data has ${data.length} elements, shape ${shapeStr(shape)} needs ${n}`);
    }
    this.data = data;
    this.shape = [...shape];
    this.requiresGrad = requiresGrad;
  }

  get size(): number {
    return this.data.length;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** True when this tensor was created by the user (not by an op). */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) throw new Error(`item(): tensor has ${this.data.length} elements, expected 1`);
    return this.data[0];
  }

  /** Nested arrays (numbers for a 0-d tensor). */
  toArray(): NestedArray {
    if (this.shape.length === 0) return this.data[0];
    const build = (dim: number, offset: number): NestedArray[] => {
      const n = this.shape[dim];
      const stride = shapeSize(this.shape.slice(dim + 1));
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(dim === this.shape.length - 1 ? this.data[offset + i] : build(dim + 1, offset + i * stride));
      }
      return out;
    };
    return build(0, 0);
  }

  /** A tensor sharing no tape with this one (same values, copied). */
  detach(): Tensor {
    return new Tensor(this.data.slice(), this.shape);
  }

  /** Same values, copied, with a fresh tape history. */
  clone(): Tensor {
    return ops.clone(this);
  }

  /** Sets `.grad` to null. */
  zeroGrad(): void {
    this.grad = null;
  }

  /**
   * Reverse-mode differentiation from this tensor. Without `grad` the tensor must hold one value
   * (a loss); gradients accumulate into `.grad` of every leaf that requires them.
   * @example loss.backward(); console.log(w.grad?.data);
   */
  backward(grad?: Tensor): void {
    backward(this, grad);
  }

  add(other: Tensor | number): Tensor {
    return ops.add(this, other);
  }
  sub(other: Tensor | number): Tensor {
    return ops.sub(this, other);
  }
  mul(other: Tensor | number): Tensor {
    return ops.mul(this, other);
  }
  div(other: Tensor | number): Tensor {
    return ops.div(this, other);
  }
  neg(): Tensor {
    return ops.neg(this);
  }
  pow(exponent: number): Tensor {
    return ops.pow(this, exponent);
  }
  sqrt(): Tensor {
    return ops.sqrt(this);
  }
  abs(): Tensor {
    return ops.abs(this);
  }
  matmul(other: Tensor): Tensor {
    return ops.matmul(this, other);
  }
  sum(axes?: number | number[], keepDim = false): Tensor {
    return ops.sum(this, axes, keepDim);
  }
  mean(axes?: number | number[], keepDim = false): Tensor {
    return ops.mean(this, axes, keepDim);
  }
  max(axis: number, keepDim = false): Tensor {
    return ops.max(this, axis, keepDim);
  }
  exp(): Tensor {
    return ops.exp(this);
  }
  log(): Tensor {
    return ops.log(this);
  }
  tanh(): Tensor {
    return ops.tanh(this);
  }
  sigmoid(): Tensor {
    return ops.sigmoid(this);
  }
  relu(): Tensor {
    return ops.relu(this);
  }
  softmax(axis = -1): Tensor {
    return ops.softmax(this, axis);
  }
  logSoftmax(axis = -1): Tensor {
    return ops.logSoftmax(this, axis);
  }
  reshape(shape: Shape): Tensor {
    return ops.reshape(this, shape);
  }
  transpose(dim0 = -2, dim1 = -1): Tensor {
    return ops.transpose(this, dim0, dim1);
  }
  permute(perm: readonly number[]): Tensor {
    return ops.permute(this, perm);
  }
  slice(axis: number, start: number, end: number): Tensor {
    return ops.slice(this, axis, start, end);
  }
  indexSelect(axis: number, indices: ArrayLike<number>): Tensor {
    return ops.indexSelect(this, axis, indices);
  }
  gather(axis: number, index: Tensor): Tensor {
    return ops.gather(this, axis, index);
  }
  unsqueeze(axis: number): Tensor {
    return ops.unsqueeze(this, axis);
  }
  squeeze(axis?: number): Tensor {
    return ops.squeeze(this, axis);
  }
}

export type NestedArray = number | NestedArray[];

/** Record `node` on the tape when grads are enabled and any input needs one; returns the outputs. */
export function record(
  name: string,
  inputs: readonly Tensor[],
  outputs: readonly Tensor[],
  backwardFn: GradNode['backward'],
  backwardInPlace?: GradNode['backwardInPlace'],
): void {
  if (!gradEnabled) return;
  let any = false;
  for (const t of inputs) if (t.requiresGrad) any = true;
  if (!any) return;
  const node: GradNode = { name, inputs, outputs, backward: backwardFn, backwardInPlace };
  for (const o of outputs) {
    o.requiresGrad = true;
    o.node = node;
  }
}

function backward(root: Tensor, grad?: Tensor): void {
  if (!root.requiresGrad) {
    throw new Error('backward(): tensor does not require grad (no input had requiresGrad, or it was made under noGrad)');
  }
  let seed: Float32Array;
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new Error(`backward(): tensor has shape ${shapeStr(root.shape)}; pass a gradient or reduce it to one value first`);
    }
    seed = new Float32Array([1]);
  } else {
    if (grad.size !== root.size) {
      throw new Error(`backward(): gradient has shape ${shapeStr(grad.shape)}, expected ${shapeStr(root.shape)}`);
    }
    seed = grad.data.slice();
  }

  // Reverse topological order of nodes, iterative DFS (chains can be thousands deep).
  const order: GradNode[] = [];
  const visited = new Set<GradNode>();
  if (root.node) {
    const stack: { node: GradNode; i: number }[] = [{ node: root.node, i: 0 }];
    visited.add(root.node);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.i < top.node.inputs.length) {
        const child = top.node.inputs[top.i++].node;
        if (child && !visited.has(child)) {
          visited.add(child);
          stack.push({ node: child, i: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  }

  const grads = new Map<Tensor, Float32Array>();
  const gradOf = (t: Tensor): Float32Array => {
    if (t.node === null) {
      if (t.grad === null) t.grad = new Tensor(alloc(t.size), t.shape);
      return t.grad.data;
    }
    let g = grads.get(t);
    if (!g) {
      g = alloc(t.size);
      grads.set(t, g);
    }
    return g;
  };
  const rootGrad = gradOf(root);
  for (let i = 0; i < seed.length; i++) rootGrad[i] += seed[i];

  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    const dOuts = node.outputs.map((o) => grads.get(o) ?? null);
    for (const o of node.outputs) grads.delete(o);
    if (dOuts.every((g) => g === null)) continue;
    if (node.backwardInPlace && dOuts.length === 1 && node.inputs.length === 1) {
      const t = node.inputs[0];
      const dOut = dOuts[0];
      if (dOut && t.requiresGrad && t.node !== null && !grads.has(t) && dOut.length === t.size) {
        grads.set(t, node.backwardInPlace(dOut));
        continue;
      }
    }
    const dIns = node.inputs.map((t) => (t.requiresGrad ? gradOf(t) : null));
    node.backward(dOuts, dIns);
  }
}
