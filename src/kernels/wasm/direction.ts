/**
 * One layer-direction on the WebAssembly kernels (assembly/direction.ts runs the time loop).
 *
 * Legend: B batch, T steps, D input, H hidden, G gates, GH = G·H, N packed rows, S the row
 * stride of act (4H for LSTM and GRU, H for RNN), R rows of a chunk.
 *
 * Two ways in:
 *  - forwardKept / backwardKept (what the 'wasm' backend runs): the forward keeps its cache in the
 *    engine's linear memory, in one block, until the backward has read it:
 *      LSTM act [N, 4H], c [N, H], h0, c0 [B, H];  GRU act [N, 4H], h0;  RNN h [N, H], h0
 *    what BPTT must keep and nothing more: the state entering each step is read from the step
 *    before (assembly/direction.ts); the LSTM's and GRU's h is the layer's output, already in
 *    JavaScript, staged in chunks of steps where a time loop or dW_hh reads it; and the backward
 *    writes dG over act. Without `keep` (inference) the cache is scratch.
 *  - directionForward / directionBackward: the reference twin's signatures and buffers
 *    (kernels/direction.ts): forward fills the whole CellCache (hPrev, cPrev, h, c, act; not the
 *    per-step scratch xg, hg), backward reads it back. For tests and bench/kernels.ts.
 *
 * Scratch stays small: x goes in for the input projection and for dW_ih in chunks of R rows,
 * dOut in chunks of steps, dx comes out in chunks; each chunk is a job of its own. Weights are
 * copied in (O(GH·(D + H)), small next to the O(N·GH·(D + H)) products) and packed by the first
 * job that reads them. Every job runs on a team of threads (threads.ts): one thread unless
 * setThreads allowed more and the job's work is big enough to share.
 */
import type { CellKernel } from '../../cells/cell.ts';
import type { BackwardBuffers, DirectionDims, DirectionWeightsData, ForwardBuffers } from '../direction.ts';
import type { F32, In } from '../gemm.ts';
import { activeEngine, teamSize, threadPool, tuning, wasmTeamLimit } from './engines.ts';
import * as L from './layout.ts';
import { CONTROL, chunkFloats, packedFloats, type Engine, type Ptr } from './module.ts';

const CELL_CODE: Record<CellKernel['kind'], number> = {
  rnn_tanh: L.CELL_RNN_TANH,
  rnn_relu: L.CELL_RNN_RELU,
  lstm: L.CELL_LSTM,
  gru: L.CELL_GRU,
};

/** Rows of the transposed slabs in the weight gradients (assembly/gemm.ts KC). */
const KC = 256;
/**
 * Rows per chunk of a [N, width] buffer: a multiple of KC when at least KC (dW_ih's slabs then
 * line up with the unchunked product's, so the sums are the same to the last bit).
 */
function chunkRows(N: number, width: number): number {
  const rows = Math.max(1, Math.floor(tuning.chunkFloats / width));
  return Math.min(N, rows >= KC ? Math.floor(rows / KC) * KC : rows);
}

/** view[ptr..ptr+len) ← src[from..from+len). */
function put(view: Float32Array, ptr: Ptr, src: In, len: number, from = 0): void {
  if (len > 0) view.set(from === 0 && src.length === len ? src : src.subarray(from, from + len), ptr >> 2);
}

/** dst[at..at+len) ← view[ptr..ptr+len). */
function get(dst: F32, view: Float32Array, ptr: Ptr, len: number, at = 0): void {
  if (len > 0) dst.set(view.subarray(ptr >> 2, (ptr >> 2) + len), at);
}

const align = (floats: number): number => Math.ceil(floats / 16) * 16;

/** A cache copied out to JavaScript arrays (spilled), one per buffer of the layout. */
interface Spilled {
  act: F32;
  cs: F32;
  hs: F32;
  h0: F32;
  c0: F32;
}

/**
 * A forward's cache in an engine's linear memory, kept until `release` (or scratch). When the
 * kept caches already hold tuning.keptLimitBytes (forwards whose backward never came, say, in a
 * loop that gives the collector no chance to run their finalizers), a new one is spilled to
 * JavaScript arrays instead, which the collector reclaims with their graph, and copied back in
 * for its backward.
 */
export class KeptCache {
  private freed = false;
  /** The buffers, when spilled. */
  spilled: Spilled | null = null;

  constructor(
    readonly engine: Engine,
    /** The kept block (0: the cache is in scratch, valid only until the engine's next call). */
    private readonly block: Ptr,
    readonly act: Ptr,
    readonly cs: Ptr,
    /** h at every step (RNN only: the others' h is the layer's output, copied back in chunks). */
    readonly hs: Ptr,
    readonly h0: Ptr,
    readonly c0: Ptr,
  ) {}

  get released(): boolean {
    return this.freed;
  }

  /** Gives the block back (idempotent). */
  release(): void {
    if (this.freed) return;
    this.freed = true;
    this.spilled = null;
    if (this.block) this.engine.arena.free(this.block);
  }
}

/** The cache's layout for a cell and batch: floats of each buffer (0: none). */
function cacheSizes(cell: CellKernel, d: DirectionDims): { act: number; cs: number; hs: number; h0: number; c0: number } {
  const { N, B, H } = d;
  const lstm = cell.kind === 'lstm';
  const rnn = cell.gates === 1;
  return { act: rnn ? 0 : N * 4 * H, cs: lstm ? N * H : 0, hs: rnn ? N * H : 0, h0: B * H, c0: lstm ? B * H : 0 };
}

