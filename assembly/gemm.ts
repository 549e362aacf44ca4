/**
 * Matrix products with the right operand pre-packed in 16-column panels, f32x4 SIMD.
 *
 * Legend: M rows of the result, N columns of the result, K the summed dimension.
 * Pointers are byte addresses in linear memory; strides (ldo, sai, sak) count f32 elements.
 * Every product accumulates: out += A · B.
 *
 * Packed B: [⌈N/16⌉][K][16], zero-padded past column N. Panel p holds columns 16p..16p+15 as one
 * 64-byte row per k, so the micro-kernel streams it strictly in order. The RNN packs each weight
 * matrix once per call and reuses it for every time step.
 *
 * A is read in place through two strides, element (i, k) at a + 4·(i·sai + k·sak):
 *   row-major A [M, K]: sai = K, sak = 1;   transposed, Aᵀ of a [K, M] array: sai = 1, sak = M.
 * That kernel gives the three products the BPTT loop needs:
 *   NT  x · Wᵀ    (W [N, K] in PyTorch layout)   packCols(W), A row-major
 *   NN  dG · W    (W [K, N])                     packRows(W), A row-major
 *   TN  dGᵀ · X   (dG [K, M], X [K, N])          packRows(X), A transposed in KC-row slabs
 *                                                (gemmPackedTA: the weight gradients, K = N rows)
 *
 * Micro-kernel 2×16: two broadcast rows of A × four f32x4 of B = 8 accumulators; with the 4 B
 * vectors and 2 broadcasts that is 14 live v128, inside V8's 15 usable xmm registers (3×16 and
 * 4×16 spill and run at half speed). 1×16 takes a leftover odd row; a last partial panel is
 * computed into a zeroed 2×16 tile and only its valid columns are added to out.
 * Blocking: K in KC = 256 slabs (a 16 KB slice of a panel stays in L1), rows in MC = 64 blocks
 * (the A block stays in L2 while every panel passes over it).
 */

// [2][16] scratch tile for the last partial panel.
const TILE: usize = memory.data(2 * 64, 64);

/** dst ← B = src [K, N] row-major, packed [⌈N/16⌉][K][16]. */
export function packRows(dst: usize, src: usize, K: i32, N: i32): void {
  const panels = (N + 15) >> 4;
  for (let p = 0; p < panels; p++) {
    const j0 = p << 4;
    const nc = min(16, N - j0);
    let d = dst + ((<usize>p * <usize>K) << 6);
    let s = src + (<usize>j0 << 2);
    const rowBytes = <usize>N << 2;
    for (let k = 0; k < K; k++) {
      if (nc == 16) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        v128.store(d, v128.load(s, 32), 32);
        v128.store(d, v128.load(s, 48), 48);
      } else {
        for (let j = 0; j < 16; j++) store<f32>(d + (<usize>j << 2), j < nc ? load<f32>(s + (<usize>j << 2)) : 0);
      }
      d += 64;
      s += rowBytes;
    }
  }
}

/** dst ← B = srcᵀ where src is [N, K] row-major, packed [⌈N/16⌉][K][16]. */
export function packCols(dst: usize, src: usize, N: i32, K: i32): void {
  const panels = (N + 15) >> 4;
  for (let p = 0; p < panels; p++) {
    const panel = dst + ((<usize>p * <usize>K) << 6);
    for (let j = 0; j < 16; j++) {
      const col = (p << 4) + j;
      let d = panel + (<usize>j << 2);
      if (col < N) {
        let s = src + ((<usize>col * <usize>K) << 2);
        for (let k = 0; k < K; k++) {
          store<f32>(d, load<f32>(s));
          d += 64;
          s += 4;
        }
      } else {
        for (let k = 0; k < K; k++) {
          store<f32>(d, 0);
          d += 64;
        }
      }
    }
  }
}

/** c0, c1 [16] += a0, a1 (K elements, sak bytes apart) · b [K][16]. */
function kernel2x16(c0: usize, c1: usize, a0: usize, a1: usize, sak: usize, b: usize, K: i32): void {
  let x0 = v128.load(c0);
  let x1 = v128.load(c0, 16);
  let x2 = v128.load(c0, 32);
  let x3 = v128.load(c0, 48);
  let y0 = v128.load(c1);
  let y1 = v128.load(c1, 16);
  let y2 = v128.load(c1, 32);
  let y3 = v128.load(c1, 48);
  for (let k = 0; k < K; k++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const b2 = v128.load(b, 32);
    const b3 = v128.load(b, 48);
    const p = v128.load32_splat(a0);
    const q = v128.load32_splat(a1);
    x0 = f32x4.add(x0, f32x4.mul(p, b0));
    x1 = f32x4.add(x1, f32x4.mul(p, b1));
    x2 = f32x4.add(x2, f32x4.mul(p, b2));
    x3 = f32x4.add(x3, f32x4.mul(p, b3));
    y0 = f32x4.add(y0, f32x4.mul(q, b0));
    y1 = f32x4.add(y1, f32x4.mul(q, b1));
    y2 = f32x4.add(y2, f32x4.mul(q, b2));
    y3 = f32x4.add(y3, f32x4.mul(q, b3));
    a0 += sak;
    a1 += sak;
    b += 64;
  }
  v128.store(c0, x0);
  v128.store(c0, x1, 16);
  v128.store(c0, x2, 32);
  v128.store(c0, x3, 48);
  v128.store(c1, y0);
  v128.store(c1, y1, 16);
  v128.store(c1, y2, 32);
  v128.store(c1, y3, 48);
}

