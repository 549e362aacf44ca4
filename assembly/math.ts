/**
 * Vectorised exp, sigmoid and tanh over f32x4, accurate to a few ulp (≈ 2e-7 relative), plus
 * the load/store pair that lets one loop body serve both full vectors and a scalar tail.
 *
 * All three share one argument reduction (Cephes expf): x = n·ln2 + r with |r| ≤ ln2/2 and
 * e^r − 1 = r + r²·P(r), P of degree 5. Keeping e^r − 1 (not e^r) gives expm1 with full relative
 * accuracy near 0 for free: 2^n·(e^r − 1) + (2^n − 1).
 * exp: 2^n applied in two halves so that results down to the subnormal range (x ≥ −103.9) stay
 *   exact and nothing overflows below x = 88.72 (inputs are clamped to that range).
 * sigmoid(x) = 1 / (1 + e^−x) with e^−x saturating at e^88 (one scaling step suffices: the
 *   sigmoid's tails need no subnormals), so σ never divides by infinity nor returns NaN; for
 *   x > 16.6 it rounds to exactly 1.
 * tanh(x) = sign(x)·m / (m + 2) with m = expm1(2|x|): relative accuracy near 0 comes from expm1,
 *   with no separate small-|x| polynomial; 2|x| is clamped at 88 (tanh is 1 in f32 from |x| ≈ 9).
 */

// ln2 split so that n·LN2_HI is exact for |n| < 2^15 (Cephes C1, C2).
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.12194440e-4;
const LOG2E: f32 = 1.44269504088896341;
const EXP_MAX: f32 = 88.72283;
const EXP_MIN: f32 = -103.9;
/** Inputs of the one-step scaling: n = round(x·log2e) stays in [−126, 127], a normal 2^n. */
const SAT_MAX: f32 = 88.0;
const SAT_MIN: f32 = -87.3;
const ROUNDER: f32 = 12582912; // 1.5·2^23

@inline function k(x: f32): v128 {
  return f32x4.splat(x);
}

/** round(x·log2e) per lane, as floats (|x·log2e| < 2^22). */
@inline function roundLog2(x: v128): v128 {
  // Adding 1.5·2^23 rounds to an integer held in the low mantissa bits.
  return f32x4.sub(f32x4.add(f32x4.mul(x, k(LOG2E)), k(ROUNDER)), k(ROUNDER));
}

/** e^r − 1 for r = x − n·ln2 (|r| ≤ ln2/2 when n = roundLog2(x)). */
@inline function expm1Reduced(x: v128, n: v128): v128 {
  let r = f32x4.sub(x, f32x4.mul(n, k(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(n, k(LN2_LO)));
  let p = k(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), k(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), k(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), k(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), k(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), k(5.0000001201e-1));
  return f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r);
}

/** 2^n for integral float lanes n in [−126, 127]. */
@inline function pow2(ni: v128): v128 {
  return i32x4.shl(i32x4.add(ni, i32x4.splat(127)), 23);
}

/** e^x per lane. */
@inline export function expv(x: v128): v128 {
  // pmin / pmax are single instructions; min / max add NaN and −0 fix-ups we do not need.
  x = f32x4.pmax(f32x4.pmin(x, k(EXP_MAX)), k(EXP_MIN));
  const n = roundLog2(x);
  const p = f32x4.add(expm1Reduced(x, n), k(1));
  // 2^n = 2^n1 · 2^n2 with n1 = ⌊n/2⌋: each half stays a normal float for n in [−150, 128].
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const n1 = i32x4.shr_s(ni, 1);
  return f32x4.mul(f32x4.mul(p, pow2(n1)), pow2(i32x4.sub(ni, n1)));
}

/** 1 / (1 + e^−x) per lane. */
@inline export function sigmoidv(x: v128): v128 {
  const y = f32x4.pmax(f32x4.pmin(f32x4.neg(x), k(SAT_MAX)), k(SAT_MIN));
  const n = roundLog2(y);
  const e = f32x4.mul(f32x4.add(expm1Reduced(y, n), k(1)), pow2(i32x4.trunc_sat_f32x4_s(n)));
  return f32x4.div(k(1), f32x4.add(k(1), e));
}

/** tanh(x) per lane. */
@inline export function tanhv(x: v128): v128 {
  const ax = f32x4.abs(x);
  const y = f32x4.pmin(f32x4.add(ax, ax), k(SAT_MAX));
  const n = roundLog2(y);
  const s = pow2(i32x4.trunc_sat_f32x4_s(n));
  // m = expm1(2|x|) = 2^n·(e^r − 1) + (2^n − 1)
  const m = f32x4.add(f32x4.mul(s, expm1Reduced(y, n)), f32x4.sub(s, k(1)));
  const t = f32x4.div(m, f32x4.add(m, k(2)));
  return v128.or(t, v128.and(x, k(-0.0))); // t ≥ 0: copy x's sign
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
