// The WebAssembly backend against its reference twins (issue 3, item 5):
//  - the committed binary is built from the current assembly/ sources;
//  - vectorised exp / sigmoid / tanh against Math on a dense sweep and at saturation;
//  - each GEMM variant (NN, NT, TN) against kernels/gemm.ts on odd shapes (1, 3, 17, 129);
//  - whole-direction forward + backward against kernels/direction.ts for every cell kind ×
//    reverse × equal / variable lengths, odd sizes included (pointwise tails when H % 4 ≠ 0).
// Errors are normwise: max |Δ| / max(1, max |reference|) per buffer, reported at the end.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sourceHash } from '../assembly/build.ts';
import type { CellCache, CellKernel } from '../src/cells/cell.ts';
import { gruCell } from '../src/cells/gru.ts';
import { lstmCell } from '../src/cells/lstm.ts';
import { rnnReluCell, rnnTanhCell } from '../src/cells/rnn.ts';
import { getBackend, initBackend, jsBackend, setBackend, WASM_MIN_ROW_MACS, wasmBackend } from '../src/kernels/backend.ts';
import { noGrad } from '../src/tensor/tensor.ts';
import { linear } from '../src/layers/linear.ts';
import { matmul } from '../src/tensor/linalg.ts';
import { tensor } from '../src/tensor/create.ts';
import * as refDirection from '../src/kernels/direction.ts';
import type { BackwardBuffers, DirectionDims, DirectionWeightsData, ForwardBuffers } from '../src/kernels/direction.ts';
import * as ref from '../src/kernels/gemm.ts';
import { SOURCE_HASH, WASM_BASE64, WASM_MT_BASE64 } from '../src/kernels/wasm/binary.ts';
import * as fast from '../src/kernels/wasm/gemm.ts';
import * as wasmDirection from '../src/kernels/wasm/direction.ts';
import { tuning } from '../src/kernels/wasm/engines.ts';
import { arena, wasmAvailable, wasmKernels } from '../src/kernels/wasm/module.ts';
import { Rng } from '../src/tensor/rng.ts';

const worst: Record<string, number> = {};

function note(what: string, err: number): void {
  worst[what] = Math.max(worst[what] ?? 0, err);
}

/** max |a − b| / max(1, max |b|). */
function normErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let s = 1;
  for (let i = 0; i < a.length; i++) {
    assert.ok(Number.isFinite(a[i]), `non-finite value at ${i}: ${a[i]}`);
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
}

function randArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * (2 * rng.uniform() - 1);
  return a;
}

test('the committed kernels.wasm and kernels-mt.wasm are built from the current assembly/ sources', () => {
  assert.equal(SOURCE_HASH, sourceHash(), 'assembly/ changed since the last build: run `npm run build:wasm`');
  const committed = readFileSync(new URL('../src/kernels/wasm/kernels.wasm', import.meta.url));
  assert.equal(Buffer.from(committed).toString('base64'), WASM_BASE64, 'binary.ts and kernels.wasm differ: run `npm run build:wasm`');
  const committedMt = readFileSync(new URL('../src/kernels/wasm/kernels-mt.wasm', import.meta.url));
  assert.equal(Buffer.from(committedMt).toString('base64'), WASM_MT_BASE64, 'binary.ts and kernels-mt.wasm differ: run `npm run build:wasm`');
  // The threaded build imports its shared memory and nothing else; the single one imports nothing.
  const imports = WebAssembly.Module.imports(new WebAssembly.Module(committedMt));
  assert.deepEqual(imports.map((i) => `${i.module}.${i.name}:${i.kind}`), ['env.memory:memory']);
  assert.deepEqual(WebAssembly.Module.imports(new WebAssembly.Module(committed)), []);
});

test('WebAssembly SIMD is available on Node 20 and is the default backend', () => {
  assert.ok(wasmAvailable());
  assert.equal(getBackend().name, 'wasm');
  setBackend('js');
  assert.equal(getBackend(), jsBackend);
  setBackend('wasm');
  assert.equal(getBackend(), wasmBackend);
  const k = wasmKernels();
  for (const name of ['runJob', 'threadInit', 'gemmPacked', 'gemmPackedTA', 'gemmNN', 'gemmNT', 'gemmTN', 'packRows', 'packCols', 'mathMap', 'heapBase'] as const) {
    assert.equal(typeof k[name], 'function', name);
  }
  assert.ok(k.memory instanceof WebAssembly.Memory);
});