/** c0 [16] += a0 (K elements, sak bytes apart) · b [K][16]. */
function kernel1x16(c0: usize, a0: usize, sak: usize, b: usize, K: i32): void {
  let x0 = v128.load(c0);
  let x1 = v128.load(c0, 16);
  let x2 = v128.load(c0, 32);
  let x3 = v128.load(c0, 48);
  for (let k = 0; k < K; k++) {
    const p = v128.load32_splat(a0);
    x0 = f32x4.add(x0, f32x4.mul(p, v128.load(b)));
    x1 = f32x4.add(x1, f32x4.mul(p, v128.load(b, 16)));
    x2 = f32x4.add(x2, f32x4.mul(p, v128.load(b, 32)));
    x3 = f32x4.add(x3, f32x4.mul(p, v128.load(b, 48)));
    a0 += sak;
    b += 64;
  }
  v128.store(c0, x0);
  v128.store(c0, x1, 16);
  v128.store(c0, x2, 32);
  v128.store(c0, x3, 48);
}

/** out[i, 0..nc) += TILE row r. */
function addTileRow(out: usize, r: i32, nc: i32): void {
  const t = TILE + (<usize>r << 6);
  for (let j = 0; j < nc; j++) {
    const o = out + (<usize>j << 2);
    store<f32>(o, load<f32>(o) + load<f32>(t + (<usize>j << 2)));
  }
}

/** Cache blocking: a KC×16 slice of a panel (16 KB) stays in L1 while MC rows of A pass over it. */
export const KC: i32 = 256;
const MC: i32 = 64;

/**
 * out [M, N] (row stride ldo) += A [M, K] (strides sai, sak) · B, with B packed by packRows or
 * packCols: [⌈N/16⌉][K][16].
 */
export function gemmPacked(out: usize, ldo: i32, a: usize, sai: i32, sak: i32, bp: usize, M: i32, N: i32, K: i32): void {
  const aStep = <usize>sak << 2;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    gemmBlock(out, ldo, a + <usize>k0 * aStep, sai, sak, bp + (<usize>k0 << 6), <usize>K << 6, M, N, kc);
  }
}

/** One KC slab: out += A[:, k0..k0+kc) · B[k0..k0+kc), panels panelBytes apart, rows in MC blocks. */
function gemmBlock(out: usize, ldo: i32, a: usize, sai: i32, sak: i32, bp: usize, panelBytes: usize, M: i32, N: i32, kc: i32): void {
  const oRow = <usize>ldo << 2;
  const aRow = <usize>sai << 2;
  const aStep = <usize>sak << 2;
  const panels = (N + 15) >> 4;
  for (let i0 = 0; i0 < M; i0 += MC) {
    const i1 = min(M, i0 + MC);
    for (let p = 0; p < panels; p++) {
      const b = bp + <usize>p * panelBytes;
      const o = out + (<usize>p << 6);
      const nc = min(16, N - (p << 4));
      let i = i0;
      if (nc == 16) {
        for (; i + 2 <= i1; i += 2) {
          const oi = o + <usize>i * oRow;
          const ai = a + <usize>i * aRow;
          kernel2x16(oi, oi + oRow, ai, ai + aRow, aStep, b, kc);
        }
        if (i < i1) kernel1x16(o + <usize>i * oRow, a + <usize>i * aRow, aStep, b, kc);
      } else {
        for (; i < i1; i += 2) {
          const oi = o + <usize>i * oRow;
          const ai = a + <usize>i * aRow;
          memory.fill(TILE, 0, 128);
          if (i + 1 < i1) {
            kernel2x16(TILE, TILE + 64, ai, ai + aRow, aStep, b, kc);
            addTileRow(oi, 0, nc);
            addTileRow(oi + oRow, 1, nc);
          } else {
            kernel1x16(TILE, ai, aStep, b, kc);
            addTileRow(oi, 0, nc);
          }
        }
      }
    }
  }
}

