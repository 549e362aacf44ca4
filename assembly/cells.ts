/**
 * Pointwise LSTM / GRU / RNN steps, f32x4 SIMD twins of src/cells/*.ts (same equations, same
 * gate order; see those files). Each function covers the n active rows of one time step.
 *
 * Legend: n active rows, H hidden, G gates. Pointers are byte addresses of row 0 of the step:
 * packed [N, ·] buffers at the step's first row r0, per-step [B, ·] buffers at row 0.
 * Every loop runs 4 lanes at a time and finishes a row whose H is not a multiple of 4 with the
 * same body on one lane (ld/st with full = false), so the tail gets identical arithmetic.
 *
 * Deliberate differences from the reference:
 *  - LSTM and RNN forward read the pre-activation from xg alone: the loop accumulates the
 *    recurrent product (and b_hh) into xg, so there is no separate hg. LSTM writes its
 *    activations over xg in place (act and xg are the same buffer here), and so does the RNN
 *    (its xg is h). The GRU's xg is the first 3H of each 4H-wide act row, also overwritten.
 *  - Backward reads dh = dhState + dOut directly instead of a separate dhIn buffer, and writes
 *    dG over act in place (LSTM, GRU): a step reads its act rows once, before writing them.
 *  - Each function covers the units u0 … u1 of every row, so threads can share a step out by
 *    units (u0 a multiple of 4).
 */
import { ld, sigmoidv, st, tanhv } from './math';

@inline function one(): v128 {
  return f32x4.splat(1);
}

// ---- LSTM (G = 4: i, f, g, o) ------------------------------------------------------------

@inline function lstmForwardAt(g: usize, cPrev: usize, c: usize, h: usize, hb: usize, o: usize, full: bool): void {
  const gi = g + o;
  const i = sigmoidv(ld(gi, full));
  const f = sigmoidv(ld(gi + hb, full));
  const gg = tanhv(ld(gi + 2 * hb, full));
  const og = sigmoidv(ld(gi + 3 * hb, full));
  const cn = f32x4.add(f32x4.mul(f, ld(cPrev + o, full)), f32x4.mul(i, gg));
  st(c + o, cn, full);
  st(h + o, f32x4.mul(og, tanhv(cn)), full);
  st(gi, i, full);
  st(gi + hb, f, full);
  st(gi + 2 * hb, gg, full);
  st(gi + 3 * hb, og, full);
}

/** g [n, 4H]: pre-activations in, activations i, f, g, o out. cPrev, c, h [n, H]. Units u0 … u1. */
export function lstmForward(g: usize, cPrev: usize, c: usize, h: usize, n: i32, H: i32, u0: i32, u1: i32): void {
  const hb = <usize>H << 2;
  for (let j = 0; j < n; j++) {
    let k = u0;
    for (; k + 4 <= u1; k += 4) lstmForwardAt(g, cPrev, c, h, hb, <usize>k << 2, true);
    for (; k < u1; k++) lstmForwardAt(g, cPrev, c, h, hb, <usize>k << 2, false);
    g += hb << 2;
    cPrev += hb;
    c += hb;
    h += hb;
  }
}

@inline function lstmBackwardAt(act: usize, c: usize, cPrev: usize, dOut: usize, dh: usize, dc: usize, dG: usize, hb: usize, o: usize, full: bool): void {
  // dG may be act itself: every lane of act is read before the same lane of dG is written.
  const ai = act + o;
  const i = ld(ai, full);
  const f = ld(ai + hb, full);
  const g = ld(ai + 2 * hb, full);
  const og = ld(ai + 3 * hb, full);
  const tc = tanhv(ld(c + o, full));
  let d = ld(dh + o, full);
  if (dOut) d = f32x4.add(d, ld(dOut + o, full));
  // dc_t = dc + dh ⊙ o ⊙ (1 − tanh²(c))
  const dct = f32x4.add(ld(dc + o, full), f32x4.mul(f32x4.mul(d, og), f32x4.sub(one(), f32x4.mul(tc, tc))));
  const gi = dG + o;
  st(gi, f32x4.mul(f32x4.mul(f32x4.mul(dct, g), i), f32x4.sub(one(), i)), full);
  st(gi + hb, f32x4.mul(f32x4.mul(f32x4.mul(dct, ld(cPrev + o, full)), f), f32x4.sub(one(), f)), full);
  st(gi + 2 * hb, f32x4.mul(f32x4.mul(dct, i), f32x4.sub(one(), f32x4.mul(g, g))), full);
  st(gi + 3 * hb, f32x4.mul(f32x4.mul(f32x4.mul(d, tc), og), f32x4.sub(one(), og)), full);
  st(dc + o, f32x4.mul(dct, f), full);
  st(dh + o, f32x4.splat(0), full);
}

