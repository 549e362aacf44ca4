/**
 * Reductions and normalisations along axes: sum, mean, max, softmax, logSoftmax.
 * Axes may be negative (counted from the end), as in PyTorch.
 */
import { alloc } from './alloc.ts';
import { Tensor, record, shapeStr, shapeSize } from './tensor.ts';

export function normAxis(axis: number, ndim: number, what: string): number {
  const a = axis < 0 ? axis + ndim : axis;
  if (a < 0 || a >= ndim || !Number.isInteger(a)) {
    throw new Error(`${what}: axis ${axis} is out of range for a tensor with ${ndim} dimensions`);
  }
  return a;
}

/** Splits a shape around one axis: [outer, n, inner]. */
export function aroundAxis(shape: readonly number[], axis: number): [number, number, number] {
  return aroundRun(shape, axis, axis);
}

/** For each input element, the flat index of the output element it reduces into. */
function reduceIndex(shape: readonly number[], axes: Set<number>): { outShape: number[]; idx: Int32Array } {
  const keptShape = shape.map((d, i) => (axes.has(i) ? 1 : d));
  const strides = new Array<number>(shape.length).fill(0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = axes.has(i) ? 0 : s;
    s *= keptShape[i];
  }
  const n = shapeSize(shape);
  const idx = new Int32Array(n);
  const counter = new Array<number>(shape.length).fill(0);
  let off = 0;
  for (let k = 0; k < n; k++) {
    idx[k] = off;
    for (let d = shape.length - 1; d >= 0; d--) {
      counter[d]++;
      off += strides[d];
      if (counter[d] < shape[d]) break;
      off -= strides[d] * counter[d];
      counter[d] = 0;
    }
  }
  return { outShape: keptShape, idx };
}

function axesSet(x: Tensor, axes: number | number[] | undefined, what: string): Set<number> {
  if (axes === undefined) return new Set(x.shape.map((_, i) => i));
  const list = typeof axes === 'number' ? [axes] : axes;
  return new Set(list.map((a) => normAxis(a, x.ndim, what)));
}

function reduceSum(x: Tensor, axes: number | number[] | undefined, keepDim: boolean, scale: number, name: string): Tensor {
  const set = axesSet(x, axes, name);
  const shape = keepDim ? x.shape.map((d, i) => (set.has(i) ? 1 : d)) : x.shape.filter((_, i) => !set.has(i));
  const run = contiguousRun(set);
  if (run === null) return reduceSumIndexed(x, set, shape, scale, name);
  // The reduced axes are one contiguous run: x is [outer, n, inner], the output [outer, inner].
  const [outer, n, inner] = aroundRun(x.shape, run[0], run[1]);
  const out = alloc(outer * inner);
  const xd = x.data;
  if (inner === 1) {
    // Rows reduce to one number each: accumulate in double precision.
    for (let o = 0; o < outer; o++) {
      let s = 0;
      for (let k = o * n; k < (o + 1) * n; k++) s += xd[k];
      out[o] = s * scale;
    }
  } else {
    for (let o = 0; o < outer; o++) {
      const dst = o * inner;
      for (let j = 0; j < n; j++) {
        const src = (o * n + j) * inner;
        for (let i = 0; i < inner; i++) out[dst + i] += xd[src + i];
      }
    }
    if (scale !== 1) for (let k = 0; k < out.length; k++) out[k] *= scale;
  }
  const y = new Tensor(out, shape);
  record(name, [x], [y], ([dy], [dx]) => {
    if (!dy || !dx) return;
    if (inner === 1) {
      for (let o = 0; o < outer; o++) {
        const g = dy[o] * scale;
        const end = (o + 1) * n;
        for (let k = o * n; k < end; k++) dx[k] += g;
      }
      return;
    }
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < n; j++) {
        const dst = (o * n + j) * inner;
        for (let i = 0; i < inner; i++) dx[dst + i] += dy[o * inner + i] * scale;
      }
    }
  });
  return y;
}

/** [first, last] when the axes are consecutive, else null. */
function contiguousRun(set: Set<number>): [number, number] | null {
  const sorted = [...set].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1] + 1) return null;
  return [sorted[0], sorted[sorted.length - 1]];
}

/** Splits a shape around the axes first..last: [outer, n, inner]. */
function aroundRun(shape: readonly number[], first: number, last: number): [number, number, number] {
  return [shapeSize(shape.slice(0, first)), shapeSize(shape.slice(first, last + 1)), shapeSize(shape.slice(last + 1))];
}

