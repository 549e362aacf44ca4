/** Tensor constructors: from (nested) arrays, zeros, ones, full, and seeded random fills. */
import { alloc } from './alloc.ts';
import { defaultRng, type Rng } from './rng.ts';
import { Tensor, shapeStr, shapeSize, type NestedArray, type Shape } from './tensor.ts';

export interface TensorOptions {
  requiresGrad?: boolean;
}

function inferShape(x: NestedArray): number[] {
  const shape: number[] = [];
  let cur: NestedArray = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] ?? 0;
  }
  return shape;
}

function flatten(x: NestedArray, shape: number[], dim: number, out: number[]): void {
  if (dim === shape.length) {
    if (typeof x !== 'number') throw new Error('tensor: nested arrays are ragged');
    out.push(x);
    return;
  }
  if (!Array.isArray(x) || x.length !== shape[dim]) {
    throw new Error(`tensor: nested arrays are ragged at depth ${dim} (expected length ${shape[dim]})`);
  }
  for (const v of x) flatten(v, shape, dim + 1, out);
}

/**
 * Build a tensor from nested arrays, or from flat values plus a shape.
 * @example const x = tensor([[1, 2], [3, 4]]); const y = tensor([1, 2, 3, 4], [2, 2], { requiresGrad: true });
 */
export function tensor(values: NestedArray | Float32Array | readonly number[], shape?: Shape, opts: TensorOptions = {}): Tensor {
  let data: Float32Array;
  let sh: number[];
  if (shape !== undefined) {
    if (values instanceof Float32Array) data = values;
    else {
      const flat: number[] = [];
      if (Array.isArray(values)) flatten(values as NestedArray, inferShape(values as NestedArray), 0, flat);
      else flat.push(values as number);
      data = Float32Array.from(flat);
    }
    sh = [...shape];
    if (data.length !== shapeSize(sh)) {
      throw new Error(`tensor: ${data.length} values given, shape ${shapeStr(sh)} needs ${shapeSize(sh)}`);
    }
  } else if (values instanceof Float32Array) {
    data = values;
    sh = [values.length];
  } else {
    sh = inferShape(values as NestedArray);
    const flat: number[] = [];
    flatten(values as NestedArray, sh, 0, flat);
    data = Float32Array.from(flat);
  }
  return new Tensor(data, sh, opts.requiresGrad ?? false);
}

export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  return new Tensor(alloc(shapeSize(shape)), shape, opts.requiresGrad ?? false);
}

export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  const t = zeros(shape, opts);
  t.data.fill(value);
  return t;
}

export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** Standard-normal values from a seeded generator. */
export function randn(shape: Shape, opts: TensorOptions & { rng?: Rng } = {}): Tensor {
  const rng = opts.rng ?? defaultRng();
  const t = zeros(shape, opts);
  for (let k = 0; k < t.size; k++) t.data[k] = rng.normal();
  return t;
}

/** Uniform values in [lo, hi) from a seeded generator. */
export function uniform(shape: Shape, lo: number, hi: number, opts: TensorOptions & { rng?: Rng } = {}): Tensor {
  const rng = opts.rng ?? defaultRng();
  const t = zeros(shape, opts);
  for (let k = 0; k < t.size; k++) t.data[k] = rng.uniformRange(lo, hi);
  return t;
}
