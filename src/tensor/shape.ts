/**
 * Shape ops: reshape (shares data), transpose/permute, slice, concat, stack, indexSelect, gather.
 */
import { alloc } from './alloc.ts';
import { aroundAxis, normAxis } from './reduce.ts';
import { Tensor, record, shapeStr, shapeSize, type Shape } from './tensor.ts';

/** Same data, new shape; one dimension may be -1 (inferred). */
export function reshape(x: Tensor, shapeIn: Shape): Tensor {
  const shape = [...shapeIn];
  const inferred = shape.indexOf(-1);
  if (inferred >= 0) {
    const rest = shapeSize(shape.filter((_, i) => i !== inferred));
    shape[inferred] = rest === 0 ? 0 : x.size / rest;
  }
  if (shapeSize(shape) !== x.size || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: cannot view ${shapeStr(x.shape)} (${x.size} elements) as ${shapeStr(shapeIn)}`);
  }
  const y = new Tensor(x.data, shape);
  record('reshape', [x], [y], ([dy], [dx]) => {
    if (!dy || !dx) return;
    for (let k = 0; k < dx.length; k++) dx[k] += dy[k];
  });
  return y;
}

export function unsqueeze(x: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(a, 0, 1);
  return reshape(x, shape);
}

/** Removes `axis` (which must have length 1), or every length-1 axis when omitted. */
export function squeeze(x: Tensor, axis?: number): Tensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1));
  const a = normAxis(axis, x.ndim, 'squeeze');
  if (x.shape[a] !== 1) throw new Error(`squeeze: axis ${axis} has length ${x.shape[a]}, expected 1`);
  return reshape(x, x.shape.filter((_, i) => i !== a));
}

export function clone(x: Tensor): Tensor {
  const y = new Tensor(x.data.slice(), x.shape);
  record('clone', [x], [y], ([dy], [dx]) => {
    if (!dy || !dx) return;
    for (let k = 0; k < dx.length; k++) dx[k] += dy[k];
  });
  return y;
}

/** Reorders dimensions: output dim i is input dim perm[i]. */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  const n = x.ndim;
  if (perm.length !== n || new Set(perm.map((p) => normAxis(p, n, 'permute'))).size !== n) {
    throw new Error(`permute: [${perm.join(', ')}] is not a permutation of ${n} dimensions`);
  }
  const p = perm.map((a) => normAxis(a, n, 'permute'));
  const shape = p.map((a) => x.shape[a]);
  const inStrides = new Array<number>(n);
  let s = 1;
  for (let i = n - 1; i >= 0; i--) {
    inStrides[i] = s;
    s *= x.shape[i];
  }
  const size = x.size;
  // src[k]: flat input index of output element k.
  const src = new Int32Array(size);
  const counter = new Array<number>(n).fill(0);
  let off = 0;
  for (let k = 0; k < size; k++) {
    src[k] = off;
    for (let d = n - 1; d >= 0; d--) {
      counter[d]++;
      off += inStrides[p[d]];
      if (counter[d] < shape[d]) break;
      off -= inStrides[p[d]] * counter[d];
      counter[d] = 0;
    }
  }
  const out = alloc(size);
  for (let k = 0; k < size; k++) out[k] = x.data[src[k]];
  const y = new Tensor(out, shape);
  record('permute', [x], [y], ([dy], [dx]) => {
    if (!dy || !dx) return;
    for (let k = 0; k < size; k++) dx[src[k]] += dy[k];
  });
  return y;
}

/** Swaps two dimensions (default: the last two). */
export function transpose(x: Tensor, dim0 = -2, dim1 = -1): Tensor {
  const a = normAxis(dim0, x.ndim, 'transpose');
  const b = normAxis(dim1, x.ndim, 'transpose');
  const perm = x.shape.map((_, i) => i);
  perm[a] = b;
  perm[b] = a;
  return permute(x, perm);
}

/** Elements start ≤ i < end along `axis` (copied). Negative bounds count from the end. */
export function slice(x: Tensor, axis: number, startIn: number, endIn: number): Tensor {
  const a = normAxis(axis, x.ndim, 'slice');
  const len = x.shape[a];
  const start = startIn < 0 ? startIn + len : startIn;
  const end = endIn < 0 ? endIn + len : Math.min(endIn, len);
  if (start < 0 || start > end) {
    throw new Error(`slice: range [${startIn}, ${endIn}) is invalid for axis ${axis} of length ${len}`);
  }
  const [outer, , inner] = aroundAxis(x.shape, a);
  const m = end - start;
  const out = alloc(outer * m * inner);
  for (let o = 0; o < outer; o++) {
    out.set(x.data.subarray((o * len + start) * inner, (o * len + end) * inner), o * m * inner);
  }
  const shape = [...x.shape];
  shape[a] = m;
  const y = new Tensor(out, shape);
  record('slice', [x], [y], ([dy], [dx]) => {
    if (!dy || !dx) return;
    for (let o = 0; o < outer; o++) {
      const src = o * m * inner;
      const dst = (o * len + start) * inner;
      for (let k = 0; k < m * inner; k++) dx[dst + k] += dy[src + k];
    }
  });
  return y;
}

/** Joins tensors along `axis`; all other dimensions must agree. */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error('concat: no tensors given');
  const first = xs[0];
  const a = normAxis(axis, first.ndim, 'concat');
  xs.forEach((x, i) => {
    if (x.ndim !== first.ndim || x.shape.some((d, j) => j !== a && d !== first.shape[j])) {
      throw new Error(`concat: tensor ${i} has shape ${shapeStr(x.shape)}, expected ${shapeStr(first.shape)} except on axis ${a}`);
    }
  });
  const [outer, , inner] = aroundAxis(first.shape, a);
  const total = xs.reduce((s, x) => s + x.shape[a], 0);
  const out = alloc(outer * total * inner);
  const offsets: number[] = [];
  let acc = 0;
  for (const x of xs) {
    offsets.push(acc);
    const m = x.shape[a];
    for (let o = 0; o < outer; o++) {
      out.set(x.data.subarray(o * m * inner, (o + 1) * m * inner), (o * total + acc) * inner);
    }
    acc += m;
  }
  const shape = [...first.shape];
  shape[a] = total;
  const y = new Tensor(out, shape);
  record('concat', xs, [y], ([dy], dxs) => {
    if (!dy) return;
    xs.forEach((x, i) => {
      const dx = dxs[i];
      if (!dx) return;
      const m = x.shape[a];
      for (let o = 0; o < outer; o++) {
        const src = (o * total + offsets[i]) * inner;
        const dst = o * m * inner;
        for (let k = 0; k < m * inner; k++) dx[dst + k] += dy[src + k];
      }
    });
  });
  return y;
}

/** Stacks same-shaped tensors along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (xs.length === 0) throw new Error('stack: no tensors given');
  return concat(xs.map((x) => unsqueeze(x, axis)), axis);
}

/** Picks entries along `axis` by integer index (embedding lookup is indexSelect(W, 0, ids)). */
export function indexSelect(x: Tensor, axis: number, indices: ArrayLike<number>): Tensor {
  const a = normAxis(axis, x.ndim, 'indexSelect');
  const [outer, n, inner] = aroundAxis(x.shape, a);
  const m = indices.length;
  const idx = Int32Array.from(indices as ArrayLike<number>);
  for (let i = 0; i < m; i++) {
    if (!Number.isInteger(indices[i]) || idx[i] < 0 || idx[i] >= n) {
      throw new Error(`indexSelect: index ${indices[i]} at position ${i} is out of range [0, ${n}) for axis ${axis}`);
    }
  }
  const out = alloc(outer * m * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const src = (o * n + idx[i]) * inner;
      out.set(x.data.subarray(src, src + inner), (o * m + i) * inner);
    }
  }
  const shape = [...x.shape];
  shape[a] = m;
  const y = new Tensor(out, shape);
  record('indexSelect', [x], [y], ([dy], [dx]) => {
    if (!dy || !dx) return;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < m; i++) {
        const dst = (o * n + idx[i]) * inner;
        const src = (o * m + i) * inner;
        for (let k = 0; k < inner; k++) dx[dst + k] += dy[src + k];
      }
    }
  });
  return y;
}

/**
 * torch.gather: out[..., i, ...] = x[..., index[..., i, ...], ...] along `axis`.
 * `index` holds integers and has x's shape except along `axis`.
 */
export function gather(x: Tensor, axis: number, index: Tensor): Tensor {
  const a = normAxis(axis, x.ndim, 'gather');
  if (index.ndim !== x.ndim || index.shape.some((d, i) => i !== a && d !== x.shape[i])) {
    throw new Error(`gather: index has shape ${shapeStr(index.shape)}, expected ${shapeStr(x.shape)} except on axis ${a}`);
  }
  const [outer, n, inner] = aroundAxis(x.shape, a);
  const m = index.shape[a];
  const src = new Int32Array(index.size);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < m; j++) {
      for (let i = 0; i < inner; i++) {
        const k = (o * m + j) * inner + i;
        const v = index.data[k];
        if (!Number.isInteger(v) || v < 0 || v >= n) {
          throw new Error(`gather: index value ${v} is out of range [0, ${n}) for axis ${axis}`);
        }
        src[k] = (o * n + v) * inner + i;
      }
    }
  }
  const out = alloc(index.size);
  for (let k = 0; k < out.length; k++) out[k] = x.data[src[k]];
  const y = new Tensor(out, index.shape);
  record('gather', [x], [y], ([dy], [dx]) => {
    if (!dy || !dx) return;
    for (let k = 0; k < src.length; k++) dx[src[k]] += dy[k];
  });
  return y;
}