/** Whether a cache for (cell, d) may be kept in linear memory, within tuning.keptLimitBytes. */
function mayKeep(e: Engine, cell: CellKernel, d: DirectionDims, count = 1): boolean {
  const bytes = 4 * Object.values(cacheSizes(cell, d)).reduce((s, n) => s + align(n), 0);
  return e.arena.keptBytes + count * bytes <= tuning.keptLimitBytes;
}

/** Copies a scratch cache out to JavaScript arrays. */
function spill(cache: KeptCache, cell: CellKernel, d: DirectionDims): void {
  const z = cacheSizes(cell, d);
  const v = cache.engine.arena.f32view();
  const copy = (p: Ptr, n: number): F32 => (n > 0 ? v.slice(p >> 2, (p >> 2) + n) : new Float32Array(0));
  cache.spilled = { act: copy(cache.act, z.act), cs: copy(cache.cs, z.cs), hs: copy(cache.hs, z.hs), h0: copy(cache.h0, z.h0), c0: copy(cache.c0, z.c0) };
}

/** A kept cache as it is, or a spilled one copied back into scratch (the arena was just reset). */
function inMemory(cache: KeptCache, cell: CellKernel, d: DirectionDims): KeptCache {
  const s = cache.spilled;
  if (!s) return cache;
  const c = placeCache(cache.engine, cell, d, false);
  const v = cache.engine.arena.f32view();
  const z = cacheSizes(cell, d);
  put(v, c.act, s.act, z.act);
  put(v, c.cs, s.cs, z.cs);
  put(v, c.hs, s.hs, z.hs);
  put(v, c.h0, s.h0, z.h0);
  put(v, c.c0, s.c0, z.c0);
  return c;
}

/**
 * Places the cache: one kept block, or scratch. Only an RNN's cache has h (its backward reads
 * the h of each step, its projection writes into h): LSTM and GRU stage h in chunks, forward and
 * backward, from the layer's output.
 */
function placeCache(e: Engine, cell: CellKernel, d: DirectionDims, keep: boolean): KeptCache {
  const sizes = cacheSizes(cell, d);
  const floats = Object.values(sizes).reduce((s, n) => s + align(n), 0);
  let p = keep ? e.arena.keep(4 * floats) : e.arena.f32(floats);
  const block = keep ? p : 0;
  const next = (n: number): Ptr => {
    if (n === 0) return 0;
    const q = p;
    p += 4 * align(n);
    return q;
  };
  return new KeptCache(e, block, next(sizes.act), next(sizes.cs), next(sizes.hs), next(sizes.h0), next(sizes.c0));
}

type JobRecord = { job: Ptr; set(slot: number, v: number): void };

/**
 * Job record `which` (0 or 1: two directions may run side by side; calls on an engine run one at
 * a time) with its dimensions filled in, and its own barrier.
 */
function jobRecord(e: Engine, cell: CellKernel, d: DirectionDims, op: number, which = 0): JobRecord {
  const job = e.arena.control + CONTROL.jobs + which * 4 * L.JOB_SLOTS;
  const base = job >> 2;
  e.arena.i32view().fill(0, base, base + L.JOB_SLOTS);
  // Views are fetched per write: nothing here allocates, but keep to the rule of module.ts.
  const set = (slot: number, v: number): void => void (e.arena.i32view()[base + slot] = v);
  set(L.J_OP, op);
  set(L.J_CELL, CELL_CODE[cell.kind]);
  set(L.J_REVERSE, d.reverse ? 1 : 0);
  set(L.J_T, d.batchSizes.length);
  set(L.J_N, d.N);
  set(L.J_D, d.D);
  set(L.J_H, d.H);
  set(L.J_B, d.B);
  set(L.J_BARRIER, e.arena.control + CONTROL.barriers + 64 * which);
  return { job, set };
}

/** Runs a job on `nt` threads. */
function run(e: Engine, r: JobRecord, nt: number): void {
  runSideBySide(e, [r], [nt]);
}

/** Runs one job per team at once, team i on nts[i] threads (one team: the caller alone when nts[0] is 1). */
function runSideBySide(e: Engine, rs: readonly JobRecord[], nts: readonly number[]): void {
  rs.forEach((r, i) => r.set(L.J_THREADS, nts[i]));
  const pool = threadPool();
  if (rs.length === 1 && (nts[0] <= 1 || !pool)) e.k.runJob(rs[0].job, 0);
  else if (!pool) throw new Error('recur: internal error, teams without a thread pool');
  else pool.run(rs.map((r, i) => ({ job: r.job, first: i === 0 ? 0 : nts[0], size: nts[i] })));
}

/** Copies batchSizes and offsets into scratch. */
function stageLayout(e: Engine, d: DirectionDims): { bs: Ptr; off: Ptr } {
  const T = d.batchSizes.length;
  const a = e.arena;
  const bs = a.i32(T);
  const off = a.i32(T + 1);
  const i = a.i32view();
  i.set(d.batchSizes, bs >> 2);
  i.set(d.offsets, off >> 2);
  return { bs, off };
}

