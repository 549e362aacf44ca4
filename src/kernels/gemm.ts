/**
 * Reference matrix products over flat row-major Float32Arrays (readable, always available).
 *
 * Legend: M rows of the result, N columns of the result, K the summed dimension.
 * Every kernel accumulates: out += op(a) · op(b). Callers zero `out` when they need a plain product.
 * `*Off` arguments are element offsets into the arrays, so kernels can work on row ranges of packed
 * sequences (step t of a packed batch) without allocating subarray views inside time loops.
 */
export type F32 = Float32Array;
export type In = Readonly<Float32Array>;

export interface GemmDims {
  M: number;
  N: number;
  K: number;
}

/** out[M, N] += a[M, K] · b[K, N] */
export function gemmNN(out: F32, a: In, b: In, d: GemmDims, outOff = 0, aOff = 0, bOff = 0): void {
  const { M, N, K } = d;
  for (let i = 0; i < M; i++) {
    const oRow = outOff + i * N;
    const aRow = aOff + i * K;
    for (let k = 0; k < K; k++) {
      const av = a[aRow + k];
      const bRow = bOff + k * N;
      for (let j = 0; j < N; j++) out[oRow + j] += av * b[bRow + j];
    }
  }
}

/** out[M, N] += a[M, K] · b[N, K]ᵀ  (x · Wᵀ with W in PyTorch's [out, in] layout) */
export function gemmNT(out: F32, a: In, b: In, d: GemmDims, outOff = 0, aOff = 0, bOff = 0): void {
  const { M, N, K } = d;
  // 4 columns at a time: four independent dot products share each load of a.
  for (let i = 0; i < M; i++) {
    const oRow = outOff + i * N;
    const aRow = aOff + i * K;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = bOff + j * K;
      const b1 = b0 + K;
      const b2 = b1 + K;
      const b3 = b2 + K;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let k = 0; k < K; k++) {
        const av = a[aRow + k];
        s0 += av * b[b0 + k];
        s1 += av * b[b1 + k];
        s2 += av * b[b2 + k];
        s3 += av * b[b3 + k];
      }
      out[oRow + j] += s0;
      out[oRow + j + 1] += s1;
      out[oRow + j + 2] += s2;
      out[oRow + j + 3] += s3;
    }
    for (; j < N; j++) {
      const bRow = bOff + j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[aRow + k] * b[bRow + k];
      out[oRow + j] += s;
    }
  }
}

/** out[M, N] += a[K, M]ᵀ · b[K, N]  (weight gradients: dYᵀ · X) */
export function gemmTN(out: F32, a: In, b: In, d: GemmDims, outOff = 0, aOff = 0, bOff = 0): void {
  const { M, N, K } = d;
  for (let k = 0; k < K; k++) {
    const aRow = aOff + k * M;
    const bRow = bOff + k * N;
    for (let i = 0; i < M; i++) {
      const av = a[aRow + i];
      const oRow = outOff + i * N;
      for (let j = 0; j < N; j++) out[oRow + j] += av * b[bRow + j];
    }
  }
}

/** out[N] += sum over rows of a[M, N]  (bias gradients) */
export function sumRows(out: F32, a: In, M: number, N: number, aOff = 0): void {
  for (let i = 0; i < M; i++) {
    const row = aOff + i * N;
    for (let j = 0; j < N; j++) out[j] += a[row + j];
  }
}

/** out[M, N] = bias[N] broadcast over rows (initialise before an accumulating GEMM) */
export function fillRows(out: F32, bias: In | null, M: number, N: number, outOff = 0): void {
  for (let i = 0; i < M; i++) {
    const row = outOff + i * N;
    if (bias === null) out.fill(0, row, row + N);
    else for (let j = 0; j < N; j++) out[row + j] = bias[j];
  }
}
