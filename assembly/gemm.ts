/**
 * Matrix products with the right operand pre-packed in 16-column panels, f32x4 SIMD.
 *
 * Legend: M rows of the result, N columns of the result, K the summed dimension.
 * Pointers are byte addresses in linear memory; strides (ldo, sai, sak, lda, ld) count f32
 * elements. Every product accumulates: out += A · B.
 *
 * Packed B: panels of 16 columns, zero-padded past column N. Panel p starts at bp + p·panelK·64
 * bytes and holds one 64-byte row per k, so the micro-kernel streams it strictly in order.
 * `panelK` is the K the operand was packed with; a product may use rows k0 … k0+K of it by
 * passing bp + k0·64 (the GRU's gradients skip a gate block that way). The RNN packs each weight
 * matrix once per call and reuses it for every time step.
 *
 * A is read in place through two strides, element (i, k) at a + 4·(i·sai + k·sak):
 *   row-major A [M, K]: sai = K, sak = 1;   transposed, Aᵀ of a [K, M] array: sai = 1, sak = M.
 * That kernel gives the three products the BPTT loop needs:
 *   NT  x · Wᵀ    (W [N, K] in PyTorch layout)   packCols(W), A row-major
 *   NN  dG · W    (W [K, N])                     packRows(W), A row-major
 *   TN  dGᵀ · X   (dG [K, lda], X [K, N])        packRows(X), A transposed in KC-row slabs
 *                                                (gemmTA: the weight gradients, K = N rows)
 * Threads share products out by panels (disjoint columns of out) or by rows (disjoint rows), so
 * every function here also takes a panel or row range through its pointers and sizes.
 *
 * Micro-kernel 2×16: two broadcast rows of A × four f32x4 of B = 8 accumulators; with the 4 B
 * vectors and 2 broadcasts that is 14 live v128, inside V8's 15 usable xmm registers (3×16 and
 * 4×16 spill and run at half speed). 1×16 takes a leftover odd row; a last partial panel starts
 * from zero accumulators and adds only its valid lanes to out (no scratch tile, so any number of
 * threads can run it at once).
 * Blocking: K in KC = 256 slabs (a 16 KB slice of a panel stays in L1), rows in MC = 64 blocks
 * (the A block stays in L2 while every panel passes over it).
 */

/**
 * dst panels p0 … p1 ← B = src [K, N] (row stride ld) packed; dst holds panel p at p·panelK·64
 * (panelK ≥ K: dst may point at row k0 of panels packed with more rows).
 */
export function packRowsRange(dst: usize, panelK: i32, src: usize, K: i32, N: i32, ld: i32, p0: i32, p1: i32): void {
  const rowBytes = <usize>ld << 2;
  for (let p = p0; p < p1; p++) {
    const j0 = p << 4;
    const nc = min(16, N - j0);
    let d = dst + ((<usize>p * <usize>panelK) << 6);
    let s = src + (<usize>j0 << 2);
    if (nc == 16) {
      for (let k = 0; k < K; k++) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        v128.store(d, v128.load(s, 32), 32);
        v128.store(d, v128.load(s, 48), 48);
        d += 64;
        s += rowBytes;
      }
    } else {
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < 16; j++) store<f32>(d + (<usize>j << 2), j < nc ? load<f32>(s + (<usize>j << 2)) : 0);
        d += 64;
        s += rowBytes;
      }
    }
  }
}

/** dst ← B = src [K, N] row-major, packed [⌈N/16⌉][K][16]. */
export function packRows(dst: usize, src: usize, K: i32, N: i32): void {
  packRowsRange(dst, K, src, K, N, N, 0, (N + 15) >> 4);
}

/** 4×4 transpose of rows r0 … r3 (each 4 lanes) stored as 4 consecutive 64-byte-strided rows. */
@inline function store4x4T(d: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t2 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
  v128.store(d + 64, i64x2.shuffle(t0, t1, 1, 3));
  v128.store(d + 128, i64x2.shuffle(t2, t3, 0, 2));
  v128.store(d + 192, i64x2.shuffle(t2, t3, 1, 3));
}

/**
 * dst panels p0 … p1 ← B = srcᵀ where src is [N, K] row-major (PyTorch's [out, in] weights);
 * dst holds panel p at p·K·64. Full panels go 4 columns × 4 k at a time through a 4×4 transpose.
 */
