/**
 * Element-wise ops: binary with NumPy/PyTorch broadcasting, and unary maps.
 * Backward of a broadcast binary op sums the gradient over the broadcast dimensions.
 */
import { alloc } from './alloc.ts';
import { Tensor, record, shapeStr, shapeSize, type Shape } from './tensor.ts';

export function scalarTensor(v: number): Tensor {
  return new Tensor(new Float32Array([v]), []);
}

function asTensor(x: Tensor | number): Tensor {
  return typeof x === 'number' ? scalarTensor(x) : x;
}

export function broadcastShapes(a: Shape, b: Shape, what = 'broadcast'): number[] {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`${what}: shapes ${shapeStr(a)} and ${shapeStr(b)} cannot be broadcast (dimension ${i}: ${da} vs ${db})`);
    }
    out.push(Math.max(da, db));
  }
  return out;
}

/** For each element of `outShape`, the flat index of the element of `inShape` it reads. */
export function broadcastIndex(outShape: Shape, inShape: Shape): Int32Array | null {
  const n = outShape.length;
  const size = shapeSize(outShape);
  if (inShape.length === n && inShape.every((d, i) => d === outShape[i])) return null; // identity
  const strides = new Array<number>(n).fill(0);
  let s = 1;
  for (let i = inShape.length - 1; i >= 0; i--) {
    const oi = n - inShape.length + i;
    strides[oi] = inShape[i] === 1 ? 0 : s;
    s *= inShape[i];
  }
  const idx = new Int32Array(size);
  const counter = new Array<number>(n).fill(0);
  let off = 0;
  for (let k = 0; k < size; k++) {
    idx[k] = off;
    for (let d = n - 1; d >= 0; d--) {
      counter[d]++;
      off += strides[d];
      if (counter[d] < outShape[d]) break;
      off -= strides[d] * counter[d];
      counter[d] = 0;
    }
  }
  return idx;
}

type BinaryFwd = (a: number, b: number) => number;
/** d out / d a (or d out / d b) at (a, b, out). */
type BinaryGrad = (a: number, b: number, out: number) => number;

function binary(name: string, aIn: Tensor | number, bIn: Tensor | number, f: BinaryFwd, ga: BinaryGrad, gb: BinaryGrad): Tensor {
  const a = asTensor(aIn);
  const b = asTensor(bIn);
  const shape = broadcastShapes(a.shape, b.shape, name);
  const n = shapeSize(shape);
  const ia = broadcastIndex(shape, a.shape);
  const ib = broadcastIndex(shape, b.shape);
  const ad = a.data;
  const bd = b.data;
  const out = alloc(n);
  for (let k = 0; k < n; k++) out[k] = f(ad[ia ? ia[k] : k], bd[ib ? ib[k] : k]);
  const y = new Tensor(out, shape);
  record(name, [a, b], [y], ([dy], [da, db]) => {
    if (!dy) return;
    for (let k = 0; k < n; k++) {
      const ka = ia ? ia[k] : k;
      const kb = ib ? ib[k] : k;
      if (da) da[ka] += dy[k] * ga(ad[ka], bd[kb], out[k]);
      if (db) db[kb] += dy[k] * gb(ad[ka], bd[kb], out[k]);
    }
  });
  return y;
}

const one: BinaryGrad = () => 1;

export function add(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('add', a, b, (x, y) => x + y, one, one);
}

export function sub(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('sub', a, b, (x, y) => x - y, one, () => -1);
}

export function mul(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('mul', a, b, (x, y) => x * y, (_x, y) => y, (x) => x);
}

export function div(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('div', a, b, (x, y) => x / y, (_x, y) => 1 / y, (x, y) => -x / (y * y));
}

/** Gradient share of the chosen operand: 1 when strictly chosen, ½ on a tie (PyTorch splits ties). */
const larger: BinaryGrad = (x, y) => (x > y ? 1 : x === y ? 0.5 : 0);
const smaller: BinaryGrad = (x, y) => (x < y ? 1 : x === y ? 0.5 : 0);

/** Element-wise maximum (NaN propagates; gradient to the larger, split in half on ties, as PyTorch). */
export function maximum(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('maximum', a, b, Math.max, larger, (x, y) => larger(y, x, 0));
}