/** Any set of axes (e.g. 0 and 2 of three): each input element's output index, precomputed. */
function reduceSumIndexed(x: Tensor, set: Set<number>, shape: number[], scale: number, name: string): Tensor {
  const { outShape, idx } = reduceIndex(x.shape, set);
  const out = alloc(shapeSize(outShape));
  const xd = x.data;
  for (let k = 0; k < xd.length; k++) out[idx[k]] += xd[k];
  if (scale !== 1) for (let k = 0; k < out.length; k++) out[k] *= scale;
  const y = new Tensor(out, shape);
  record(name, [x], [y], ([dy], [dx]) => {
    if (!dy || !dx) return;
    for (let k = 0; k < dx.length; k++) dx[k] += dy[idx[k]] * scale;
  });
  return y;
}

/** Sum over `axes` (all when omitted). */
export function sum(x: Tensor, axes?: number | number[], keepDim = false): Tensor {
  return reduceSum(x, axes, keepDim, 1, 'sum');
}

/** Mean over `axes` (all when omitted). */
export function mean(x: Tensor, axes?: number | number[], keepDim = false): Tensor {
  const set = axesSet(x, axes, 'mean');
  let count = 1;
  for (const a of set) count *= x.shape[a];
  return reduceSum(x, axes, keepDim, 1 / count, 'mean');
}

/** Maximum along one axis (gradient to the first maximal element). */
export function max(x: Tensor, axis: number, keepDim = false): Tensor {
  const a = normAxis(axis, x.ndim, 'max');
  const [outer, n, inner] = aroundAxis(x.shape, a);
  if (n === 0) throw new Error(`max: axis ${axis} has length 0 in shape ${shapeStr(x.shape)}`);
  const out = alloc(outer * inner);
  const arg = new Int32Array(outer * inner);
  const xd = x.data;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = -Infinity;
      let bi = o * n * inner + i;
      for (let j = 0; j < n; j++) {
        const k = (o * n + j) * inner + i;
        if (xd[k] > best || Number.isNaN(xd[k])) {
          best = xd[k];
          bi = k;
          if (Number.isNaN(best)) break;
        }
      }
      out[o * inner + i] = best;
      arg[o * inner + i] = bi;
    }
  }
  const shape = keepDim ? x.shape.map((d, i) => (i === a ? 1 : d)) : x.shape.filter((_, i) => i !== a);
  const y = new Tensor(out, shape);
  record('max', [x], [y], ([dy], [dx]) => {
    if (!dy || !dx) return;
    for (let k = 0; k < arg.length; k++) dx[arg[k]] += dy[k];
  });
  return y;
}

/** Softmax along `axis` (max-subtracted). */
export function softmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis(axis, x.ndim, 'softmax');
  const [outer, n, inner] = aroundAxis(x.shape, a);
  const xd = x.data;
  const out = alloc(x.size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, xd[base + j * inner]);
      let s = 0;
      for (let j = 0; j < n; j++) {
        const e = Math.exp(xd[base + j * inner] - m);
        out[base + j * inner] = e;
        s += e;
      }
      for (let j = 0; j < n; j++) out[base + j * inner] /= s;
    }
  }
  const y = new Tensor(out, x.shape);
  record('softmax', [x], [y], ([dy], [dx]) => {
    if (!dy || !dx) return;
    // dx = y ⊙ (dy − Σ_j dy_j y_j)
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let dot = 0;
        for (let j = 0; j < n; j++) dot += dy[base + j * inner] * out[base + j * inner];
        for (let j = 0; j < n; j++) {
          const k = base + j * inner;
          dx[k] += out[k] * (dy[k] - dot);
        }
      }
    }
  });
  return y;
}

/** log(softmax(x)) along `axis`, computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis(axis, x.ndim, 'logSoftmax');
  const [outer, n, inner] = aroundAxis(x.shape, a);
  const xd = x.data;
  const out = alloc(x.size);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, xd[base + j * inner]);
      let s = 0;
      for (let j = 0; j < n; j++) s += Math.exp(xd[base + j * inner] - m);
      const lse = m + Math.log(s);
      for (let j = 0; j < n; j++) out[base + j * inner] = xd[base + j * inner] - lse;
    }
  }
  const y = new Tensor(out, x.shape);
  record('logSoftmax', [x], [y], ([dy], [dx]) => {
    if (!dy || !dx) return;
    // dx = dy − softmax ⊙ Σ_j dy_j
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        let total = 0;
        for (let j = 0; j < n; j++) total += dy[base + j * inner];
        for (let j = 0; j < n; j++) {
          const k = base + j * inner;
          dx[k] += dy[k] - Math.exp(out[k]) * total;
        }
      }
    }
  });
  return y;
}