/** Threads for the jobs of one direction: as many as a time step's product can keep busy. */
function directionTeam(e: Engine, cell: CellKernel, d: DirectionDims): number {
  return teamSize(e, 2 * d.B * cell.gates * d.H * d.H, Math.ceil(d.H / L.UNIT_BLOCK));
}

/** A 32-bit byte address for a pointer biased by −rows rows of `width` floats (wraps like wasm's). */
function biased(p: Ptr, rows: number, width: number): Ptr {
  return (p - rows * width * 4) >>> 0;
}

/**
 * Packs a weight matrix through the staging buffer `stage` (stageFloats), a chunk of rows per
 * OP_PACK job. gates: W [G·N, K] (PyTorch layout), packed transposed per gate into `dst`;
 * otherwise W [K, N] packed by rows (K = rows).
 */
function packWeights(e: Engine, cell: CellKernel, d: DirectionDims, w: In, gates: number, N: number, K: number, dst: Ptr, stage: Ptr, stageFloats: number, which = 0): void {
  const r = jobRecord(e, cell, d, L.OP_PACK, which);
  r.set(L.J_PACK_DST, dst);
  r.set(L.J_PACK_SRC, stage);
  r.set(L.J_PACK_N, N);
  r.set(L.J_FLAGS, gates > 0 ? L.FLAG_GATES : 0);
  const rowsTotal = gates > 0 ? gates * N : K;
  const width = gates > 0 ? K : N;
  // Chunks of whole 16-row panels (gates: never across a gate's end); the stage holds 16 rows at least.
  if (stageFloats < 16 * width) throw new Error('recur: internal error, weight staging smaller than one panel');
  const step = Math.floor(stageFloats / width / 16) * 16;
  r.set(L.J_PACK_K, K);
  const nt = teamSize(e, 2 * Math.min(step, rowsTotal) * width, Math.ceil(N / 16));
  for (let g = 0; g < Math.max(1, gates); g++) {
    const end = gates > 0 ? (g + 1) * N : rowsTotal;
    for (let r0 = gates > 0 ? g * N : 0; r0 < end; r0 += step) {
      const rows = Math.min(step, end - r0);
      put(e.arena.f32view(), stage, w, rows * width, r0 * width);
      r.set(L.J_ROW0, r0);
      r.set(L.J_ROWS, rows);
      run(e, r, nt);
    }
  }
}

/** A staged forward: weights packed, the input projection done, the loop's job record written. */
export interface StagedForward {
  e: Engine;
  cell: CellKernel;
  d: DirectionDims;
  cache: KeptCache;
  job: JobRecord;
  nt: number;
  /** h rows: the whole [N, H] (GRU, RNN: the cache's) or two chunk buffers of hsRows rows (LSTM). */
  hs: Ptr;
  hsAlt: Ptr;
  hsRows: number;
  hN: Ptr;
  cN: Ptr;
  /** Where the loop's results go. */
  out: ForwardStates;
}

/**
 * Places the forward's inputs in scratch after the cache (the arena must be reset before the
 * cache was placed), packs the weights and runs the input projection, chunk by chunk of x. The
 * time loop is left to runFwdLoops.
 */
function stageFwd(e: Engine, cell: CellKernel, w: DirectionWeightsData, x: In, out: ForwardStates, d: DirectionDims, cache: KeptCache, which = 0): StagedForward {
  const a = e.arena;
  const { N, D, H, B } = d;
  const GH = cell.gates * H;
  const PG = Math.ceil(H / 16);
  const lstm = cell.kind === 'lstm';
  const nt = directionTeam(e, cell, d);
  const { bs, off } = stageLayout(e, d);
  const pBih = w.bIh ? a.f32(GH) : 0;
  const pBhh = w.bHh ? a.f32(GH) : 0;
  const hg = cell.kind === 'gru' ? a.f32(B * 3 * H) : 0;
  const packHh = a.f32(cell.gates * PG * 16 * H);
  const hN = a.f32(B * H);
  const cN = lstm ? a.f32(B * H) : 0;
  // What only the projection needs goes last: the LSTM's h chunks take its place for the loop.
  const mark = a.mark();
  const R = chunkRows(N, D);
  // x chunks, and before them the weights' rows (16 at least: one panel).
  const stageFloats = Math.max(R * D, tuning.chunkFloats, 16 * Math.max(D, H));
  const stage = a.f32(stageFloats);
  const packIh = a.f32(cell.gates * PG * 16 * D);
  const f = a.f32view();
  if (w.bIh) put(f, pBih, w.bIh, GH);
  if (w.bHh) put(f, pBhh, w.bHh, GH);
  put(f, cache.h0, out.hState, B * H);
  if (lstm) put(f, cache.c0, out.cState, B * H);
  packWeights(e, cell, d, w.wIh, cell.gates, H, D, packIh, stage, stageFloats, which);
  packWeights(e, cell, d, w.wHh, cell.gates, H, H, packHh, stage, stageFloats, which);
  const r = jobRecord(e, cell, d, L.OP_PROJECT, which);
  const slots: [number, number][] = [
    [L.J_BATCH_SIZES, bs], [L.J_OFFSETS, off], [L.J_X, stage], [L.J_BIH, pBih], [L.J_BHH, pBhh],
    [L.J_H0, cache.h0], [L.J_C0, cache.c0], [L.J_ACT, cache.act], [L.J_CS, cache.cs], [L.J_HS, cache.hs], [L.J_HS_PREV, cache.hs],
    [L.J_HG, hg], [L.J_PACK_IH, packIh], [L.J_PACK_HH, packHh], [L.J_HN, hN], [L.J_CN, cN],
  ];
  for (const [slot, v] of slots) r.set(slot, v);
  // The projection writes xg (in act, or in h for an RNN: whole there, as rows are never chunked).
  const projTeam = teamSize(e, 2 * Math.min(R, N) * GH * D, Math.ceil(H / L.UNIT_BLOCK));
  for (let r0 = 0; r0 < N; r0 += R) {
    const rows = Math.min(R, N - r0);
    put(a.f32view(), stage, x, rows * D, r0 * D);
    r.set(L.J_ROW0, r0);
    r.set(L.J_ROWS, rows);
    run(e, r, projTeam);
  }
  r.set(L.J_OP, L.OP_FORWARD);
  a.rewind(mark);
  const hsRows = cache.hs ? N : Math.min(N, Math.max(chunkRows(N, H), maxStepRows(d)));
  const hs = cache.hs || a.f32(hsRows * H);
  const hsAlt = cache.hs ? hs : a.f32(hsRows * H);
  r.set(L.J_HS, hs);
  r.set(L.J_HS_PREV, hs);
  return { e, cell, d, cache, job: r, nt, hs, hsAlt, hsRows, hN, cN, out };
}