export function packColsRange(dst: usize, src: usize, N: i32, K: i32, p0: i32, p1: i32): void {
  const rowBytes = <usize>K << 2;
  for (let p = p0; p < p1; p++) {
    const panel = dst + ((<usize>p * <usize>K) << 6);
    const c0 = p << 4;
    const nc = min(16, N - c0);
    let k = 0;
    if (nc == 16) {
      for (; k + 4 <= K; k += 4) {
        const s = src + <usize>c0 * rowBytes + (<usize>k << 2);
        const d = panel + (<usize>k << 6);
        for (let q = 0; q < 4; q++) {
          const sq = s + <usize>(q << 2) * rowBytes;
          store4x4T(d + (<usize>q << 4), v128.load(sq), v128.load(sq + rowBytes), v128.load(sq + 2 * rowBytes), v128.load(sq + 3 * rowBytes));
        }
      }
    }
    for (let j = 0; j < 16; j++) {
      const col = c0 + j;
      let d = panel + (<usize>k << 6) + (<usize>j << 2);
      if (col < N) {
        let s = src + <usize>col * rowBytes + (<usize>k << 2);
        for (let kk = k; kk < K; kk++) {
          store<f32>(d, load<f32>(s));
          d += 64;
          s += 4;
        }
      } else {
        for (let kk = k; kk < K; kk++) {
          store<f32>(d, 0);
          d += 64;
        }
      }
    }
  }
}

/** dst ← B = srcᵀ where src is [N, K] row-major, packed [⌈N/16⌉][K][16]. */
export function packCols(dst: usize, src: usize, N: i32, K: i32): void {
  packColsRange(dst, src, N, K, 0, (N + 15) >> 4);
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

/** o[0 … n) += lanes 0 … n of v (n ≤ 0: nothing; lane indices must be constants). */
@inline function addLanes(o: usize, v: v128, n: i32): void {
  if (n > 0) store<f32>(o, load<f32>(o) + f32x4.extract_lane(v, 0));
  if (n > 1) store<f32>(o, load<f32>(o, 4) + f32x4.extract_lane(v, 1), 4);
  if (n > 2) store<f32>(o, load<f32>(o, 8) + f32x4.extract_lane(v, 2), 8);
  if (n > 3) store<f32>(o, load<f32>(o, 12) + f32x4.extract_lane(v, 3), 12);
}

/** c0 [nc] (and c1 [nc] unless 0) += a0 (a1) · b [K][16], for a partial last panel (nc < 16). */
function kernelTail(c0: usize, c1: usize, a0: usize, a1: usize, sak: usize, b: usize, K: i32, nc: i32): void {
  let x0 = f32x4.splat(0);
  let x1 = f32x4.splat(0);
  let x2 = f32x4.splat(0);
  let x3 = f32x4.splat(0);
  let y0 = f32x4.splat(0);
  let y1 = f32x4.splat(0);
  let y2 = f32x4.splat(0);
  let y3 = f32x4.splat(0);
  const two = c1 != 0;
  if (!two) a1 = a0;
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
  addLanes(c0, x0, nc);
  addLanes(c0 + 16, x1, nc - 4);
  addLanes(c0 + 32, x2, nc - 8);
  addLanes(c0 + 48, x3, nc - 12);
  if (two) {
    addLanes(c1, y0, nc);
    addLanes(c1 + 16, y1, nc - 4);
    addLanes(c1 + 32, y2, nc - 8);
    addLanes(c1 + 48, y3, nc - 12);
  }
}

/** Cache blocking: a KC×16 slice of a panel (16 KB) stays in L1 while MC rows of A pass over it. */
export const KC: i32 = 256;
const MC: i32 = 64;

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
          kernelTail(oi, i + 1 < i1 ? oi + oRow : 0, ai, ai + aRow, aStep, b, kc, nc);
        }
      }
    }
  }
}

/**
 * out [M, N] (row stride ldo) += A [M, K] (strides sai, sak) · B, B packed with panels of
 * panelK rows (bp may point at row k0 of them).
 */
export function gemmP(out: usize, ldo: i32, a: usize, sai: i32, sak: i32, bp: usize, panelK: i32, M: i32, N: i32, K: i32): void {
  if (M <= 0 || N <= 0) return;
  const aStep = <usize>sak << 2;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    gemmBlock(out, ldo, a + <usize>k0 * aStep, sai, sak, bp + (<usize>k0 << 6), <usize>panelK << 6, M, N, kc);
  }
}

/** out [M, N] (row stride ldo) += A [M, K] (strides sai, sak) · B packed [⌈N/16⌉][K][16]. */
export function gemmPacked(out: usize, ldo: i32, a: usize, sai: i32, sak: i32, bp: usize, M: i32, N: i32, K: i32): void {
  gemmP(out, ldo, a, sai, sak, bp, K, M, N, K);
}

