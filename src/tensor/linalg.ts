/**
 * matmul: [M, K]·[K, N], [..., M, K]·[K, N] (leading dims flattened), and batched
 * [Bt, M, K]·[Bt, K, N]. Backward: dA = dC·Bᵀ, dB = Aᵀ·dC.
 */
import { products } from '../kernels/backend.ts';
import { alloc } from './alloc.ts';
import { Tensor, record, shapeStr } from './tensor.ts';

export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ndim < 2 || b.ndim < 2) {
    throw new Error(`matmul: both operands need at least 2 dimensions, got ${shapeStr(a.shape)} and ${shapeStr(b.shape)}`);
  }
  const K = a.shape[a.ndim - 1];
  const M = a.shape[a.ndim - 2];
  const N = b.shape[b.ndim - 1];
  const { gemmNN, gemmNT, gemmTN } = products();
  if (b.shape[b.ndim - 2] !== K) {
    throw new Error(`matmul: inner dimensions differ: ${shapeStr(a.shape)} · ${shapeStr(b.shape)}`);
  }
  if (b.ndim === 2) {
    // Flatten a's leading dimensions into rows.
    const rows = a.size / K;
    const out = alloc(rows * N);
    gemmNN(out, a.data, b.data, { M: rows, N, K });
    const y = new Tensor(out, [...a.shape.slice(0, -1), N]);
    record('matmul', [a, b], [y], ([dy], [da, db]) => {
      if (!dy) return;
      if (da) gemmNT(da, dy, b.data, { M: rows, N: K, K: N });
      if (db) gemmTN(db, a.data, dy, { M: K, N, K: rows });
    });
    return y;
  }
  const batch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  if (batch.length !== bBatch.length || batch.some((d, i) => d !== bBatch[i])) {
    throw new Error(`matmul: batch dimensions differ: ${shapeStr(a.shape)} · ${shapeStr(b.shape)}`);
  }
  const Bt = a.size / (M * K);
  const out = alloc(Bt * M * N);
  for (let i = 0; i < Bt; i++) gemmNN(out, a.data, b.data, { M, N, K }, i * M * N, i * M * K, i * K * N);
  const y = new Tensor(out, [...batch, M, N]);
  record('bmm', [a, b], [y], ([dy], [da, db]) => {
    if (!dy) return;
    for (let i = 0; i < Bt; i++) {
      if (da) gemmNT(da, dy, b.data, { M, N: K, K: N }, i * M * K, i * M * N, i * K * N);
      if (db) gemmTN(db, a.data, dy, { M: K, N, K: M }, i * K * N, i * M * K, i * M * N);
    }
  });
  return y;
}