/**
 * The forward time loops, in chunks of steps (an LSTM's h rows pass through two chunk buffers
 * and are copied out per chunk into hOut; GRU and RNN keep every row: one chunk), the
 * directions' i-th chunks side by side on their teams (`teams`; null: one after the other).
 * Final states out.
 */
function runFwdLoops(staged: readonly StagedForward[], teams: readonly number[] | null): void {
  const { e } = staged[0];
  const plans = staged.map((s) => {
    const T = s.d.batchSizes.length;
    const chunks: [number, number][] = s.hsRows < s.d.N ? stepChunks(s.d, s.hsRows).reverse() : [[0, T]];
    return { s, chunks };
  });
  const rounds = Math.max(...plans.map((p) => p.chunks.length));
  for (let i = 0; i < rounds; i++) {
    const now = plans.filter((p) => i < p.chunks.length);
    for (const { s, chunks } of now) {
      const [t0, t1] = chunks[i];
      if (s.hsRows < s.d.N) {
        const { offsets } = s.d;
        const [p0, p1] = i > 0 ? chunks[i - 1] : [t0, t1];
        const cur = i % 2 === 0 ? s.hs : s.hsAlt;
        const before = i % 2 === 0 ? s.hsAlt : s.hs;
        s.job.set(L.J_HS, biased(cur, Math.min(offsets[t0], offsets[t1]), s.d.H));
        s.job.set(L.J_HS_PREV, biased(before, Math.min(offsets[p0], offsets[p1]), s.d.H));
      }
      s.job.set(L.J_T0, t0);
      s.job.set(L.J_T1, t1);
    }
    if (teams && now.length === 2) runSideBySide(e, now.map((p) => p.s.job), teams);
    else for (const p of now) run(e, p.s.job, p.s.nt);
    for (const { s, chunks } of now) {
      if (s.hsRows >= s.d.N) continue;
      const [t0, t1] = chunks[i];
      const row0 = s.d.offsets[t0];
      const rows = s.d.offsets[t1] - row0;
      const cur = i % 2 === 0 ? s.hs : s.hsAlt;
      get(s.out.hOut, e.arena.f32view(), cur, rows * s.d.H, row0 * s.d.H);
    }
  }
  for (const { d, hsRows, hs, hN, cN, cell, out } of staged) {
    const { N, B, H } = d;
    const v = e.arena.f32view();
    if (hsRows >= N) get(out.hOut, v, hs, N * H);
    get(out.hState, v, hN, B * H);
    if (cell.hasCell) get(out.cState, v, cN, B * H);
  }
}

/**
 * Forward over x [N, D] from hState / cState [B, H] (sorted order; out: final states). Writes h
 * at every step into `hOut` [N, H]. Returns the cache: kept (until release) when `keep`, else in
 * scratch (valid until the engine's next call).
 */
export function forwardKept(cell: CellKernel, w: DirectionWeightsData, x: In, hState: F32, cState: F32, hOut: F32, d: DirectionDims, keep: boolean): KeptCache {
  const e = activeEngine();
  e.arena.reset();
  const inPlace = keep && mayKeep(e, cell, d);
  const cache = placeCache(e, cell, d, inPlace);
  runFwdLoops([stageFwd(e, cell, w, x, { hState, cState, hOut }, d, cache)], null);
  if (keep && !inPlace) spill(cache, cell, d);
  return cache;
}

/** One direction's buffers of a forward: hState / cState in and out, h at every step out. */
export interface ForwardStates {
  hState: F32;
  cState: F32;
  hOut: F32;
}

/**
 * Teams for two directions side by side: half the threads each (a direction's time loop meets at
 * a barrier every step; two teams of half the size meet half as often for the same work). null
 * when one thread runs everything (then the directions run one after the other).
 */
