/**
 * Shared vocabulary of the benchmark: the cases it times, the jobs handed to each peer's worker
 * process, the results they send back, FLOP counting and the timing loop.
 *
 * Legend: B batch, T time, D input, H hidden, G gates (LSTM 4, GRU 3).
 * Inputs travel between processes as raw little-endian files so that every peer reads the same bytes:
 *   x        f32 [B, T, D]               batch-first, every step filled (pads are ignored by packed runs)
 *   lengths  i32 [B]                     spread evenly over 1..T, shuffled
 *   weights  f32 weight_ih [G*H, D] ++ weight_hh [G*H, H] ++ bias_ih [G*H] ++ bias_hh [G*H]  (PyTorch layout)
 */
import { appendFileSync, readFileSync } from 'node:fs';

export type CellKind = 'lstm' | 'gru';
export type Mode = 'inference' | 'training';
/** 'padded': every sample runs all T steps. 'varlen': packed, each sample runs its own length. */
export type Layout = 'padded' | 'varlen';

export interface Size {
  name: string;
  B: number;
  T: number;
  D: number;
  H: number;
}

/** One row of the comparison: a cell at a size, in a mode and a layout. */
export interface BenchCase {
  id: string;
  cell: CellKind;
  size: Size;
  mode: Mode;
  layout: Layout;
}

export interface InputFiles {
  /** f32 [B, T, D] */
  x: string;
  /** i32 [B] */
  lengths: string;
  /** f32, PyTorch parameter order (see the legend) */
  weights: string;
}

export interface Timing {
  /** Seconds of timed repetitions per case, after warm-up. */
  budgetS: number;
  /** Most timed repetitions per case. */
  maxReps: number;
  /** A peer whose single step would take longer than this is skipped (the subject row never is). */
  maxStepS: number;
}

/** What one worker process is asked to do (written as JSON to a file; the Python worker reads the same). */
export interface Job {
  row: string;
  /** recur: the kernel backend to select; ignored by other peers. */
  backend: string | null;
  /** recur and PyTorch: thread count to set, or null to leave the library's default. */
  threads: number | null;
  /** The row measured is the subject of the comparison: never skipped for being slow. */
  subject: boolean;
  timing: Timing;
  cases: { case: BenchCase; files: InputFiles }[];
  /** tfjs: 'cpu' or 'wasm'. */
  tfBackend?: 'cpu' | 'wasm';
}

export type Outcome =
  | { status: 'ok'; ms: number; minMs: number; maxMs: number; reps: number; check: number | null }
  | { status: 'skipped' | 'n/a' | 'failed'; reason: string };

/** One line of a worker's result file. */
export type ResultLine = { id: string; row: string } & Outcome;

export const GATES: Record<CellKind, number> = { lstm: 4, gru: 3 };

/** Steps actually computed by a case: all B*T when padded, the sum of lengths when packed. */
export function realSteps(c: BenchCase, lengths: ArrayLike<number>): number {
  if (c.layout === 'padded') return c.size.B * c.size.T;
  let n = 0;
  for (let b = 0; b < lengths.length; b++) n += lengths[b];
  return n;
}

/**
 * FLOPs of one call: 2*(D+H)*G*H per real step forward (the two matmuls; gate maths is not counted),
 * three times that for a training step (forward, and backward's two matmuls per weight).
 */
export function flops(c: BenchCase, steps: number): number {
  const { D, H } = c.size;
  const perStep = 2 * (D + H) * GATES[c.cell] * H;
  return perStep * steps * (c.mode === 'training' ? 3 : 1);
}

/** Evenly spread lengths 1..T (B of them), in a seeded shuffled order. */
export function spreadLengths(B: number, T: number, shuffle: (items: number[]) => number[]): Int32Array {
  const lens = Array.from({ length: B }, (_, b) => (B === 1 ? T : 1 + Math.round(((T - 1) * b) / (B - 1))));
  return Int32Array.from(shuffle(lens));
}