test('initBackend (the asynchronous load for browser main threads) keeps an explicit choice', async () => {
  setBackend('js');
  assert.equal(await initBackend(), jsBackend);
  setBackend('wasm');
  assert.equal(await initBackend(), wasmBackend);
});

// ---- exp / sigmoid / tanh -------------------------------------------------------------------

function mathMap(fn: 0 | 1 | 2, x: Float32Array): Float32Array {
  const a = arena();
  a.reset();
  const src = a.f32(x.length);
  const dst = a.f32(x.length);
  a.f32view().set(x, src >> 2);
  wasmKernels().mathMap(fn, dst, src, x.length);
  return a.f32view().slice(dst >> 2, (dst >> 2) + x.length);
}

function sweep(): Float32Array {
  const xs: number[] = [];
  for (let x = -30; x <= 30; x += 1 / 1024) xs.push(x); // dense, every ~ulp region of |x| < 30
  for (let x = 30; x <= 120; x += 0.125) xs.push(x, -x); // saturation and beyond the clamps
  for (let e = -40; e <= 0; e += 0.25) xs.push(10 ** e, -(10 ** e)); // tiny |x|: tanh x ≈ x
  xs.push(0, -0, 1e30, -1e30, 3.4e38, -3.4e38);
  return Float32Array.from(xs);
}

test('exp is accurate to 1e-6 relative over [−87, 88.7] and stays finite beyond', () => {
  const x = sweep();
  const y = mathMap(0, x);
  let maxRel = 0;
  for (let i = 0; i < x.length; i++) {
    const e = Math.exp(x[i]);
    assert.ok(Number.isFinite(y[i]) && y[i] >= 0, `exp(${x[i]}) = ${y[i]}`);
    if (x[i] >= -87 && x[i] <= 88.7) maxRel = Math.max(maxRel, Math.abs(y[i] - e) / e);
    else if (x[i] < -87) assert.ok(Math.abs(y[i] - e) < 1e-38, `exp(${x[i]}) = ${y[i]}`);
  }
  note('exp relative', maxRel);
  assert.ok(maxRel < 1e-6, `max relative error ${maxRel}`);
});

test('sigmoid is accurate to 1e-6 relative and saturates cleanly at large |x|', () => {
  const x = sweep();
  const y = mathMap(1, x);
  let maxRel = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i] >= 0 ? 1 / (1 + Math.exp(-x[i])) : Math.exp(x[i]) / (1 + Math.exp(x[i]));
    assert.ok(y[i] >= 0 && y[i] <= 1, `sigmoid(${x[i]}) = ${y[i]}`);
    if (s > 1e-37) maxRel = Math.max(maxRel, Math.abs(y[i] - s) / s);
    else assert.ok(y[i] < 1e-37, `sigmoid(${x[i]}) = ${y[i]}`);
  }
  assert.equal(mathMap(1, Float32Array.of(20, 100, 1e30))[2], 1);
  note('sigmoid relative', maxRel);
  assert.ok(maxRel < 1e-6, `max relative error ${maxRel}`);
});

test('tanh is accurate to 1e-6 relative everywhere, including near 0 and at saturation', () => {
  const x = sweep();
  const y = mathMap(2, x);
  let maxRel = 0;
  for (let i = 0; i < x.length; i++) {
    const t = Math.tanh(x[i]);
    assert.ok(Math.abs(y[i]) <= 1, `tanh(${x[i]}) = ${y[i]}`);
    if (t !== 0) maxRel = Math.max(maxRel, Math.abs(y[i] - t) / Math.abs(t));
    else assert.ok(Object.is(y[i], t), `tanh(${x[i]}) = ${y[i]}, expected ${t} (signed zero as Math.tanh)`);
  }
  assert.deepEqual(Array.from(mathMap(2, Float32Array.of(10, -10, 1e30, -1e30))), [1, -1, 1, -1]);
  note('tanh relative', maxRel);
  assert.ok(maxRel < 1e-6, `max relative error ${maxRel}`);
});

// ---- GEMM variants ----------------------------------------------------------------------------

const SIZES = [1, 3, 17, 129];
const VARIANTS = [
  { name: 'NN', ref: ref.gemmNN, fast: fast.gemmNN, aLen: (M: number, K: number) => M * K, bLen: (N: number, K: number) => K * N },
  { name: 'NT', ref: ref.gemmNT, fast: fast.gemmNT, aLen: (M: number, K: number) => M * K, bLen: (N: number, K: number) => N * K },
  { name: 'TN', ref: ref.gemmTN, fast: fast.gemmTN, aLen: (M: number, K: number) => K * M, bLen: (N: number, K: number) => K * N },
];