function pairTeams(e: Engine, cell: CellKernel, ds: readonly DirectionDims[]): [number, number] | null {
  const one = directionTeam(e, cell, ds[0]);
  const pool = threadPool();
  if (!pool || !e.shared || wasmTeamLimit() < 2) return null;
  // Below this, waking a second thread costs about what it saves.
  const { N, H } = ds[0];
  if (2 * N * cell.gates * H * H < tuning.pairMinFlops) return null;
  const limit = Math.min(wasmTeamLimit(), pool.size);
  const n0 = Math.max(1, Math.min(one, Math.floor(limit / 2)));
  return [n0, Math.max(1, Math.min(one, limit - n0))];
}

/**
 * Both directions of a bidirectional layer over the same x [N, D]: the projections one after the
 * other on every thread, then the two time loops side by side on two teams.
 */
export function forwardKeptPair(cell: CellKernel, ws: readonly DirectionWeightsData[], x: In, st: readonly ForwardStates[], ds: readonly DirectionDims[], keep: boolean): KeptCache[] {
  const e = activeEngine();
  const teams = pairTeams(e, cell, ds);
  if (!teams) return ds.map((d, i) => forwardKept(cell, ws[i], x, st[i].hState, st[i].cState, st[i].hOut, d, keep));
  e.arena.reset();
  const inPlace = keep && mayKeep(e, cell, ds[0], 2);
  const caches = ds.map((d) => placeCache(e, cell, d, inPlace));
  const staged = ds.map((d, i) => stageFwd(e, cell, ws[i], x, st[i], d, caches[i], i));
  runFwdLoops(staged, teams);
  if (keep && !inPlace) caches.forEach((c, i) => spill(c, cell, ds[i]));
  return caches;
}

/** Backward needs the forward's output h (cache.h) and these; nothing else of the CellCache. */
export type KeptBackwardBuffers = Omit<BackwardBuffers, 'dhIn' | 'dGx' | 'dGh'>;

/** A staged backward: the time loop's inputs in scratch. */
export interface StagedBackward {
  e: Engine;
  cell: CellKernel;
  w: DirectionWeightsData;
  b: KeptBackwardBuffers;
  d: DirectionDims;
  cache: KeptCache;
  /** Its job record (0, or 1 for the second of two directions side by side). */
  which: number;
  nt: number;
  /** Scratch position after what both phases share (layout, RNN's dG): phase 2 starts here. */
  mark: Ptr;
  bs: Ptr;
  off: Ptr;
  dG: Ptr;
  dh: Ptr;
  dc: Ptr;
  dOut: Ptr;
  /** GRU: h rows of the steps before the current chunk's (0 otherwise). */
  hPrev: Ptr;
  packHh: Ptr;
}

function cacheSlots(r: JobRecord, s: StagedBackward): void {
  r.set(L.J_BATCH_SIZES, s.bs);
  r.set(L.J_OFFSETS, s.off);
  r.set(L.J_ACT, s.cache.act);
  r.set(L.J_CS, s.cache.cs);
  r.set(L.J_HS, s.cache.hs);
  r.set(L.J_H0, s.cache.h0);
  r.set(L.J_C0, s.cache.c0);
  r.set(L.J_DG, s.dG);
}

/**
 * Stages the backward of one or more directions (the arena must be reset): first what both
 * phases need of every direction (layout, an RNN's dG), then the mark where phase 2 starts, then
 * each time loop's inputs.
 */
function stageBwd(cell: CellKernel, items: readonly { w: DirectionWeightsData; b: KeptBackwardBuffers; d: DirectionDims; cache: KeptCache }[]): StagedBackward[] {
  const e = items[0].cache.engine;
  const a = e.arena;
  const shared = items.map(({ d, cache }) => ({ ...stageLayout(e, d), dG: cell.gates === 1 ? a.f32(d.N * d.H) : cache.act }));
  const mark = a.mark();
  return items.map(({ w, b, d, cache }, i) => {
    const { N, H, B } = d;
    const GH = cell.gates * H;
    const lstm = cell.kind === 'lstm';
    // dOut chunks; before the loop, the staging of W_hh's rows for packing.
    const stageFloats = Math.max(Math.max(chunkRows(N, H), maxStepRows(d)) * H, tuning.chunkFloats, 16 * H);
    const dOut = a.f32(stageFloats);
    // GRU: the h rows its cell step reads (the steps before a chunk's), from the layer's output.
    const hPrev = cell.kind === 'gru' ? a.f32((stepLimit(d) + maxStepRows(d)) * H) : 0;
    const dh = a.f32(B * H);
    const dc = lstm ? a.f32(B * H) : 0;
    const packHh = a.f32(packedFloats(GH, H));
    const f = a.f32view();
    put(f, dh, b.dhState, B * H);
    if (lstm) put(f, dc, b.dcState, B * H);
    // W_hh [GH, H] by rows: panels over H are units.
    packWeights(e, cell, d, w.wHh, 0, H, GH, packHh, dOut, stageFloats, i);
    return { e, cell, w, b, d, cache, which: i, nt: directionTeam(e, cell, d), mark, ...shared[i], dh, dc, dOut, hPrev, packHh };
  });
}

/** Most rows of one step (steps never grow: the first). */
function maxStepRows(d: DirectionDims): number {
  return d.batchSizes.length > 0 ? d.batchSizes[0] : 0;
}

/** Rows of a chunk of steps: a chunk of [N, H] rows, or one step when a step has more. */
function stepLimit(d: DirectionDims): number {
  return Math.max(chunkRows(d.N, d.H), maxStepRows(d));
}

