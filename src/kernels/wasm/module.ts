/**
 * recur's WebAssembly SIMD kernels (assembly/, built by `npm run build:wasm`): loading, feature
 * detection, and the linear memory they work in.
 *
 * The bytes are embedded as base64 (binary.ts), so Node, browsers and bundlers load them alike,
 * with no fs or fetch. Two builds of the same kernels:
 *   single  (kernels.wasm)    no imports, its own memory; compiled synchronously on first use
 *                             (about 25 KB: under the size browsers allow for that);
 *   threads (kernels-mt.wasm) imports a shared WebAssembly.Memory; one instance per thread
 *                             (threads.ts), used once setThreads asks for more than one.
 * Each build with its memory is an Engine; a cache kept by one engine is read back by that engine.
 *
 * Memory of an engine, from heapBase() up:
 *   control   job records, barriers and the thread pool's counters (CONTROL_BYTES)
 *   kept      blocks that outlive a call: the caches a forward keeps for its backward
 *             (Arena.keep / Arena.free, first-fit with coalescing, reused step after step)
 *   scratch   everything else a call needs, a bump region above the kept blocks, reset per call
 * memory.grow detaches the old ArrayBuffer of an unshared memory, and gives a shared one a new,
 * longer SharedArrayBuffer, so views are re-created whenever the buffer has changed (never held
 * across an allocation). Memory never shrinks: it stays at its high-water mark.
 */
import { JOB_SLOTS } from './layout.ts';
import { WASM_BASE64, WASM_MT_BASE64 } from './binary.ts';

/** Byte addresses in linear memory are plain numbers; 0 means "absent". */
export type Ptr = number;

/** The exports of assembly/index.ts; argument order as declared there. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): Ptr;
  /** Runs thread `tid`'s part of the job record at `job` (src/kernels/wasm/layout.ts). */
  runJob(job: Ptr, tid: number): void;
  /** Once per instance: whether this thread may block in atomic.wait (1) or must only spin (0). */
  threadInit(mayWait: number): void;
  /** Rows of k per transposed slab of A in gemmPackedTA (chunk scratch: M·KC floats). */
  readonly KC: WebAssembly.Global;
  /** out [M, N] (row stride ldo) += A (element (i, k) at a + 4·(i·sai + k·sak)) · packed B. */
  gemmPacked(out: Ptr, ldo: number, a: Ptr, sai: number, sak: number, bp: Ptr, M: number, N: number, K: number): void;
  /** out [M, N] (row stride ldo) += (a [K, M])ᵀ · packed B, via [M, KC] transposed slabs in chunk. */
  gemmPackedTA(out: Ptr, ldo: number, a: Ptr, bp: Ptr, M: number, N: number, K: number, chunk: Ptr): void;
  gemmNN(out: Ptr, a: Ptr, b: Ptr, pack: Ptr, M: number, N: number, K: number): void;
  gemmNT(out: Ptr, a: Ptr, b: Ptr, pack: Ptr, M: number, N: number, K: number): void;
  gemmTN(out: Ptr, a: Ptr, b: Ptr, pack: Ptr, M: number, N: number, K: number): void;
  /** dst ← src [K, N] packed [⌈N/16⌉][K][16]. */
  packRows(dst: Ptr, src: Ptr, K: number, N: number): void;
  /** dst ← (src [N, K])ᵀ packed [⌈N/16⌉][K][16]. */
  packCols(dst: Ptr, src: Ptr, N: number, K: number): void;
  /** dst[n] = exp (0), sigmoid (1) or tanh (2) of src[n]. */
  mathMap(fn: number, dst: Ptr, src: Ptr, n: number): void;
}

/** Floats of scratch for a [K, C] right operand packed in 16-column panels. */
export function packedFloats(K: number, C: number): number {
  return Math.ceil(C / 16) * 16 * K;
}

/** Floats of scratch for gemmPackedTA's transposed slabs of an A with M rows. */
export function chunkFloats(k: KernelExports, M: number): number {
  return M * Number(k.KC.value);
}

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

let bytes: Uint8Array<ArrayBuffer> | null = null;

function wasmBytes(): Uint8Array<ArrayBuffer> {
  if (!bytes) bytes = decode(WASM_BASE64);
  return bytes;
}

const ALIGN = 64;
const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024; // wasm32

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Bytes at the bottom of every engine's memory for job records, barriers and pool counters. */
export const CONTROL_BYTES = 4096;
/** Byte offsets inside the control region. */
export const CONTROL = {
  /** i32 counters of the thread pool (threads.ts). */
  pool: 0,
  /** Two job records (two teams can run at once: the directions of a bidirectional layer). */
  jobs: 512,
  /** One barrier per job record, 64 bytes apart (their own cache lines). */
  barriers: 512 + 2 * 4 * JOB_SLOTS + 64,
} as const;