for (const v of VARIANTS) {
  test(`gemm${v.name}: WASM equals the reference for M, N, K in {1, 3, 17, 129}, K past 256, and with offsets`, () => {
    const rng = new Rng(7);
    for (const M of SIZES) {
      for (const N of SIZES) {
        for (const K of SIZES) {
          const a = randArray(rng, v.aLen(M, K));
          const b = randArray(rng, v.bLen(N, K));
          const out0 = randArray(rng, M * N); // products accumulate into what is there
          const want = out0.slice();
          const got = out0.slice();
          v.ref(want, a, b, { M, N, K });
          v.fast(got, a, b, { M, N, K });
          const err = normErr(got, want);
          note(`gemm${v.name}`, err);
          assert.ok(err < 1e-5, `gemm${v.name} M=${M} N=${N} K=${K}: error ${err}`);
        }
      }
    }
    // K beyond one KC = 256 slab of the transposed path, and a partial last slab.
    for (const [M, N, K] of [[19, 33, 529], [2, 16, 256], [130, 40, 700]]) {
      const a = randArray(rng, v.aLen(M, K));
      const b = randArray(rng, v.bLen(N, K));
      const want = randArray(rng, M * N);
      const got = want.slice();
      v.ref(want, a, b, { M, N, K });
      v.fast(got, a, b, { M, N, K });
      const err = normErr(got, want);
      note(`gemm${v.name}`, err);
      assert.ok(err < 1e-5, `gemm${v.name} M=${M} N=${N} K=${K}: error ${err}`);
    }
    // Offsets select sub-blocks, as the time loop does for the rows of one step.
    const [M, N, K] = [5, 33, 20];
    const a = randArray(rng, 3 + v.aLen(M, K));
    const b = randArray(rng, 7 + v.bLen(N, K));
    const want = randArray(rng, 11 + M * N + 4);
    const got = want.slice();
    v.ref(want, a, b, { M, N, K }, 11, 3, 7);
    v.fast(got, a, b, { M, N, K }, 11, 3, 7);
    assert.ok(normErr(got, want) < 1e-5);
    assert.deepEqual(got.subarray(0, 11), want.subarray(0, 11));
    assert.deepEqual(got.subarray(11 + M * N), want.subarray(11 + M * N));
  });
}

// ---- whole directions -------------------------------------------------------------------------

interface Case {
  cell: CellKernel;
  lengths: number[]; // sorted, longest first
  D: number;
  H: number;
  reverse: boolean;
  bias: boolean;
  dOut: boolean;
  dx: boolean;
}

interface Result {
  fwd: Record<string, Float32Array>;
  bwd: Record<string, Float32Array>;
}

function layoutOf(lengths: number[]): { batchSizes: Int32Array; offsets: Int32Array; N: number } {
  const T = lengths[0];
  const batchSizes = new Int32Array(T);
  for (const L of lengths) for (let t = 0; t < L; t++) batchSizes[t]++;
  const offsets = new Int32Array(T + 1);
  for (let t = 0; t < T; t++) offsets[t + 1] = offsets[t] + batchSizes[t];
  return { batchSizes, offsets, N: offsets[T] };
}

/** The reference's signatures: forward fills the whole CellCache, backward reads it. */
interface Twin {
  name: string;
  directionForward(cell: CellKernel, w: DirectionWeightsData, b: ForwardBuffers, d: DirectionDims): void;
  directionBackward(cell: CellKernel, w: DirectionWeightsData, b: BackwardBuffers, d: DirectionDims): void;
}
const jsTwin: Twin = { name: 'js', ...refDirection };
const wasmTwin: Twin = { name: 'wasm', directionForward: wasmDirection.directionForward, directionBackward: wasmDirection.directionBackward };