/**
 * The rows [pa, pb) that hold the state entering the steps t0 … t1 (those of the steps before
 * them: t − 1, or t + 1 in reverse; h0 rows are not among them).
 */
function prevRows(d: DirectionDims, t0: number, t1: number): [number, number] {
  const T = d.batchSizes.length;
  const a = d.reverse ? t0 + 1 : Math.max(t0 - 1, 0);
  const b = d.reverse ? Math.min(t1 + 1, T) : Math.max(t1 - 1, 0);
  return a < b ? [d.offsets[a], d.offsets[b]] : [0, 0];
}

/** Copies the rows entering steps t0 … t1 from h [N, H] into buf; returns buf biased to row 0. */
function stagePrevRows(e: Engine, d: DirectionDims, h: In, buf: Ptr, t0: number, t1: number): Ptr {
  const [pa, pb] = prevRows(d, t0, t1);
  put(e.arena.f32view(), buf, h, (pb - pa) * d.H, pa * d.H);
  return biased(buf, pa, d.H);
}

/** Steps t0 … t1 whose rows fit `limit` rows (at least one step), in the order the backward runs them. */
function stepChunks(d: DirectionDims, limit = stepLimit(d)): [number, number][] {
  const T = d.batchSizes.length;
  const chunks: [number, number][] = [];
  let t0 = 0;
  while (t0 < T) {
    let t1 = t0 + 1;
    while (t1 < T && d.offsets[t1 + 1] - d.offsets[t0] <= limit) t1++;
    chunks.push([t0, t1]);
    t0 = t1;
  }
  // Forward in time the loop runs from the last step; in reverse, from the first.
  return d.reverse ? chunks : chunks.reverse();
}

/**
 * The time loops, chunk of steps by chunk (dOut copied in per chunk), the directions' i-th chunks
 * side by side on their teams (`teams`; null: one after the other); dh, dc out.
 */
function runLoops(staged: readonly StagedBackward[], teams: readonly number[] | null): void {
  const { e, cell } = staged[0];
  const plans = staged.map((s) => {
    const r = jobRecord(e, cell, s.d, L.OP_BACKWARD_LOOP, s.which);
    cacheSlots(r, s);
    r.set(L.J_PACK_HH, s.packHh);
    r.set(L.J_DH, s.dh);
    r.set(L.J_DC, s.dc);
    r.set(L.J_DOUT, s.b.dOut ? s.dOut : 0);
    return { s, r, chunks: stepChunks(s.d) };
  });
  const rounds = Math.max(...plans.map((p) => p.chunks.length));
  for (let i = 0; i < rounds; i++) {
    const now = plans.filter((p) => i < p.chunks.length);
    for (const { s, r, chunks } of now) {
      const [t0, t1] = chunks[i];
      const { d, b } = s;
      if (b.dOut) {
        const row0 = d.offsets[t0];
        put(e.arena.f32view(), s.dOut, b.dOut, (d.offsets[t1] - row0) * d.H, row0 * d.H);
        r.set(L.J_DOUT_ROW0, row0);
      }
      if (s.hPrev) r.set(L.J_HS, stagePrevRows(e, d, b.cache.h, s.hPrev, t0, t1));
      r.set(L.J_T0, t0);
      r.set(L.J_T1, t1);
    }
    if (teams && now.length === 2) runSideBySide(e, now.map((p) => p.r), teams);
    else for (const p of now) run(e, p.r, p.s.nt);
  }
  for (const { s } of plans) {
    const f = e.arena.f32view();
    get(s.b.dhState, f, s.dh, s.d.B * s.d.H);
    if (cell.hasCell) get(s.b.dcState, f, s.dc, s.d.B * s.d.H);
  }
}

/**
 * Into `table` (i32 [rows of steps t0 … t1]): the byte address of the state entering each of
 * those rows, a row of the step before (in `hs`, biased to row 0) or of h0.
 */
function prevRowTable(e: Engine, d: DirectionDims, table: Ptr, hs: Ptr, h0: Ptr, t0: number, t1: number): void {
  const T = d.batchSizes.length;
  const i = e.arena.i32view();
  const rowBytes = 4 * d.H;
  const base = (table >> 2) - d.offsets[t0];
  for (let t = t0; t < t1; t++) {
    const tp = d.reverse ? t + 1 : t - 1;
    const np = tp >= 0 && tp < T ? d.batchSizes[tp] : 0;
    const rp = tp >= 0 && tp < T ? d.offsets[tp] : 0;
    for (let j = 0; j < d.batchSizes[t]; j++) i[base + d.offsets[t] + j] = j < np ? hs + (rp + j) * rowBytes : h0 + j * rowBytes;
  }
}

/**
 * The weight products, in the scratch the loop no longer needs, one after the other so that each
 * reuses the space of the one before: dW_hh chunk by chunk of steps (with the biases), then
 * dW_ih and dX chunk by chunk of rows.
 */