/**
 * act [n, 4H], c, cPrev [n, H], dOut [n, H] or 0. dh [n, H]: in dL/dh_t (without dOut), out the
 * direct part of dL/dh_{t-1} (0 for LSTM). dc [n, H]: in dL/dc_t, out dL/dc_{t-1}. dG [n, 4H] out
 * (may be act: written in place). Units u0 … u1.
 */
export function lstmBackward(act: usize, c: usize, cPrev: usize, dOut: usize, dh: usize, dc: usize, dG: usize, n: i32, H: i32, u0: i32, u1: i32): void {
  const hb = <usize>H << 2;
  for (let j = 0; j < n; j++) {
    let k = u0;
    for (; k + 4 <= u1; k += 4) lstmBackwardAt(act, c, cPrev, dOut, dh, dc, dG, hb, <usize>k << 2, true);
    for (; k < u1; k++) lstmBackwardAt(act, c, cPrev, dOut, dh, dc, dG, hb, <usize>k << 2, false);
    act += hb << 2;
    dG += hb << 2;
    c += hb;
    cPrev += hb;
    if (dOut) dOut += hb;
    dh += hb;
    dc += hb;
  }
}

// ---- GRU (G = 3: r, z, n; cache r, z, n, hn) -----------------------------------------------
// Rows of xg, act and dG are 4H wide (xg uses the first 3H): the three share one buffer.

@inline function gruForwardAt(xg: usize, hg: usize, hPrev: usize, h: usize, act: usize, hb: usize, o: usize, full: bool): void {
  const x = xg + o;
  const y = hg + o;
  const r = sigmoidv(f32x4.add(ld(x, full), ld(y, full)));
  const z = sigmoidv(f32x4.add(ld(x + hb, full), ld(y + hb, full)));
  const hn = ld(y + 2 * hb, full);
  const nn = tanhv(f32x4.add(ld(x + 2 * hb, full), f32x4.mul(r, hn)));
  // h' = (1 − z) ⊙ n + z ⊙ h
  st(h + o, f32x4.add(f32x4.mul(f32x4.sub(one(), z), nn), f32x4.mul(z, ld(hPrev + o, full))), full);
  // act may be xg: every lane of xg is read above, before the same lane of act is written.
  const a = act + o;
  st(a, r, full);
  st(a + hb, z, full);
  st(a + 2 * hb, nn, full);
  st(a + 3 * hb, hn, full);
}

/**
 * xg [n, 4H] (x·W_ihᵀ + b_ih in the first 3H), hg [n, 3H] (h·W_hhᵀ + b_hh), hPrev, h [n, H],
 * act [n, 4H] out (may be xg). Units u0 … u1.
 */
export function gruForward(xg: usize, hg: usize, hPrev: usize, h: usize, act: usize, n: i32, H: i32, u0: i32, u1: i32): void {
  const hb = <usize>H << 2;
  for (let j = 0; j < n; j++) {
    let k = u0;
    for (; k + 4 <= u1; k += 4) gruForwardAt(xg, hg, hPrev, h, act, hb, <usize>k << 2, true);
    for (; k < u1; k++) gruForwardAt(xg, hg, hPrev, h, act, hb, <usize>k << 2, false);
    xg += hb << 2;
    hg += 3 * hb;
    act += hb << 2;
    hPrev += hb;
    h += hb;
  }
}

@inline function gruBackwardAt(act: usize, hPrev: usize, dOut: usize, dh: usize, dG: usize, hb: usize, o: usize, full: bool): void {
  const a = act + o;
  const r = ld(a, full);
  const z = ld(a + hb, full);
  const nn = ld(a + 2 * hb, full);
  const hn = ld(a + 3 * hb, full);
  let d = ld(dh + o, full);
  if (dOut) d = f32x4.add(d, ld(dOut + o, full));
  const dan = f32x4.mul(f32x4.mul(d, f32x4.sub(one(), z)), f32x4.sub(one(), f32x4.mul(nn, nn)));
  const dar = f32x4.mul(f32x4.mul(f32x4.mul(dan, hn), r), f32x4.sub(one(), r));
  const daz = f32x4.mul(f32x4.mul(f32x4.mul(d, f32x4.sub(ld(hPrev + o, full), nn)), z), f32x4.sub(one(), z));
  const g = dG + o;
  st(g, dar, full);
  st(g + hb, daz, full);
  st(g + 2 * hb, dan, full);
  st(g + 3 * hb, f32x4.mul(dan, r), full);
  st(dh + o, f32x4.mul(d, z), full);
}