/**
 * Allocator over an engine's linear memory above the control region: kept blocks (first-fit
 * free list, coalescing; the top block gives its space back to scratch when freed) and, above
 * them, a scratch bump region that `reset()` empties. `keep` only right after `reset()`: a kept
 * block would otherwise land on live scratch.
 */
export class Arena {
  /** First byte of the control region. */
  readonly control: Ptr;
  private readonly base: Ptr;
  /** End of the kept region = start of scratch. */
  private keptTop: Ptr;
  private top: Ptr;
  private readonly blocks = new Map<Ptr, number>();
  /** Free kept blocks below keptTop, sorted by address. */
  private readonly free_: { p: Ptr; n: number }[] = [];
  private f32Cache: Float32Array;
  private i32Cache: Int32Array;

  constructor(private readonly memory: WebAssembly.Memory, heapBase: Ptr) {
    this.control = alignUp(heapBase);
    this.base = this.control + CONTROL_BYTES;
    this.keptTop = this.base;
    this.top = this.base;
    this.ensure(this.base);
    this.f32Cache = new Float32Array(memory.buffer);
    this.i32Cache = new Int32Array(memory.buffer);
  }

  /** Empties scratch. */
  reset(): void {
    this.top = this.keptTop;
  }

  /** Scratch bytes reserved since the last reset (the high-water mark of one call). */
  get used(): number {
    return this.top - this.keptTop;
  }

  /** Bytes held by kept blocks. */
  get keptBytes(): number {
    let n = 0;
    for (const b of this.blocks.values()) n += b;
    return n;
  }

  /** Scratch for n floats; byte address, 64-byte aligned. */
  f32(n: number): Ptr {
    return this.scratch(4 * n);
  }

  i32(n: number): Ptr {
    return this.scratch(4 * n);
  }

  /** Scratch position, to return to with `rewind` (drop what a phase of a call no longer needs). */
  mark(): Ptr {
    return this.top;
  }

  rewind(mark: Ptr): void {
    this.top = mark;
  }

  /** A block of n bytes that stays until `free`. Call right after reset(). */
  keep(n: number): Ptr {
    const size = alignUp(Math.max(n, ALIGN));
    let best = -1;
    for (let i = 0; i < this.free_.length; i++) {
      if (this.free_[i].n >= size && (best < 0 || this.free_[i].n < this.free_[best].n)) best = i;
    }
    let p: Ptr;
    if (best >= 0) {
      const f = this.free_[best];
      p = f.p;
      if (f.n - size >= ALIGN) {
        // Split: the rest stays free.
        f.p += size;
        f.n -= size;
        this.blocks.set(p, size);
      } else {
        this.free_.splice(best, 1);
        this.blocks.set(p, f.n);
      }
    } else {
      p = this.keptTop;
      this.keptTop += size;
      this.ensure(this.keptTop);
      this.blocks.set(p, size);
    }
    this.top = Math.max(this.top, this.keptTop);
    return p;
  }

  /** Gives a kept block back. */
  free(p: Ptr): void {
    const n = this.blocks.get(p);
    if (n === undefined) throw new Error(`recur: internal error, freeing an unknown block at ${p}`);
    this.blocks.delete(p);
    let i = 0;
    while (i < this.free_.length && this.free_[i].p < p) i++;
    this.free_.splice(i, 0, { p, n });
    // Coalesce with the next, then the previous neighbour.
    if (i + 1 < this.free_.length && this.free_[i].p + this.free_[i].n === this.free_[i + 1].p) {
      this.free_[i].n += this.free_[i + 1].n;
      this.free_.splice(i + 1, 1);
    }
    if (i > 0 && this.free_[i - 1].p + this.free_[i - 1].n === this.free_[i].p) {
      this.free_[i - 1].n += this.free_[i].n;
      this.free_.splice(i, 1);
      i--;
    }
    // The block at the top returns to scratch.
    const last = this.free_[this.free_.length - 1];
    if (last && last.p + last.n === this.keptTop) {
      this.keptTop = last.p;
      this.free_.pop();
    }
    if (this.top < this.keptTop) this.top = this.keptTop;
  }

  f32view(): Float32Array {
    if (this.f32Cache.buffer !== this.memory.buffer) this.f32Cache = new Float32Array(this.memory.buffer);
    return this.f32Cache;
  }

  i32view(): Int32Array {
    if (this.i32Cache.buffer !== this.memory.buffer) this.i32Cache = new Int32Array(this.memory.buffer);
    return this.i32Cache;
  }

  private scratch(n: number): Ptr {
    const p = this.top;
    this.top = alignUp(p + n);
    this.ensure(this.top);
    return p;
  }