/** dst [M, kc] ← (rows k0..k0+kc of a [K, lda], columns 0 … M)ᵀ, in 4×4 blocks where they fit. */
function transposeChunk(dst: usize, src: usize, lda: i32, M: i32, kc: i32): void {
  const srcRow = <usize>lda << 2;
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
 * out [M, N] (row stride ldo) += (columns 0 … M of a [K, lda])ᵀ · B (packed, panels of panelK
 * rows). Reading Aᵀ in place strides a whole row of a per k (8 KB at lda = 2048: a new page every
 * step; measured 9–11 GFLOP/s unblocked and about 30 blocked at K = 6400), so A is transposed KC
 * rows of k at a time into `scratch` [M, KC] and each slab runs row-major against the matching
 * rows k0..k0+KC of every panel (47–49 GFLOP/s).
 */
export function gemmTA(out: usize, ldo: i32, a: usize, lda: i32, bp: usize, panelK: i32, M: i32, N: i32, K: i32, scratch: usize): void {
  if (M <= 0 || N <= 0) return;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    transposeChunk(scratch, a + ((<usize>k0 * <usize>lda) << 2), lda, M, kc);
    gemmBlock(out, ldo, scratch, kc, 1, bp + (<usize>k0 << 6), <usize>panelK << 6, M, N, kc);
  }
}

/**
 * dst [⌈N/16⌉][kc][16] ← rows 0 … kc of B: row k at the byte address table[k] (a u32 table) or,
 * when table is 0, at src + k·ld floats.
 */
function packSlab(dst: usize, table: usize, src: usize, ld: i32, kc: i32, N: i32): void {
  const panels = (N + 15) >> 4;
  const rowBytes = <usize>ld << 2;
  for (let k = 0; k < kc; k++) {
    const row = table ? <usize>load<u32>(table + (<usize>k << 2)) : src + <usize>k * rowBytes;
    let d = dst + (<usize>k << 6);
    for (let p = 0; p < panels; p++) {
      const s = row + (<usize>p << 6);
      const nc = min(16, N - (p << 4));
      if (nc == 16) {
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
        v128.store(d, v128.load(s, 32), 32);
        v128.store(d, v128.load(s, 48), 48);
      } else {
        for (let j = 0; j < 16; j++) store<f32>(d + (<usize>j << 2), j < nc ? load<f32>(s + (<usize>j << 2)) : 0);
      }
      d += <usize>kc << 6;
    }
  }
}

/**
 * out [M, N] (row stride ldo) += (columns 0 … M of a [K, lda])ᵀ · B [K, N], B's rows gathered
 * through `table` (u32 byte addresses) or read at b + k·ldb. Like gemmTA, but B is packed one
 * KC-row slab at a time into `slab` (KC·⌈N/16⌉·16 floats): no packed copy of the whole of B.
 */
export function gemmTAslab(out: usize, ldo: i32, a: usize, lda: i32, table: usize, b: usize, ldb: i32, M: i32, N: i32, K: i32, chunk: usize, slab: usize): void {
  if (M <= 0 || N <= 0) return;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = min(KC, K - k0);
    transposeChunk(chunk, a + ((<usize>k0 * <usize>lda) << 2), lda, M, kc);
    packSlab(slab, table ? table + (<usize>k0 << 2) : 0, b + ((<usize>k0 * <usize>ldb) << 2), ldb, kc, N);
    gemmBlock(out, ldo, chunk, kc, 1, slab, <usize>kc << 6, M, N, kc);
  }
}

/** out [M, N] (row stride ldo) += (a [K, M])ᵀ · B packed [⌈N/16⌉][K][16], via [M, KC] slabs in chunk. */
export function gemmPackedTA(out: usize, ldo: i32, a: usize, bp: usize, M: i32, N: i32, K: i32, chunk: usize): void {
  gemmTA(out, ldo, a, M, bp, K, M, N, K, chunk);
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

/**
 * Columns j0 … j1 of out [M, ·] (row stride ldo) = (b1 or 0) + (b2 or 0) broadcast over rows;
 * b1, b2 [·] or 0 for none.
 */
export function fillBias(out: usize, ldo: i32, b1: usize, b2: usize, M: i32, j0: i32, j1: i32): void {
  if (M <= 0 || j1 <= j0) return;
  const row = <usize>ldo << 2;
  const first = out + (<usize>j0 << 2);
  for (let j = j0; j < j1; j++) {
    const o = <usize>j << 2;
    let v: f32 = 0;
    if (b1) v += load<f32>(b1 + o);
    if (b2) v += load<f32>(b2 + o);
    store<f32>(out + o, v);
  }
  const bytes = <usize>(j1 - j0) << 2;
  for (let i = 1; i < M; i++) memory.copy(first + <usize>i * row, first, bytes);
}

/** out[0 … n) += Σ over M rows of a[·, 0 … n) (row stride lda). */
export function sumRows(out: usize, a: usize, lda: i32, M: i32, n: i32): void {
  const row = <usize>lda << 2;
  for (let i = 0; i < M; i++) {
    const r = a + <usize>i * row;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), v128.load(r + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(r + o));
    }
  }
}