function runWeights(s: StagedBackward, b: KeptBackwardBuffers): void {
  const { e, cell, w, d } = s;
  const { N, D, H } = d;
  const GH = cell.gates * H;
  const a = e.arena;
  const R = chunkRows(N, D);
  /** Job record with the cache and the shared scratch of the products. */
  const record = (nt: number, width: number): JobRecord => {
    const r = jobRecord(e, cell, d, L.OP_BACKWARD_WEIGHTS);
    cacheSlots(r, s);
    const slabBytes = 4 * KC * 16 * Math.ceil(width / 16);
    r.set(L.J_PACK, a.f32((nt * slabBytes) / 4));
    r.set(L.J_SLAB_BYTES, slabBytes);
    r.set(L.J_CHUNK, a.f32(chunkFloats(e.k, GH)));
    return r;
  };
  if (b.dWhh || b.dbIh || b.dbHh) {
    // dW_hh over chunks of steps, hPrev rows staged per chunk from the layer's output (an RNN
    // keeps its h: one chunk); the biases with the first.
    a.rewind(s.mark);
    const kept = s.cache.hs !== 0;
    const chunks: [number, number][] = kept || !b.dWhh ? [[0, d.batchSizes.length]] : stepChunks(d);
    const limit = kept ? N : stepLimit(d);
    const nt = teamSize(e, 2 * GH * Math.min(N, limit) * H, Math.ceil(GH / 16));
    const r = record(nt, H);
    const hBuf = kept || !b.dWhh ? 0 : a.f32((limit + maxStepRows(d)) * H);
    const table = b.dWhh ? a.i32(limit) : 0;
    const dWhh = b.dWhh ? a.f32(GH * H) : 0;
    const dbIh = b.dbIh ? a.f32(GH) : 0;
    const dbHh = b.dbHh ? a.f32(GH) : 0;
    r.set(L.J_PREV_ROWS, table);
    r.set(L.J_DWHH, dWhh);
    r.set(L.J_DBIH, dbIh);
    r.set(L.J_DBHH, dbHh);
    // Gradients accumulate (+=): start from the caller's values.
    let f = a.f32view();
    if (b.dWhh) put(f, dWhh, b.dWhh, GH * H);
    if (b.dbIh) put(f, dbIh, b.dbIh, GH);
    if (b.dbHh) put(f, dbHh, b.dbHh, GH);
    chunks.forEach(([t0, t1], i) => {
      if (b.dWhh) {
        const hs = kept ? s.cache.hs : stagePrevRows(e, d, b.cache.h, hBuf, t0, t1);
        prevRowTable(e, d, table, hs, s.cache.h0, t0, t1);
      }
      r.set(L.J_ROW0, d.offsets[t0]);
      r.set(L.J_ROWS, d.offsets[t1] - d.offsets[t0]);
      r.set(L.J_FLAGS, (b.dWhh ? L.FLAG_RECURRENT : 0) | (i === 0 ? L.FLAG_BIAS : 0));
      run(e, r, nt);
    });
    f = a.f32view();
    if (b.dWhh) get(b.dWhh, f, dWhh, GH * H);
    if (b.dbIh) get(b.dbIh, f, dbIh, GH);
    if (b.dbHh) get(b.dbHh, f, dbHh, GH);
  }
  if (b.dWih || b.dx) {
    a.rewind(s.mark);
    const nt = teamSize(e, 2 * GH * Math.min(N, R) * D, Math.ceil(GH / 16));
    const stageFloats = Math.max(R * D, tuning.chunkFloats, 16 * D);
    const px = a.f32(stageFloats);
    const pdx = b.dx ? a.f32(R * D) : 0;
    const packIh = b.dx ? a.f32(packedFloats(GH, D)) : 0;
    const dWih = b.dWih ? a.f32(GH * D) : 0;
    // dX = dG · W_ih: W_ih [GH, D] by rows, staged through the x chunk.
    if (b.dx) packWeights(e, cell, d, w.wIh, 0, D, GH, packIh, px, stageFloats);
    const r = record(nt, D);
    r.set(L.J_X, px);
    r.set(L.J_DX, pdx);
    r.set(L.J_PACK_IH, packIh);
    r.set(L.J_DWIH, dWih);
    if (b.dWih) put(a.f32view(), dWih, b.dWih, GH * D);
    for (let r0 = 0; r0 < N; r0 += R) {
      const rows = Math.min(R, N - r0);
      const f = a.f32view();
      if (b.dWih) put(f, px, b.x, rows * D, r0 * D);
      if (b.dx) put(f, pdx, b.dx, rows * D, r0 * D);
      r.set(L.J_ROW0, r0);
      r.set(L.J_ROWS, rows);
      run(e, r, nt);
      if (b.dx) get(b.dx, a.f32view(), pdx, rows * D, r0 * D);
    }
    if (b.dWih) get(b.dWih, a.f32view(), dWih, GH * D);
  }
}

/** Backward through a kept forward. Overwrites the cache's act with dG: run it once. */
export function backwardKept(cell: CellKernel, w: DirectionWeightsData, b: KeptBackwardBuffers, d: DirectionDims, cache: KeptCache): void {
  if (cache.released) throw new Error('recur: internal error, backward through a released cache');
  cache.engine.arena.reset();
  const [s] = stageBwd(cell, [{ w, b, d, cache: inMemory(cache, cell, d) }]);
  runLoops([s], null);
  runWeights(s, b);
}

/**
 * Backward through both directions of a bidirectional layer (forwardKeptPair): the time loops
 * side by side on two teams, then each direction's weight products on every thread.
 */