  /** Grows memory to hold `end` bytes. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > MAX_BYTES) {
      throw new Error(`recur: the WebAssembly kernels need ${Math.ceil(end / 2 ** 20)} MiB, more than the 4 GiB of wasm32 memory; use setBackend('js') for this size`);
    }
    try {
      this.memory.grow(Math.ceil((end - have) / PAGE));
    } catch (e) {
      throw new Error(`recur: could not grow WebAssembly memory to ${Math.ceil(end / 2 ** 20)} MiB (${e instanceof Error ? e.message : String(e)}); use setBackend('js') for this size`);
    }
  }
}

/** One build of the kernels, instantiated on the calling thread, with its memory. */
export interface Engine {
  readonly k: KernelExports;
  readonly memory: WebAssembly.Memory;
  readonly arena: Arena;
  /** The threaded build over a shared memory (workers may join its jobs). */
  readonly shared: boolean;
  readonly module: WebAssembly.Module;
}

function makeEngine(module: WebAssembly.Module, memory: WebAssembly.Memory | null): Engine {
  const instance = new WebAssembly.Instance(module, memory ? { env: { memory } } : {});
  // The export object's shape is fixed by assembly/index.ts (checked by test/wasm.test.ts).
  const k = instance.exports as unknown as KernelExports;
  k.threadInit(1);
  const mem = memory ?? k.memory;
  return { k, memory: mem, arena: new Arena(mem, k.heapBase()), shared: memory !== null, module };
}

let single: Engine | null = null;
let failure: string | null = null;

/**
 * True when this runtime validates and instantiates the SIMD module (WebAssembly present, SIMD
 * supported, compilation allowed by the page's CSP). Tried once; never throws.
 */
export function wasmAvailable(): boolean {
  if (single) return true;
  if (failure !== null) return false;
  try {
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(wasmBytes())) {
      failure = 'WebAssembly SIMD is not supported by this runtime';
      return false;
    }
    single = makeEngine(new WebAssembly.Module(wasmBytes()), null);
    return true;
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    return false;
  }
}

/** The threaded build, compiled ahead by loadWasm where shared memory exists. */
let mtModule: WebAssembly.Module | null = null;

/**
 * Compiles and instantiates the module asynchronously: the way that works everywhere, including a
 * browser's main thread, where some engines refuse synchronous compilation of modules over 4 KB
 * (wasmAvailable then reports false until this has run). Where shared memory exists it compiles
 * the threaded build too, so that setThreads can start it synchronously later. Never throws.
 */
export async function loadWasm(): Promise<boolean> {
  try {
    if (!single) {
      if (typeof WebAssembly !== 'object' || !WebAssembly.validate(wasmBytes())) {
        failure = 'WebAssembly SIMD is not supported by this runtime';
        return false;
      }
      single = makeEngine(await WebAssembly.compile(wasmBytes()), null);
      failure = null;
    }
    if (!mtModule && typeof SharedArrayBuffer === 'function') {
      const mtBytes = decode(WASM_MT_BASE64);
      if (WebAssembly.validate(mtBytes)) mtModule = await WebAssembly.compile(mtBytes).catch(() => null);
    }
    return true;
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    return false;
  }
}

/** The single-threaded engine; throws with the reason when the kernels cannot run here. */
export function singleEngine(): Engine {
  if (!wasmAvailable()) throw new Error(`recur: the WebAssembly backend is unavailable (${failure})`);
  return single as Engine;
}

/** The single-threaded kernels (tests and benchmarks call products on them directly). */
export function wasmKernels(): KernelExports {
  return singleEngine().k;
}

/** The single-threaded engine's arena. */
export function arena(): Arena {
  return singleEngine().arena;
}

let threaded: Engine | null = null;

/**
 * The threaded engine, made on the first call that can: a shared memory of up to `maxPages`
 * pages and the threaded build instantiated on it. null where SharedArrayBuffer or wasm threads
 * are missing (or, on a browser's main thread, before loadWasm has compiled the build).
 */
export function threadedEngine(maxPages: number): Engine | null {
  if (threaded) return threaded;
  try {
    if (typeof SharedArrayBuffer !== 'function' || !wasmAvailable()) return null;
    if (!mtModule) {
      // Synchronous compilation: a browser's main thread may refuse it (await initBackend() first).
      const mtBytes = decode(WASM_MT_BASE64);
      if (!WebAssembly.validate(mtBytes)) return null;
      mtModule = new WebAssembly.Module(mtBytes);
    }
    const memory = new WebAssembly.Memory({ initial: 1, maximum: maxPages, shared: true });
    threaded = makeEngine(mtModule, memory);
  } catch {
    return null;
  }
  return threaded;
}