/** Forward on one twin, backward on another: each reads only the other's documented cache. */
function runDirection(be: Twin, c: Case, seed: number, beBackward: Twin = be): Result {
  const rng = new Rng(seed);
  const { cell, D, H } = c;
  const B = c.lengths.length;
  const { batchSizes, offsets, N } = layoutOf(c.lengths);
  const GH = cell.gates * H;
  const hasC = cell.hasCell;
  const empty = new Float32Array(0);
  const d: DirectionDims = { batchSizes, offsets, B, N, D, H, reverse: c.reverse };
  const s = 1 / Math.sqrt(H);
  const w: DirectionWeightsData = {
    wIh: randArray(rng, GH * D, s),
    wHh: randArray(rng, GH * H, s),
    bIh: c.bias ? randArray(rng, GH, s) : null,
    bHh: c.bias ? randArray(rng, GH, s) : null,
  };
  const x = randArray(rng, N * D);
  const cache: CellCache = {
    H,
    xg: new Float32Array(N * GH),
    hg: new Float32Array(B * GH),
    hPrev: new Float32Array(N * H),
    cPrev: hasC ? new Float32Array(N * H) : empty,
    h: new Float32Array(N * H),
    c: hasC ? new Float32Array(N * H) : empty,
    act: new Float32Array(N * cell.cached * H),
  };
  const hState = randArray(rng, B * H, 0.5);
  const cState = hasC ? randArray(rng, B * H, 0.5) : empty;
  be.directionForward(cell, w, { x, hState, cState, cache }, d);
  const fwd = { hState: hState.slice(), cState: cState.slice(), hPrev: cache.hPrev, cPrev: cache.cPrev, h: cache.h, c: cache.c, act: cache.act };

  const dGx = new Float32Array(N * GH);
  const grads = {
    dhState: randArray(rng, B * H),
    dcState: hasC ? randArray(rng, B * H) : empty,
    dx: c.dx ? randArray(rng, N * D) : null,
    dWih: randArray(rng, GH * D),
    dWhh: randArray(rng, GH * H),
    dbIh: c.bias ? randArray(rng, GH) : null,
    dbHh: c.bias ? randArray(rng, GH) : null,
  };
  beBackward.directionBackward(
    cell,
    w,
    {
      x,
      cache,
      dOut: c.dOut ? randArray(rng, N * H) : null,
      dhState: grads.dhState,
      dcState: grads.dcState,
      dhIn: new Float32Array(B * H),
      dGx,
      dGh: cell.splitGrads ? new Float32Array(N * GH) : dGx,
      dx: grads.dx,
      dWih: grads.dWih,
      dWhh: grads.dWhh,
      dbIh: grads.dbIh,
      dbHh: grads.dbHh,
    },
    d,
  );
  const bwd: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(grads)) if (v) bwd[k] = v;
  return { fwd, bwd };
}

const CELLS = [rnnTanhCell, rnnReluCell, lstmCell, gruCell];
const SHAPES: Array<Pick<Case, 'lengths' | 'D' | 'H' | 'bias' | 'dOut' | 'dx'>> = [
  { lengths: [6, 6, 6], D: 5, H: 17, bias: true, dOut: true, dx: true },
  { lengths: [9, 7, 7, 4, 2, 1, 1], D: 17, H: 32, bias: true, dOut: true, dx: true },
  { lengths: [5, 3, 1], D: 1, H: 3, bias: false, dOut: false, dx: false },
  { lengths: [4], D: 3, H: 1, bias: true, dOut: true, dx: true },
  { lengths: [12, 11, 9, 8, 8, 5, 3, 2, 2, 1], D: 129, H: 20, bias: true, dOut: true, dx: true },
];

for (const cell of CELLS) {
  for (const reverse of [false, true]) {
    test(`${cell.kind}${reverse ? ' reverse' : ''}: WASM direction forward + backward equal the reference (odd sizes, variable lengths)`, () => {
      SHAPES.forEach((shape, i) => {
        const c: Case = { cell, reverse, ...shape };
        const want = runDirection(jsTwin, c, 100 + i);
        const got = runDirection(wasmTwin, c, 100 + i);
        const what = `${cell.kind}${reverse ? '_reverse' : ''} lengths=[${shape.lengths}] D=${shape.D} H=${shape.H}`;
        for (const k of Object.keys(want.fwd)) {
          const err = normErr(got.fwd[k], want.fwd[k]);
          note('direction forward', err);
          assert.ok(err < 1e-5, `${what} forward ${k}: error ${err}`);
        }
        for (const k of Object.keys(want.bwd)) {
          const err = normErr(got.bwd[k], want.bwd[k]);
          note('direction backward', err);
          assert.ok(err < 1e-5, `${what} backward ${k}: error ${err}`);
        }
      });
    });
  }
}