/**
 * act [n, 4H], hPrev [n, H], dOut [n, H] or 0, dh [n, H] in/out (direct part d ⊙ z).
 * dG [n, 4H] out (may be act): dL/dxg = blocks 0, 1, 2 (r, z, n); dL/dhg = blocks 0, 1, 3 (the
 * n block of dL/dhg is dan ⊙ r). Units u0 … u1.
 */
export function gruBackward(act: usize, hPrev: usize, dOut: usize, dh: usize, dG: usize, n: i32, H: i32, u0: i32, u1: i32): void {
  const hb = <usize>H << 2;
  for (let j = 0; j < n; j++) {
    let k = u0;
    for (; k + 4 <= u1; k += 4) gruBackwardAt(act, hPrev, dOut, dh, dG, hb, <usize>k << 2, true);
    for (; k < u1; k++) gruBackwardAt(act, hPrev, dOut, dh, dG, hb, <usize>k << 2, false);
    act += hb << 2;
    dG += hb << 2;
    hPrev += hb;
    if (dOut) dOut += hb;
    dh += hb;
  }
}

// ---- Elman RNN (G = 1) --------------------------------------------------------------------

@inline function rnnForwardAt(a: usize, h: usize, relu: bool, full: bool): void {
  const x = ld(a, full);
  st(h, relu ? f32x4.max(x, f32x4.splat(0)) : tanhv(x), full);
}

/** a [n, H]: pre-activation (x·W_ihᵀ + h·W_hhᵀ + biases); h [n, H] out (may be a). Units u0 … u1. */
export function rnnForward(a: usize, h: usize, relu: bool, n: i32, H: i32, u0: i32, u1: i32): void {
  const hb = <usize>H << 2;
  for (let j = 0; j < n; j++) {
    let k = u0;
    if (relu) {
      for (; k + 4 <= u1; k += 4) rnnForwardAt(a + (<usize>k << 2), h + (<usize>k << 2), true, true);
      for (; k < u1; k++) rnnForwardAt(a + (<usize>k << 2), h + (<usize>k << 2), true, false);
    } else {
      for (; k + 4 <= u1; k += 4) rnnForwardAt(a + (<usize>k << 2), h + (<usize>k << 2), false, true);
      for (; k < u1; k++) rnnForwardAt(a + (<usize>k << 2), h + (<usize>k << 2), false, false);
    }
    a += hb;
    h += hb;
  }
}

@inline function rnnBackwardAt(h: usize, dOut: usize, dh: usize, dG: usize, o: usize, relu: bool, full: bool): void {
  const y = ld(h + o, full);
  let d = ld(dh + o, full);
  if (dOut) d = f32x4.add(d, ld(dOut + o, full));
  const da = relu
    ? v128.and(d, f32x4.gt(y, f32x4.splat(0)))
    : f32x4.mul(d, f32x4.sub(one(), f32x4.mul(y, y)));
  st(dG + o, da, full);
  st(dh + o, f32x4.splat(0), full);
}

/** h [n, H] (the forward output), dOut [n, H] or 0, dh [n, H] in/out (direct part 0), dG [n, H] out. Units u0 … u1. */
export function rnnBackward(h: usize, dOut: usize, dh: usize, dG: usize, relu: bool, n: i32, H: i32, u0: i32, u1: i32): void {
  const hb = <usize>H << 2;
  for (let j = 0; j < n; j++) {
    let k = u0;
    if (relu) {
      for (; k + 4 <= u1; k += 4) rnnBackwardAt(h, dOut, dh, dG, <usize>k << 2, true, true);
      for (; k < u1; k++) rnnBackwardAt(h, dOut, dh, dG, <usize>k << 2, true, false);
    } else {
      for (; k + 4 <= u1; k += 4) rnnBackwardAt(h, dOut, dh, dG, <usize>k << 2, false, true);
      for (; k < u1; k++) rnnBackwardAt(h, dOut, dh, dG, <usize>k << 2, false, false);
    }
    h += hb;
    if (dOut) dOut += hb;
    dh += hb;
    dG += hb;
  }
}