export function readF32(path: string, n: number): Float32Array {
  const buf = readFileSync(path);
  if (buf.byteLength !== n * 4) throw new Error(`${path}: ${buf.byteLength} bytes, expected ${n * 4} (${n} float32)`);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

export function readI32(path: string, n: number): Int32Array {
  const buf = readFileSync(path);
  if (buf.byteLength !== n * 4) throw new Error(`${path}: ${buf.byteLength} bytes, expected ${n * 4} (${n} int32)`);
  return new Int32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** The four parameter blocks of one layer, as views into the weights file. */
export function splitWeights(all: Float32Array, c: BenchCase): { wIh: Float32Array; wHh: Float32Array; bIh: Float32Array; bHh: Float32Array } {
  const { D, H } = c.size;
  const GH = GATES[c.cell] * H;
  const expected = GH * D + GH * H + 2 * GH;
  if (all.length !== expected) throw new Error(`weights: ${all.length} floats, expected ${expected}`);
  let o = 0;
  const take = (n: number): Float32Array => all.subarray(o, (o += n));
  return { wIh: take(GH * D), wHh: take(GH * H), bIh: take(GH), bHh: take(GH) };
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export type Step = () => void | Promise<void>;

/** Most warm-up calls before timing (see timeStep). */
export const WARMUP_MAX = 20;

/**
 * Warm-up, then the median of repetitions bounded by the time budget.
 * Warm-up (JIT tiers, lazy allocation, optimizer state, thread start): the first call, then more
 * while they add up to under a quarter of the budget, at most WARMUP_MAX calls. Then at least 3
 * timed calls (or 1 when a call is longer than the budget), more while the budget lasts, at most
 * `maxReps`. bench/torch_bench.py applies the same rule to PyTorch.
 */
export async function timeStep(step: Step, t: Timing): Promise<{ ms: number; minMs: number; maxMs: number; reps: number }> {
  const budgetMs = t.budgetS * 1000;
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    await step();
    return performance.now() - t0;
  };
  const first = await once();
  let warm = first;
  for (let n = 1; n < WARMUP_MAX && warm < budgetMs / 4; n++) warm += await once();
  const samples: number[] = [];
  let spent = 0;
  const minReps = first > budgetMs ? 1 : 3;
  while (samples.length < t.maxReps && (samples.length < minReps || spent < budgetMs)) {
    const ms = await once();
    samples.push(ms);
    spent += ms;
  }
  return { ms: median(samples), minMs: Math.min(...samples), maxMs: Math.max(...samples), reps: samples.length };
}

/** Probe-based estimate of a full step: time `probe` (a smaller problem) twice and scale the second. */
export async function estimateMs(probe: Step, scale: number): Promise<number> {
  await probe();
  const t0 = performance.now();
  await probe();
  return (performance.now() - t0) * scale;
}

/** A peer's handle on one prepared case: one call of `step` is one timed unit. */
export interface Prepared {
  step: Step;
  /** A number both recur and PyTorch compute from the same weights (sum of the final hidden state), or null. */
  check?: () => number | Promise<number>;
  dispose?: () => void;
}

/** What a worker implements: load the peer, prepare a case (optionally at a reduced B and T for the probe). */
export interface Peer {
  /** Throws with a readable reason when the peer cannot run here. */
  load(job: Job): Promise<void>;
  /** Cases the peer cannot express return a reason instead. */
  supports(c: BenchCase): string | null;
  prepare(c: BenchCase, files: InputFiles, reduced?: { B: number; T: number }): Promise<Prepared>;
  /** How the probe shrinks a case: per-sample libraries scale with B too. */
  probeShape(c: BenchCase): { B: number; T: number };
}

/**
 * The body of every JS worker process: argv is `<job.json> <results.jsonl>`.
 * Each case's result is appended as one JSON line as soon as it is known, so a crash keeps the rest.
 */
export async function runWorker(peer: Peer): Promise<void> {
  const [jobPath, outPath] = process.argv.slice(2);
  if (!jobPath || !outPath) throw new Error('usage: worker <job.json> <results.jsonl>');
  const job = JSON.parse(readFileSync(jobPath, 'utf8')) as Job;
  const emit = (id: string, o: Outcome): void => appendFileSync(outPath, JSON.stringify({ id, row: job.row, ...o }) + '\n');
  try {
    await peer.load(job);
  } catch (e) {
    for (const { case: c } of job.cases) emit(c.id, { status: 'n/a', reason: `not available: ${firstLine(e)}` });
    return;
  }
  for (const { case: c, files } of job.cases) {
    const unsupported = peer.supports(c);
    if (unsupported !== null) {
      emit(c.id, { status: 'n/a', reason: unsupported });
      continue;
    }
    try {
      if (!job.subject) {
        const r = peer.probeShape(c);
        const small = await peer.prepare(c, files, r);
        const est = await estimateMs(small.step, (c.size.B / r.B) * (c.size.T / r.T));
        small.dispose?.();
        if (est > job.timing.maxStepS * 1000) {
          emit(c.id, { status: 'skipped', reason: `skipped (~${(est / 1000).toFixed(0)} s/step > ${job.timing.maxStepS} s)` });
          continue;
        }
      }
      const p = await peer.prepare(c, files);
      const check = p.check ? await p.check() : null;
      const t = await timeStep(p.step, job.timing);
      p.dispose?.();
      emit(c.id, { status: 'ok', ...t, check });
    } catch (e) {
      emit(c.id, { status: 'failed', reason: `failed: ${firstLine(e)}` });
    }
  }
}

export function firstLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.split('\n')[0].slice(0, 160);
}
