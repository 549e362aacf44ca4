/**
 * Vectorised exp, sigmoid and tanh over f32x4, accurate to a few ulp (≈ 2e-7 relative), plus
 * the load/store pair that lets one loop body serve both full vectors and a scalar tail.
 *
 * exp (Cephes expf): x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial, then 2^n
 *   applied in two halves so that results down to the subnormal range (x ≥ −103.9) stay exact
 *   and nothing overflows below x = 88.72 (inputs are clamped to that range).
 * sigmoid(x) = 1 / (1 + e^−x): e^−x saturates at 3.4e38 for x < −88.7, so σ never divides by
 *   infinity and never returns NaN; for x > 16.6 it rounds to exactly 1.
 * tanh (Cephes tanhf): an odd polynomial for |x| ≤ 0.625 (keeps relative accuracy near 0, where
 *   1 − 2/(e^2x + 1) would cancel), and sign(x)·(1 − 2/(e^2|x| + 1)) above.
 */

// ln2 split so that n·LN2_HI is exact for |n| < 2^15 (Cephes C1, C2).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const LOG2E: f32 = 1.44269504088896341;
const EXP_MAX: f32 = 88.72283;
const EXP_MIN: f32 = -103.9;
const ROUNDER: f32 = 12582912; // 1.5·2^23
const ROUNDER_BITS: i32 = 0x4b400000;

@inline function k(x: f32): v128 {
  return f32x4.splat(x);
}

/** e^x per lane. */
@inline export function expv(x: v128): v128 {
  // pmin / pmax are single instructions; min / max add NaN and −0 fix-ups we do not need.
  x = f32x4.pmax(f32x4.pmin(x, k(EXP_MAX)), k(EXP_MIN));
  // n = round(x·log2e): adding 1.5·2^23 rounds to an integer held in the low mantissa bits.
  const t = f32x4.add(f32x4.mul(x, k(LOG2E)), k(ROUNDER));
  const n = f32x4.sub(t, k(ROUNDER));
  const ni = i32x4.sub(t, i32x4.splat(ROUNDER_BITS));
  let r = f32x4.sub(x, f32x4.mul(n, k(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, k(LN2_LO)));
  let p = k(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), k(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), k(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), k(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), k(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), k(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), k(1));
  // 2^n = 2^n1 · 2^n2 with n1 = ⌊n/2⌋: each half stays a normal float for n in [−150, 128].
  const n1 = i32x4.shr_s(ni, 1);
  const n2 = i32x4.sub(ni, n1);
  const s1 = i32x4.shl(i32x4.add(n1, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(n2, i32x4.splat(127)), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** 1 / (1 + e^−x) per lane. */
@inline export function sigmoidv(x: v128): v128 {
  return f32x4.div(k(1), f32x4.add(k(1), expv(f32x4.neg(x))));
}

/** tanh(x) per lane. */
@inline export function tanhv(x: v128): v128 {
  const ax = f32x4.abs(x);
  const e = expv(f32x4.add(ax, ax));
  const big = f32x4.sub(k(1), f32x4.div(k(2), f32x4.add(e, k(1))));
  const z = f32x4.mul(x, x);
  let p = k(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), k(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), k(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), k(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), k(-3.33332819422e-1));
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const signedBig = v128.or(big, v128.and(x, k(-0.0))); // big ≥ 0: copy x's sign
  return v128.bitselect(small, signedBig, f32x4.le(ax, k(0.625)));
}

/** Four lanes from p, or (tail) one lane from p and zeros. */
@inline export function ld(p: usize, full: bool): v128 {
  return full ? v128.load(p) : v128.load32_zero(p);
}

/** Four lanes to p, or (tail) lane 0 only. */
@inline export function st(p: usize, v: v128, full: bool): void {
  if (full) v128.store(p, v);
  else v128.store32_lane(p, v, 0);
}

/** dst[n] = f(src[n]) with f = exp (0), sigmoid (1), tanh (2): for accuracy tests. */
export function mathMap(fn: i32, dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const x = v128.load32_zero(src + o);
    const y = fn == 0 ? expv(x) : fn == 1 ? sigmoidv(x) : tanhv(x);
    v128.store32_lane(dst + o, y, 0);
  }
}