export function backwardKeptPair(cell: CellKernel, ws: readonly DirectionWeightsData[], bs: readonly KeptBackwardBuffers[], ds: readonly DirectionDims[], caches: readonly KeptCache[]): void {
  const e = caches[0].engine;
  if (caches.some((c) => c.released || c.engine !== e)) throw new Error('recur: internal error, backward through a released or foreign cache');
  const teams = e === activeEngine() ? pairTeams(e, cell, ds) : null;
  e.arena.reset();
  const restored = caches.map((c, i) => inMemory(c, cell, ds[i]));
  const staged = stageBwd(cell, ds.map((d, i) => ({ w: ws[i], b: bs[i], d, cache: restored[i] })));
  runLoops(staged, teams);
  for (const s of staged) runWeights(s, s.b);
}

// ---- The reference twin's signatures (kernels/direction.ts) -----------------------------------

/** Row of the state entering step t for sample j: the step before's row, or −1 for h0 / c0 row j. */
function prevRow(d: DirectionDims, t: number, j: number): number {
  const T = d.batchSizes.length;
  const tp = d.reverse ? t + 1 : t - 1;
  if (tp < 0 || tp >= T || j >= d.batchSizes[tp]) return -1;
  return d.offsets[tp] + j;
}

/** Every row's entering state, [N, H], from the states at every step and the initial states. */
function gatherPrev(dst: F32, states: In, initial: In, d: DirectionDims): void {
  const { H } = d;
  for (let t = 0; t < d.batchSizes.length; t++) {
    for (let j = 0; j < d.batchSizes[t]; j++) {
      const p = prevRow(d, t, j);
      dst.set(p < 0 ? initial.subarray(j * H, (j + 1) * H) : states.subarray(p * H, (p + 1) * H), (d.offsets[t] + j) * H);
    }
  }
}

/** Initial states [B, H] recovered from the entering states of a reference cache. */
function initialFrom(prev: In, d: DirectionDims): F32 {
  const { H, B } = d;
  const out = new Float32Array(B * H);
  for (let t = 0; t < d.batchSizes.length; t++) {
    for (let j = 0; j < d.batchSizes[t]; j++) {
      const r = d.offsets[t] + j;
      if (prevRow(d, t, j) < 0) out.set(prev.subarray(r * H, (r + 1) * H), j * H);
    }
  }
  return out;
}

/**
 * Phases of the twin forward, timed apart by bench/kernels.ts: copy-in with the packing and the
 * projection, the time loop (with its copy-out), nothing after.
 */
export function stageForward(cell: CellKernel, w: DirectionWeightsData, b: ForwardBuffers, d: DirectionDims): StagedForward {
  const e = activeEngine();
  e.arena.reset();
  const cache = placeCache(e, cell, d, false);
  return stageFwd(e, cell, w, b.x, { hState: b.hState, cState: b.cState, hOut: b.cache.h }, d, cache);
}

export function runForward(s: StagedForward): void {
  runFwdLoops([s], null);
}

/** Nothing left to copy: kept for bench/kernels.ts's phases. */
export function unstageForward(s: StagedForward, b: ForwardBuffers): void {
  void s;
  void b;
}

/** Forward with the reference's buffers: fills hPrev, cPrev, h, c and act of b.cache. */
export function directionForward(cell: CellKernel, w: DirectionWeightsData, b: ForwardBuffers, d: DirectionDims): void {
  const { N, H, B } = d;
  const h0 = b.hState.slice(0, B * H);
  const c0 = b.cState.slice(0, cell.hasCell ? B * H : 0);
  const s = stageForward(cell, w, b, d);
  runFwdLoops([s], null);
  const v = s.e.arena.f32view();
  gatherPrev(b.cache.hPrev, b.cache.h, h0, d);
  if (cell.hasCell) {
    get(b.cache.c, v, s.cache.cs, N * H);
    gatherPrev(b.cache.cPrev, b.cache.c, c0, d);
  }
  if (cell.cached > 0) get(b.cache.act, v, s.cache.act, N * cell.cached * H);
}

/** Phases of the twin backward: copy-in (the reference cache too), the time loop, the weight products. */
export function stageBackward(cell: CellKernel, w: DirectionWeightsData, b: BackwardBuffers, d: DirectionDims): StagedBackward {
  const { N, H, B } = d;
  const e = activeEngine();
  e.arena.reset();
  const cache = placeCache(e, cell, d, false);
  const v = e.arena.f32view();
  if (cache.hs) put(v, cache.hs, b.cache.h, N * H);
  put(v, cache.h0, initialFrom(b.cache.hPrev, d), B * H);
  if (cell.hasCell) {
    put(v, cache.cs, b.cache.c, N * H);
    put(v, cache.c0, initialFrom(b.cache.cPrev, d), B * H);
  }
  if (cell.cached > 0) put(v, cache.act, b.cache.act, N * cell.cached * H);
  return stageBwd(cell, [{ w, b, d, cache }])[0];
}

/** The time loop and the weight products (each copies its results out as it ends). */
export function runBackward(s: StagedBackward): void {
  runLoops([s], null);
  runWeights(s, s.b);
}

/** Nothing left to copy: kept for bench/kernels.ts's phases. */
export function unstageBackward(s: StagedBackward, b: BackwardBuffers): void {
  void s;
  void b;
}

/** Backward with the reference's buffers: reads hPrev, cPrev, h, c and act of b.cache (not written). */
export function directionBackward(cell: CellKernel, w: DirectionWeightsData, b: BackwardBuffers, d: DirectionDims): void {
  const s = stageBackward(cell, w, b, d);
  runLoops([s], null);
  runWeights(s, b);
}
