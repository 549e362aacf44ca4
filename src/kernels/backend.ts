/**
 * The one switch point between kernel implementations. Every caller reaches kernels through
 * `backend()`; `setBackend` swaps the implementation for the whole process.
 *   'js'   the readable reference (kernels/direction.ts), always available;
 *   'wasm' WebAssembly SIMD twins with the same results (kernels/wasm/, assembly/), optionally on
 *          several threads (`setThreads`).
 * The default is 'wasm' where the runtime validates and instantiates the SIMD module, else 'js';
 * it is decided on first use, so importing recur compiles nothing. On a browser's main thread,
 * where synchronous compilation may be refused, `await initBackend()` first.
 *
 * A backend declares which buffers it needs (`cacheBuffers`, `scratchBuffers`): layers/bptt.ts
 * allocates exactly those. The reference needs the whole CellCache in JavaScript memory; the
 * WebAssembly backend keeps its cache in its own linear memory (returned as `Saved`) and needs
 * only h, the layer's output.
 */
import type { CellCache, CellKernel } from '../cells/cell.ts';
import {
  directionBackward, directionForward,
  type BackwardBuffers, type DirectionDims, type DirectionWeightsData, type ForwardBuffers,
} from './direction.ts';
import * as reference from './gemm.ts';
import * as fast from './wasm/gemm.ts';
import { backwardKept, backwardKeptPair, forwardKept, forwardKeptPair, KeptCache } from './wasm/direction.ts';
import { availableThreads as hardwareThreads, setWasmThreads, wasmThreads } from './wasm/engines.ts';
import { loadWasm, wasmAvailable } from './wasm/module.ts';

/** What a forward keeps for its backward beyond the CellCache buffers (released after backward). */
export interface Saved {
  readonly released: boolean;
  release(): void;
}

/** CellCache buffers a backend may ask bptt to allocate. */
export type CacheBuffer = Exclude<keyof CellCache, 'H'>;
/** Backward scratch buffers a backend may ask bptt to allocate. */
export type ScratchBuffer = 'dhIn' | 'dGx' | 'dGh';

export interface Backend {
  readonly name: string;
  /** CellCache buffers the forward writes and the backward reads, for this cell. Always has 'h' (the output). */
  cacheBuffers(cell: CellKernel): readonly CacheBuffer[];
  /** Backward scratch buffers, for this cell. */
  scratchBuffers(cell: CellKernel): readonly ScratchBuffer[];
  /**
   * One direction forward. `keep`: a backward will follow; the result is what it needs beyond the
   * cache buffers (null: nothing), to be released after it.
   */
  directionForward(cell: CellKernel, w: DirectionWeightsData, b: ForwardBuffers, d: DirectionDims, keep?: boolean): Saved | null;
  /** Backward through the forward that returned `saved`; reads only the buffers declared above. */
  directionBackward(cell: CellKernel, w: DirectionWeightsData, b: BackwardBuffers, d: DirectionDims, saved?: Saved | null): void;
  /**
   * Optional: both directions of a bidirectional layer (same x) at once, e.g. side by side on
   * threads. Same buffers and results as directionForward on each; without it, bptt.ts runs the
   * two one after the other.
   */
  pairForward?(cell: CellKernel, w: readonly DirectionWeightsData[], b: readonly ForwardBuffers[], d: readonly DirectionDims[], keep: boolean): (Saved | null)[];
  /** Optional: the backward of pairForward. */
  pairBackward?(cell: CellKernel, w: readonly DirectionWeightsData[], b: readonly BackwardBuffers[], d: readonly DirectionDims[], saved: readonly (Saved | null)[]): void;
  /** Optional: the matrix products of the other ops (default: the reference kernels). */
  readonly products?: Products;
}

export type BackendName = 'js' | 'wasm';

/** The matrix products the ops use (Linear, matmul, attention): kernels/gemm.ts's signatures. */
export interface Products {
  gemmNN: typeof reference.gemmNN;
  gemmNT: typeof reference.gemmNT;
  gemmTN: typeof reference.gemmTN;
}

const referenceProducts: Products = { gemmNN: reference.gemmNN, gemmNT: reference.gemmNT, gemmTN: reference.gemmTN };

/**
 * A product goes to WebAssembly when each row of the result costs at least this many
 * multiply-adds (N·K; for gemmTN, whose rows sum over the batch, M·N·K ≥ WASM_MIN_MACS): below,
 * copying the operands into linear memory costs more than the reference loops. Deciding by the
 * row's cost, not the row count, keeps results batch-invariant: a row gets the same kernel, and
 * the same bits (the twins' rows do not depend on M), whether it is computed alone or in a batch.
 * At 32³ the twins are 10–30× faster, at 1920×1000×256 15–50×.
 */
export const WASM_MIN_ROW_MACS = 256;
export const WASM_MIN_MACS = 2048;

type Product = Products['gemmNN'];

function byRowCost(slow: Product, quick: Product): Product {
  return (out, a, b, d, outOff = 0, aOff = 0, bOff = 0) => (d.N * d.K >= WASM_MIN_ROW_MACS ? quick : slow)(out, a, b, d, outOff, aOff, bOff);
}

function bySize(slow: Product, quick: Product): Product {
  return (out, a, b, d, outOff = 0, aOff = 0, bOff = 0) => (d.M * d.N * d.K >= WASM_MIN_MACS ? quick : slow)(out, a, b, d, outOff, aOff, bOff);
}

