/**
 * Micro-benchmark of the WebAssembly kernels against the JS reference: `npm run bench:kernels`
 * (pin it for steadier numbers: `taskset -c 0 npm run bench:kernels`). Options after `--`:
 * `--quick` skips the JS reference at the largest size (minutes on its own), `--no-js` skips it
 * everywhere, `--only=gemm|direction|step` runs one section.
 *
 * Legend: B batch, T time, D input, H hidden, G gates (LSTM 4, GRU 3), N = B·T packed rows.
 * Sizes (B, T, D, H): (32, 50, 32, 128), (64, 100, 128, 256), (64, 100, 512, 512).
 *
 * 1. GEMM GFLOP/s (2·M·N·K / time) of the six products of one LSTM direction: WASM with the
 *    operands already in linear memory and B pre-packed (the packing is timed separately, as the
 *    loop packs once per call), against kernels/gemm.ts on plain Float32Arrays.
 * 2. One direction forward + backward (LSTM, GRU) through the backend signatures, WASM split into
 *    its copy-in / kernel / copy-out phases, against the JS reference.
 *    FLOPs: 2·(D + H)·G·H per row forward, 2× that backward.
 * 3. A full LSTM training step: LSTM.forward on [B, T, D] + sum loss + backward, per backend.
 * Each figure is the fastest of repetitions within a time budget, after a warm-up run.
 */
import { gruCell } from '../src/cells/gru.ts';
import { lstmCell } from '../src/cells/lstm.ts';
import type { CellCache, CellKernel } from '../src/cells/cell.ts';
import { jsBackend, setBackend, type BackendName } from '../src/kernels/backend.ts';
import type { BackwardBuffers, DirectionDims, DirectionWeightsData, ForwardBuffers } from '../src/kernels/direction.ts';
import * as ref from '../src/kernels/gemm.ts';
import * as wdir from '../src/kernels/wasm/direction.ts';
import { arena, chunkFloats, packedFloats, wasmKernels } from '../src/kernels/wasm/module.ts';
import { LSTM } from '../src/layers/recurrent.ts';
import { randn } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';

interface Size {
  B: number;
  T: number;
  D: number;
  H: number;
}

const SIZES: Size[] = [
  { B: 32, T: 50, D: 32, H: 128 },
  { B: 64, T: 100, D: 128, H: 256 },
  { B: 64, T: 100, D: 512, H: 512 },
];
const QUICK = process.argv.includes('--quick');
const NO_JS = process.argv.includes('--no-js');
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice(7) ?? null;
const section = (name: string): boolean => ONLY === null || ONLY === name;
const BUDGET_MS = 1500;

const label = (s: Size): string => `(${s.B},${s.T},${s.D},${s.H})`;
const pad = (v: string, n: number): string => v.padStart(n);

/**
 * Fastest ms of fn over repetitions filling the budget (at least 3 after a warm-up run; a single
 * run when the first takes over half the budget). The fastest, not the median: on a shared VM
 * the noise only ever adds time.
 */