/** dst [M, kc] ← (src rows k0..k0+kc of a [K, M] array)ᵀ, in 4×4 blocks where they fit. */
function transposeChunk(dst: usize, src: usize, M: i32, kc: i32): void {
  const srcRow = <usize>M << 2;
  const dstRow = <usize>kc << 2;
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    let k = 0;
    for (; k + 4 <= kc; k += 4) {
      const s = src + <usize>k * srcRow + (<usize>i << 2);
      const r0 = v128.load(s);
      const r1 = v128.load(s + srcRow);
      const r2 = v128.load(s + 2 * srcRow);
      const r3 = v128.load(s + 3 * srcRow);
      // 4×4 transpose: interleave pairs of rows, then pairs of pairs.
      const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
      const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
      const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
      const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
      const d = dst + <usize>i * dstRow + (<usize>k << 2);
      v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
      v128.store(d + dstRow, i64x2.shuffle(t0, t1, 1, 3));
      v128.store(d + 2 * dstRow, i64x2.shuffle(t2, t3, 0, 2));
      v128.store(d + 3 * dstRow, i64x2.shuffle(t2, t3, 1, 3));
    }
    for (; k < kc; k++) {
      for (let r = 0; r < 4; r++) store<f32>(dst + <usize>(i + r) * dstRow + (<usize>k << 2), load<f32>(src + <usize>k * srcRow + (<usize>(i + r) << 2)));
    }
  }
  for (; i < M; i++) {
    for (let k = 0; k < kc; k++) store<f32>(dst + <usize>i * dstRow + (<usize>k << 2), load<f32>(src + <usize>k * srcRow + (<usize>i << 2)));
  }
}

/**
 * out [M, N] (row stride ldo) += a[K, M]ᵀ · B (packed). Reading aᵀ in place strides a whole row
 * of a per k (8 KB at M = 2048: a new page every step; measured 9–11 GFLOP/s unblocked and about
 * 30 blocked at K = 6400), so A is transposed KC rows of k at a time into `scratch` [M, KC] and
 * each slab runs row-major against the matching rows k0..k0+KC of every panel (47–49 GFLOP/s).
 */
export function gemmPackedTA(out: usize, ldo: i32, a: usize, bp: usize, M: i32, N: i32, K: i32, scratch: usize): void {
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    transposeChunk(scratch, a + ((<usize>k0 * <usize>M) << 2), M, kc);
    gemmBlock(out, ldo, scratch, kc, 1, bp + (<usize>k0 << 6), <usize>K << 6, M, N, kc);
  }
}

/** out[M, N] += a[M, K] · b[K, N]. pack: ⌈N/16⌉·16·K floats of scratch. */
export function gemmNN(out: usize, a: usize, b: usize, pack: usize, M: i32, N: i32, K: i32): void {
  packRows(pack, b, K, N);
  gemmPacked(out, N, a, K, 1, pack, M, N, K);
}

/** out[M, N] += a[M, K] · b[N, K]ᵀ. pack: ⌈N/16⌉·16·K floats of scratch. */
export function gemmNT(out: usize, a: usize, b: usize, pack: usize, M: i32, N: i32, K: i32): void {
  packCols(pack, b, N, K);
  gemmPacked(out, N, a, K, 1, pack, M, N, K);
}

/** out[M, N] += a[K, M]ᵀ · b[K, N]. pack: ⌈N/16⌉·16·K + M·KC floats of scratch. */
export function gemmTN(out: usize, a: usize, b: usize, pack: usize, M: i32, N: i32, K: i32): void {
  packRows(pack, b, K, N);
  gemmPackedTA(out, N, a, pack, M, N, K, pack + ((<usize>((N + 15) >> 4) * <usize>K) << 6));
}

/** out[M, N] = (b1 or 0) + (b2 or 0) broadcast over rows; b1, b2 [N] or 0 for none. */
export function fillBias(out: usize, b1: usize, b2: usize, M: i32, N: i32): void {
  if (M <= 0) return;
  const row = <usize>N << 2;
  for (let j = 0; j < N; j++) {
    const o = <usize>j << 2;
    let v: f32 = 0;
    if (b1) v += load<f32>(b1 + o);
    if (b2) v += load<f32>(b2 + o);
    store<f32>(out + o, v);
  }
  for (let i = 1; i < M; i++) memory.copy(out + <usize>i * row, out, row);
}

/** out[N] += Σ rows of a[M, N]. */
export function sumRows(out: usize, a: usize, M: i32, N: i32): void {
  for (let i = 0; i < M; i++) {
    const r = a + ((<usize>i * <usize>N) << 2);
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(r + o)));
    }
    for (; j < N; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(r + o));
    }
  }
}
