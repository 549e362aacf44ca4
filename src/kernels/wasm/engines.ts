/**
 * Which engine (module.ts) runs the next call, and on how many threads: the thread count set by
 * setThreads, the pool that provides them (threads.ts), and the rule that sizes each job's team.
 *
 * One thread (the default): the single-threaded build, no workers, nothing shared.
 * n > 1 where threads can run: the threaded build on a shared memory and n − 1 workers. Each job
 * then takes as many threads as its work between two barriers can keep busy — about
 * tuning.minFlopsPerThread each (a spin barrier costs about a microsecond; a product of 0.25 MFLOP
 * about 5 µs) and at most one per block of 16 units — so small problems stay on one thread and
 * never get slower. Caches kept by an engine stay with it: setThreads between a forward and its
 * backward is safe.
 */
import { singleEngine, threadedEngine, type Engine } from './module.ts';
import { hardwareThreads, ThreadPool, threadsSupported } from './threads.ts';

/**
 * Sizes that decide how work is shared out and staged. Tests lower them to run the threaded and
 * chunked paths on small shapes; nothing else changes them.
 */
export const tuning = {
  /** Work per thread between two barriers below which another thread does not pay for itself. */
  minFlopsPerThread: 250_000,
  /** Work of one direction's time loop below which two directions run one after the other. */
  pairMinFlops: 2_000_000,
  /**
   * Floats of a chunk of x, dOut, dx or h staged in scratch (1 MiB: 512 rows of 512 features).
   * As fast as 2 MiB chunks at (64,100,512,512) with 3 MiB less scratch; 512 KiB would split
   * the small config's h ([1600, 128]) in two and cost it ~10% on two threads.
   */
  chunkFloats: 1 << 18,
  /** Bytes of forward caches kept in linear memory at once; beyond, new ones go to JavaScript arrays. */
  keptLimitBytes: 1 << 30,
};
/** Most threads setThreads accepts. */
export const MAX_THREADS = 64;
/** Pages of the shared memory's maximum: 4 GiB in Node, 1 GiB in browsers (reserved up front). */
function maxPages(): number {
  const node = (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node;
  return node ? 65536 : 16384;
}

let threads = 1;
let pool: ThreadPool | null = null;

/** The engine new calls run on. */
export function activeEngine(): Engine {
  if (threads > 1 && pool) return pool.engine;
  return singleEngine();
}

/** Threads for a job whose every barrier interval does `flops` of work split over `blocks` units. */
export function teamSize(e: Engine, flops: number, blocks: number): number {
  if (!e.shared || !pool || !pool.ready || e !== pool.engine) return 1;
  const want = Math.floor(flops / Math.max(1, tuning.minFlopsPerThread));
  return Math.max(1, Math.min(threads, pool.size, blocks, want));
}

/** Threads a job may use now: the setThreads count, within the pool's size (1 without a ready pool). */
export function wasmTeamLimit(): number {
  return pool && pool.ready && threads > 1 ? Math.min(threads, pool.size) : 1;
}

/** The pool of the threaded engine, if one is running. */
export function threadPool(): ThreadPool | null {
  return pool;
}

/**
 * Sets how many threads the WebAssembly kernels may use (1 … 64); returns the number they will
 * use: 1 where threads cannot run (no SharedArrayBuffer: a browser page that is not
 * cross-origin isolated, or no worker support). Starting workers takes tens of milliseconds each.
 */
export function setWasmThreads(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_THREADS) throw new Error(`setThreads: expected an integer from 1 to ${MAX_THREADS}, got ${String(n)}`);
  threads = n;
  if (n === 1) return 1;
  if (!threadsSupported()) {
    threads = 1;
    return 1;
  }
  const e = threadedEngine(maxPages());
  if (!e) {
    threads = 1;
    return 1;
  }
  pool ??= new ThreadPool(e);
  if (pool.size < n) pool.grow(n);
  return n;
}

/** The thread count set by setThreads (1 by default). */
export function wasmThreads(): number {
  return threads;
}

/** Threads this machine offers (a sensible argument for setThreads). */
export function availableThreads(): number {
  return hardwareThreads();
}