/** Element-wise minimum (NaN propagates; gradient to the smaller, split in half on ties, as PyTorch). */
export function minimum(a: Tensor | number, b: Tensor | number): Tensor {
  return binary('minimum', a, b, Math.min, smaller, (x, y) => smaller(y, x, 0));
}

type UnaryFwd = (x: number) => number;
/** d out / d x at (x, out). */
type UnaryGrad = (x: number, out: number) => number;

function unary(name: string, a: Tensor, f: UnaryFwd, g: UnaryGrad): Tensor {
  const n = a.size;
  const ad = a.data;
  const out = alloc(n);
  for (let k = 0; k < n; k++) out[k] = f(ad[k]);
  const y = new Tensor(out, a.shape);
  record(name, [a], [y], ([dy], [da]) => {
    if (!dy || !da) return;
    for (let k = 0; k < n; k++) da[k] += dy[k] * g(ad[k], out[k]);
  });
  return y;
}

export function neg(a: Tensor): Tensor {
  return unary('neg', a, (x) => -x, () => -1);
}
export function exp(a: Tensor): Tensor {
  return unary('exp', a, Math.exp, (_x, y) => y);
}
export function log(a: Tensor): Tensor {
  return unary('log', a, Math.log, (x) => 1 / x);
}
export function tanh(a: Tensor): Tensor {
  return unary('tanh', a, Math.tanh, (_x, y) => 1 - y * y);
}
export function sigmoid(a: Tensor): Tensor {
  return unary('sigmoid', a, sigmoidScalar, (_x, y) => y * (1 - y));
}
export function relu(a: Tensor): Tensor {
  return unary('relu', a, (x) => (x > 0 ? x : 0), (x) => (x > 0 ? 1 : 0));
}
export function sqrt(a: Tensor): Tensor {
  return unary('sqrt', a, Math.sqrt, (_x, y) => 0.5 / y);
}
export function abs(a: Tensor): Tensor {
  return unary('abs', a, Math.abs, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0));
}
export function pow(a: Tensor, p: number): Tensor {
  // p = 0: the gradient is 0 everywhere (p · x^(p−1) would be 0 · ∞ = NaN at x = 0).
  return unary('pow', a, (x) => x ** p, (x) => (p === 0 ? 0 : p * x ** (p - 1)));
}
export function clamp(a: Tensor, lo: number, hi: number): Tensor {
  return unary('clamp', a, (x) => (x < lo ? lo : x > hi ? hi : x), (x) => (x < lo || x > hi ? 0 : 1));
}

/** Numerically stable logistic function. */
export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * where(cond, a, b): a where cond ≠ 0, else b (all three broadcast together).
 * `cond` carries no gradient.
 */
export function where(cond: Tensor, aIn: Tensor | number, bIn: Tensor | number): Tensor {
  const a = asTensor(aIn);
  const b = asTensor(bIn);
  const shape = broadcastShapes(broadcastShapes(cond.shape, a.shape, 'where'), b.shape, 'where');
  const n = shapeSize(shape);
  const ic = broadcastIndex(shape, cond.shape);
  const ia = broadcastIndex(shape, a.shape);
  const ib = broadcastIndex(shape, b.shape);
  const out = alloc(n);
  for (let k = 0; k < n; k++) {
    out[k] = cond.data[ic ? ic[k] : k] !== 0 ? a.data[ia ? ia[k] : k] : b.data[ib ? ib[k] : k];
  }
  const y = new Tensor(out, shape);
  record('where', [a, b], [y], ([dy], [da, db]) => {
    if (!dy) return;
    for (let k = 0; k < n; k++) {
      if (cond.data[ic ? ic[k] : k] !== 0) {
        if (da) da[ia ? ia[k] : k] += dy[k];
      } else if (db) db[ib ? ib[k] : k] += dy[k];
    }
  });
  return y;
}

/** Set elements to `value` where mask ≠ 0 (mask broadcasts to x). */
export function maskedFill(x: Tensor, mask: Tensor, value: number): Tensor {
  return where(mask, value, x);
}