test('staging in small chunks (x, dOut, dx and the weights a panel at a time) gives the same results', () => {
  const saved = tuning.chunkFloats;
  tuning.chunkFloats = 64;
  try {
    for (const cell of CELLS) {
      for (const reverse of [false, true]) {
        SHAPES.forEach((shape, i) => {
          const c: Case = { cell, reverse, ...shape };
          const want = runDirection(jsTwin, c, 200 + i);
          const got = runDirection(wasmTwin, c, 200 + i);
          for (const part of ['fwd', 'bwd'] as const) {
            for (const k of Object.keys(want[part])) {
              const err = normErr(got[part][k], want[part][k]);
              assert.ok(err < 1e-5, `${cell.kind}${reverse ? '_reverse' : ''} lengths=[${shape.lengths}] ${part} ${k}: error ${err}`);
            }
          }
        });
      }
    }
  } finally {
    tuning.chunkFloats = saved;
  }
});

test('forward and backward twins may be mixed: each reads only the other\'s documented cache', () => {
  for (const cell of CELLS) {
    const c: Case = { cell, reverse: true, ...SHAPES[1] };
    const want = runDirection(jsTwin, c, 9);
    for (const [fwd, bwd] of [[jsTwin, wasmTwin], [wasmTwin, jsTwin]]) {
      const got = runDirection(fwd, c, 9, bwd);
      for (const k of Object.keys(want.bwd)) {
        const err = normErr(got.bwd[k], want.bwd[k]);
        assert.ok(err < 1e-5, `${cell.kind} forward ${fwd.name}, backward ${bwd.name}: ${k} error ${err}`);
      }
    }
  }
});

test('a direction larger than the arena so far grows memory and stays correct', () => {
  const c: Case = { cell: lstmCell, lengths: Array.from({ length: 16 }, (_, b) => 40 - 2 * b), D: 64, H: 96, reverse: false, bias: true, dOut: true, dx: true };
  const before = wasmKernels().memory.buffer.byteLength;
  const got = runDirection(wasmTwin, c, 5);
  const want = runDirection(jsTwin, c, 5);
  assert.ok(wasmKernels().memory.buffer.byteLength > before);
  for (const k of Object.keys(want.bwd)) assert.ok(normErr(got.bwd[k], want.bwd[k]) < 1e-5, k);
  for (const k of Object.keys(want.fwd)) assert.ok(normErr(got.fwd[k], want.fwd[k]) < 1e-5, k);
});

test('Linear and matmul run their products in WASM above WASM_MIN_ROW_MACS, with the reference\'s values and gradients', () => {
  const rng = new Rng(21);
  // [rows, in, out]: below the threshold (reference on both backends) and well above it.
  for (const [M, I, O] of [[2, 3, 4], [17, 33, 129], [64, 128, 3]]) {
    const x0 = randArray(rng, M * I);
    const w0 = randArray(rng, O * I);
    const b0 = randArray(rng, O);
    const m0 = randArray(rng, O * 5);
    const run = (name: 'js' | 'wasm'): Float32Array[] => {
      setBackend(name);
      const x = tensor(x0.slice(), [M, I], { requiresGrad: true });
      const w = tensor(w0.slice(), [O, I], { requiresGrad: true });
      const b = tensor(b0.slice(), [O], { requiresGrad: true });
      const m = tensor(m0.slice(), [O, 5], { requiresGrad: true });
      const y = matmul(linear(x, w, b), m); // [M, 5]
      y.mul(y).sum().backward();
      return [y.data, x.grad!.data, w.grad!.data, b.grad!.data, m.grad!.data];
    };
    const want = run('js');
    const got = run('wasm');
    setBackend('wasm');
    got.forEach((g, i) => {
      const err = normErr(g, want[i]);
      note('linear/matmul', err);
      assert.ok(err < 1e-5, `[${M}, ${I}, ${O}] buffer ${i}: error ${err}`);
    });
    if (I * O >= WASM_MIN_ROW_MACS) assert.notDeepEqual(got[0], want[0], 'different kernels round differently');
    // Batch-invariant: each row alone gives the same bits as in the batch.
    setBackend('wasm');
    for (const i of [0, M - 1]) {
      const row = noGrad(() => linear(tensor(x0.slice(i * I, (i + 1) * I), [1, I]), tensor(w0, [O, I]), tensor(b0, [O])));
      const all = noGrad(() => linear(tensor(x0, [M, I]), tensor(w0, [O, I]), tensor(b0, [O])));
      assert.deepEqual(row.data, all.data.subarray(i * O, (i + 1) * O));
    }
  }
});

test('worst WASM-vs-reference errors', () => {
  for (const [k, v] of Object.entries(worst)) console.log(`# ${k}: ${v.toExponential(2)}`);
  assert.ok(Object.keys(worst).length >= 7);
});