function time(fn: () => void, budgetMs = BUDGET_MS, maxReps = 50): number {
  let t0 = performance.now();
  fn();
  const first = performance.now() - t0;
  if (first > budgetMs / 2) return first;
  let best = Infinity;
  const end = performance.now() + budgetMs;
  for (let reps = 0; reps < maxReps && (reps < 3 || performance.now() < end); reps++) {
    t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function rand(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * (2 * rng.uniform() - 1);
  return a;
}

// ---- 1. GEMM variants -----------------------------------------------------------------------

type Variant = 'NT' | 'NN' | 'TN';

interface GemmCase {
  what: string;
  v: Variant;
  M: number;
  N: number;
  K: number;
}

function gemmCases(s: Size): GemmCase[] {
  const GH = 4 * s.H;
  const N = s.B * s.T;
  return [
    { what: 'xg = X·W_ihᵀ', v: 'NT', M: N, N: GH, K: s.D },
    { what: 'step h·W_hhᵀ', v: 'NT', M: s.B, N: GH, K: s.H },
    { what: 'step dG·W_hh', v: 'NN', M: s.B, N: s.H, K: GH },
    { what: 'dX = dG·W_ih', v: 'NN', M: N, N: s.D, K: GH },
    { what: 'dW_hh = dGᵀ·H', v: 'TN', M: GH, N: s.H, K: N },
    { what: 'dW_ih = dGᵀ·X', v: 'TN', M: GH, N: s.D, K: N },
  ];
}

function benchGemm(c: GemmCase, withJs: boolean): { wasm: number; pack: number; js: number | null } {
  const rng = new Rng(1);
  const { M, N, K, v } = c;
  const a = rand(rng, M * K);
  const b = rand(rng, K * N);
  const out = new Float32Array(M * N);
  const k = wasmKernels();
  const ar = arena();
  ar.reset();
  const pA = ar.f32(M * K);
  const pB = ar.f32(K * N);
  const pOut = ar.f32(M * N);
  const pPack = ar.f32(packedFloats(K, N));
  const pChunk = ar.f32(chunkFloats(k, M));
  const f = ar.f32view();
  f.set(a, pA >> 2);
  f.set(b, pB >> 2);
  const pack = v === 'NT' ? () => k.packCols(pPack, pB, N, K) : () => k.packRows(pPack, pB, K, N);
  const packMs = time(pack, 300);
  // A row-major [M, K] or, for TN, the transpose of a [K, M] array (in slabs, timed with the product).
  const product = v === 'TN' ? () => k.gemmPackedTA(pOut, N, pA, pPack, M, N, K, pChunk) : () => k.gemmPacked(pOut, N, pA, K, 1, pPack, M, N, K);
  const wasmMs = time(product);
  let jsMs: number | null = null;
  if (withJs) {
    const fn = v === 'NT' ? ref.gemmNT : v === 'NN' ? ref.gemmNN : ref.gemmTN;
    jsMs = time(() => fn(out, a, b, { M, N, K }), 1000, 5);
  }
  return { wasm: wasmMs, pack: packMs, js: jsMs };
}

// ---- 2. one direction -----------------------------------------------------------------------

interface DirectionSetup {
  w: DirectionWeightsData;
  fb: ForwardBuffers;
  bb: BackwardBuffers;
  d: DirectionDims;
}

function setupDirection(cell: CellKernel, s: Size): DirectionSetup {
  const rng = new Rng(2);
  const { B, T, D, H } = s;
  const N = B * T;
  const GH = cell.gates * H;
  const batchSizes = new Int32Array(T).fill(B);
  const offsets = Int32Array.from({ length: T + 1 }, (_, t) => t * B);
  const d: DirectionDims = { batchSizes, offsets, B, N, D, H, reverse: false };
  const sc = 1 / Math.sqrt(H);
  const w = { wIh: rand(rng, GH * D, sc), wHh: rand(rng, GH * H, sc), bIh: rand(rng, GH, sc), bHh: rand(rng, GH, sc) };
  const hasC = cell.hasCell;
  const empty = new Float32Array(0);
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
  const x = rand(rng, N * D);
  const fb: ForwardBuffers = { x, hState: new Float32Array(B * H), cState: hasC ? new Float32Array(B * H) : empty, cache };
  const dGx = new Float32Array(N * GH);
  const bb: BackwardBuffers = {
    x,
    cache,
    dOut: rand(rng, N * H),
    dhState: new Float32Array(B * H),
    dcState: hasC ? new Float32Array(B * H) : empty,
    dhIn: new Float32Array(B * H),
    dGx,
    dGh: cell.splitGrads ? new Float32Array(N * GH) : dGx,
    dx: new Float32Array(N * D),
    dWih: new Float32Array(GH * D),
    dWhh: new Float32Array(GH * H),
    dbIh: new Float32Array(GH),
    dbHh: new Float32Array(GH),
  };
  return { w, fb, bb, d };
}

interface DirectionTimes {
  jsFwd: number | null;
  jsBwd: number | null;
  fwd: { stage: number; run: number; unstage: number; total: number };
  bwd: { stage: number; run: number; unstage: number; total: number };
  arenaMiB: number;
}

function benchDirection(cell: CellKernel, s: Size, withJs: boolean): DirectionTimes {
  const { w, fb, bb, d } = setupDirection(cell, s);
  const fwdTotal = time(() => wdir.directionForward(cell, w, fb, d));
  const sf = wdir.stageForward(cell, w, fb, d);
  const fwd = {
    stage: time(() => wdir.stageForward(cell, w, fb, d), 500),
    run: time(() => wdir.runForward(sf)),
    unstage: time(() => wdir.unstageForward(sf, fb), 500),
    total: fwdTotal,
  };
  const bwdTotal = time(() => wdir.directionBackward(cell, w, bb, d));
  const sb = wdir.stageBackward(cell, w, bb, d);
  const arenaMiB = arena().used / 2 ** 20;
  const bwd = {
    stage: time(() => wdir.stageBackward(cell, w, bb, d), 500),
    run: time(() => wdir.runBackward(sb)),
    unstage: time(() => wdir.unstageBackward(sb, bb), 500),
    total: bwdTotal,
  };
  let jsFwd: number | null = null;
  let jsBwd: number | null = null;
  if (withJs) {
    jsFwd = time(() => jsBackend.directionForward(cell, w, fb, d), 2000, 5);
    jsBwd = time(() => jsBackend.directionBackward(cell, w, bb, d), 2000, 5);
  }
  return { jsFwd, jsBwd, fwd, bwd, arenaMiB };
}

// ---- 3. LSTM training step ------------------------------------------------------------------

function trainingStep(s: Size, backendName: BackendName): number {
  setBackend(backendName);
  const lstm = new LSTM({ inputSize: s.D, hiddenSize: s.H, seed: 3 });
  const x = randn([s.B, s.T, s.D], { rng: new Rng(4) });
  const step = (): void => {
    lstm.zeroGrad();
    const { output } = lstm.forward(x);
    output.sum().backward();
  };
  return time(step, 3000, 20);
}

// ---- report ---------------------------------------------------------------------------------

const gf = (flops: number, t: number | null): string => (t === null ? '–' : (flops / t / 1e6).toFixed(1));
const ms = (t: number | null): string => (t === null ? '–' : t < 10 ? t.toFixed(2) : t.toFixed(1));
const withJs = (s: Size): boolean => !NO_JS && !(QUICK && s === SIZES[2]);

function reportGemm(): void {
  console.log('1. GEMM, GFLOP/s (WASM: operands in linear memory, B pre-packed; pack = one packing of B)');
  console.log(`${'size'.padEnd(18)}${'product'.padEnd(16)}${pad('M×N×K', 18)}${pad('WASM', 8)}${pad('JS', 7)}${pad('×', 6)}${pad('pack ms', 9)}`);
  for (const s of SIZES) {
    for (const c of gemmCases(s)) {
      const r = benchGemm(c, withJs(s));
      const flops = 2 * c.M * c.N * c.K;
      const ratio = r.js === null ? '–' : (r.js / r.wasm).toFixed(0);
      const shape = `${c.M}×${c.N}×${c.K}`;
      console.log(`${label(s).padEnd(18)}${c.what.padEnd(16)}${pad(shape, 18)}${pad(gf(flops, r.wasm), 8)}${pad(gf(flops, r.js), 7)}${pad(ratio, 6)}${pad(ms(r.pack), 9)}`);
    }
  }
}

function reportDirection(): void {
  console.log('\n2. One direction, equal lengths, ms (GFLOP/s); WASM = copy-in + kernel + copy-out');
  console.log(
    `${'cell size'.padEnd(24)}${pad('JS fwd', 15)}${pad('WASM fwd', 15)}${pad('in/kern/out', 20)}` +
      `${pad('JS bwd', 15)}${pad('WASM bwd', 15)}${pad('in/kern/out', 20)}${pad('arena MiB', 10)}`,
  );
  const both = (t: number | null, f: number): string => (t === null ? '–' : `${ms(t)} (${gf(f, t)})`);
  const split = (p: { stage: number; run: number; unstage: number }): string => `${ms(p.stage)}/${ms(p.run)}/${ms(p.unstage)}`;
  for (const cell of [lstmCell, gruCell]) {
    for (const s of SIZES) {
      const r = benchDirection(cell, s, withJs(s));
      const fwdFlops = 2 * (s.D + s.H) * cell.gates * s.H * s.B * s.T;
      console.log(
        `${`${cell.kind} ${label(s)}`.padEnd(24)}${pad(both(r.jsFwd, fwdFlops), 15)}${pad(both(r.fwd.total, fwdFlops), 15)}${pad(split(r.fwd), 20)}` +
          `${pad(both(r.jsBwd, 2 * fwdFlops), 15)}${pad(both(r.bwd.total, 2 * fwdFlops), 15)}${pad(split(r.bwd), 20)}${pad(r.arenaMiB.toFixed(0), 10)}`,
      );
    }
  }
}

function reportStep(): void {
  console.log('\n3. LSTM training step (LSTM.forward [B,T,D] + sum + backward), ms (GFLOP/s, 3× forward FLOPs)');
  console.log(`${'size'.padEnd(22)}${pad('JS', 18)}${pad('WASM', 18)}${pad('speed-up', 10)}`);
  for (const s of SIZES) {
    const flops = 3 * 2 * (s.D + s.H) * 4 * s.H * s.B * s.T;
    const wasm = trainingStep(s, 'wasm');
    const js = withJs(s) ? trainingStep(s, 'js') : null;
    const both = (t: number | null): string => (t === null ? '–' : `${ms(t)} (${gf(flops, t)})`);
    const speedup = js === null ? '–' : `${(js / wasm).toFixed(1)}×`;
    console.log(`${label(s).padEnd(22)}${pad(both(js), 18)}${pad(both(wasm), 18)}${pad(speedup, 10)}`);
  }
  setBackend('wasm');
}

console.log(`recur kernels: Node ${process.version}, WebAssembly SIMD vs JS reference${QUICK ? ' (quick)' : ''}${NO_JS ? ' (no JS)' : ''}\n`);
if (section('gemm')) reportGemm();
if (section('direction')) reportDirection();
if (section('step')) reportStep();