const wasmProducts: Products = {
  gemmNN: byRowCost(reference.gemmNN, fast.gemmNN),
  gemmNT: byRowCost(reference.gemmNT, fast.gemmNT),
  gemmTN: bySize(reference.gemmTN, fast.gemmTN),
};

export const jsBackend: Backend = {
  name: 'js',
  products: referenceProducts,
  cacheBuffers: (cell) => ['xg', 'hg', 'hPrev', 'h', ...(cell.hasCell ? (['cPrev', 'c'] as const) : []), ...(cell.cached > 0 ? (['act'] as const) : [])],
  scratchBuffers: (cell) => ['dhIn', 'dGx', ...(cell.splitGrads ? (['dGh'] as const) : [])],
  directionForward(cell, w, b, d) {
    directionForward(cell, w, b, d);
    return null;
  },
  directionBackward(cell, w, b, d) {
    directionBackward(cell, w, b, d);
  },
};

export const wasmBackend: Backend = {
  name: 'wasm',
  products: wasmProducts,
  cacheBuffers: () => ['h'],
  scratchBuffers: () => [],
  directionForward(cell, w, b, d, keep = false) {
    const cache = forwardKept(cell, w, b.x, b.hState, b.cState, b.cache.h, d, keep);
    return keep ? cache : null;
  },
  directionBackward(cell, w, b, d, saved) {
    backwardKept(cell, w, b, d, keptCache(saved));
  },
  pairForward(cell, w, b, d, keep) {
    const x = b[0].x;
    const caches = forwardKeptPair(cell, w, x, b.map((f) => ({ hState: f.hState, cState: f.cState, hOut: f.cache.h })), d, keep);
    return keep ? caches : caches.map(() => null);
  },
  pairBackward(cell, w, b, d, saved) {
    backwardKeptPair(cell, w, b, d, saved.map(keptCache));
  },
};

function keptCache(saved: Saved | null | undefined): KeptCache {
  if (!(saved instanceof KeptCache)) throw new Error('recur: internal error, a WebAssembly backward needs the cache of a WebAssembly forward');
  return saved;
}

let current: Backend | null = null;
/** setBackend was called: the default no longer applies. */
let chosen = false;

/** The backend in use (choosing the default on first call). */
export function backend(): Backend {
  if (!current) current = wasmAvailable() ? wasmBackend : jsBackend;
  return current;
}

/** The matrix products of the backend in use. */
export function products(): Products {
  return backend().products ?? referenceProducts;
}

/**
 * The kernels every recurrent layer runs on.
 * @example
 * getBackend().name; // 'wasm' where WebAssembly SIMD is available, else 'js'
 */
export function getBackend(): Backend {
  return backend();
}

/**
 * Selects the kernels for the whole process: 'js' (reference), 'wasm' (SIMD; throws where this
 * runtime cannot run it) or any object with the Backend signatures. A graph built before the
 * switch still runs its backward on the backend that ran its forward.
 * @example
 * setBackend('js'); // e.g. to compare against the reference
 */
export function setBackend(b: Backend | BackendName): void {
  chosen = true;
  if (b === 'js') current = jsBackend;
  else if (b === 'wasm') {
    if (!wasmAvailable()) throw new Error("setBackend('wasm'): this runtime cannot run WebAssembly SIMD; use 'js'");
    current = wasmBackend;
  } else current = b;
}

/**
 * Loads the WebAssembly kernels asynchronously and, unless setBackend chose otherwise, makes them
 * the default. Needed only on a browser's main thread (engines may refuse to compile modules over
 * 4 KB synchronously there); elsewhere the default is picked on first use without it.
 * @example
 * await initBackend(); // 'wasm' wherever WebAssembly SIMD runs, else 'js'
 */
export async function initBackend(): Promise<Backend> {
  const ok = await loadWasm();
  if (!chosen) current = ok ? wasmBackend : jsBackend;
  return backend();
}

/**
 * Lets the WebAssembly kernels use up to `n` threads (default 1): worker threads in Node, Web
 * Workers in cross-origin isolated pages, over one shared memory. Each recurrent layer then uses
 * as many as its size can keep busy, so small problems stay on one thread and never get slower;
 * results are the same as on one thread. Returns the count that will be used: 1 where threads
 * cannot run (no SharedArrayBuffer; on a browser's main thread, `await initBackend()` first so
 * that the threaded module is compiled). Idle workers never keep a Node process alive. In Node
 * the workers are ready when this returns; in a browser they start in the background and jobs
 * run on one thread until they are.
 * @example
 * setThreads(2);              // or setThreads(availableThreads())
 * model.forward(x);           // large layers now run on two threads
 */
export function setThreads(n: number): number {
  return setWasmThreads(n);
}

/**
 * The thread count set by setThreads (1 until it is called).
 * @example
 * getThreads(); // 1
 */
export function getThreads(): number {
  return wasmThreads();
}

/**
 * Hardware threads of this machine (Node: os.availableParallelism(); browsers:
 * navigator.hardwareConcurrency): the most setThreads can usefully ask for.
 * @example
 * setThreads(Math.min(4, availableThreads()));
 */
export function availableThreads(): number {
  return hardwareThreads();
}
