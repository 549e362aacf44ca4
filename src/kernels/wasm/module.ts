/**
 * recur's WebAssembly SIMD kernels (assembly/, built by `npm run build:wasm`): loading, feature
 * detection, and the linear memory they work in.
 *
 * The bytes are embedded as base64 (binary.ts), so Node, browsers and bundlers load them alike,
 * with no fs or fetch. The module has no imports; it is compiled synchronously on first use
 * (about 21 KB: well under the size browsers allow for synchronous compilation).
 *
 * Memory: everything above heapBase() belongs to one JS-side bump arena. Each kernel call resets
 * it, allocates its buffers (64-byte aligned), copies its inputs in, runs, and copies results
 * out; nothing lives in linear memory between calls. memory.grow detaches the old ArrayBuffer, so
 * views are re-created whenever the buffer has changed (never held across an alloc). Memory never
 * shrinks: it stays at the largest call's size (about 200 MiB for one LSTM direction at
 * B = 64, T = 100, D = H = 512).
 */
import { WASM_BASE64 } from './binary.ts';

/** Byte addresses in linear memory are plain numbers; 0 means "absent". */
type Ptr = number;

/** The exports of assembly/index.ts; argument order as declared there. */
export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): Ptr;
  directionForward(
    cell: number, reverse: number, T: number, N: number, D: number, H: number,
    batchSizes: Ptr, offsets: Ptr,
    x: Ptr, wIh: Ptr, wHh: Ptr, bIh: Ptr, bHh: Ptr,
    hState: Ptr, cState: Ptr,
    xg: Ptr, hg: Ptr, hPrev: Ptr, cPrev: Ptr, h: Ptr, c: Ptr, act: Ptr,
    pack: Ptr,
  ): void;
  directionBackward(
    cell: number, reverse: number, T: number, N: number, D: number, H: number,
    batchSizes: Ptr, offsets: Ptr,
    x: Ptr, wIh: Ptr, wHh: Ptr,
    hPrev: Ptr, cPrev: Ptr, c: Ptr, h: Ptr, act: Ptr,
    dOut: Ptr, dhState: Ptr, dcState: Ptr, dGx: Ptr, dGh: Ptr,
    dx: Ptr, dWih: Ptr, dWhh: Ptr, dbIh: Ptr, dbHh: Ptr,
    pack: Ptr, chunk: Ptr,
  ): void;
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

let bytes: Uint8Array<ArrayBuffer> | null = null;

function wasmBytes(): Uint8Array<ArrayBuffer> {
  if (!bytes) {
    const s = atob(WASM_BASE64);
    bytes = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  }
  return bytes;
}

let kernelsCache: KernelExports | null = null;
let failure: string | null = null;

/**
 * True when this runtime validates and instantiates the SIMD module (WebAssembly present, SIMD
 * supported, compilation allowed by the page's CSP). Tried once; never throws.
 */
export function wasmAvailable(): boolean {
  if (kernelsCache) return true;
  if (failure !== null) return false;
  try {
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(wasmBytes())) {
      failure = 'WebAssembly SIMD is not supported by this runtime';
      return false;
    }
    const instance = new WebAssembly.Instance(new WebAssembly.Module(wasmBytes()), {});
    // The export object's shape is fixed by assembly/index.ts (checked by test/wasm.test.ts).
    kernelsCache = instance.exports as unknown as KernelExports;
    return true;
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    return false;
  }
}

/**
 * Compiles and instantiates the module asynchronously: the way that works everywhere, including a
 * browser's main thread, where some engines refuse synchronous compilation of modules over 4 KB
 * (wasmAvailable then reports false until this has run). Never throws.
 */
export async function loadWasm(): Promise<boolean> {
  if (kernelsCache) return true;
  try {
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(wasmBytes())) {
      failure = 'WebAssembly SIMD is not supported by this runtime';
      return false;
    }
    const { instance } = await WebAssembly.instantiate(wasmBytes(), {});
    kernelsCache = instance.exports as unknown as KernelExports;
    failure = null;
    return true;
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
    return false;
  }
}

/** The instantiated kernels; throws with the reason when they cannot run here. */
export function wasmKernels(): KernelExports {
  if (!wasmAvailable()) throw new Error(`recur: the WebAssembly backend is unavailable (${failure})`);
  return kernelsCache as KernelExports;
}

const ALIGN = 64;
const PAGE = 65536;
const MAX_BYTES = 4 * 1024 * 1024 * 1024; // wasm32

function alignUp(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/**
 * Bump allocator over the kernels' linear memory. `reset()` frees everything; `f32(n)` / `i32(n)`
 * reserve n elements and return their byte address, growing memory when needed. Read and write
 * through `f32view()` / `i32view()`, fetched again after any allocation.
 *
 * Threads (later): a shared WebAssembly.Memory (fixed maximum) would let workers run the same
 * module on these same addresses; nothing here depends on the memory being unshared except that
 * growth then keeps old views attached but short (re-creating them on buffer change covers both).
 */
export class Arena {
  private readonly base: number;
  private top: number;
  private f32Cache: Float32Array;
  private i32Cache: Int32Array;

  constructor(private readonly k: KernelExports) {
    this.base = alignUp(k.heapBase());
    this.top = this.base;
    this.f32Cache = new Float32Array(k.memory.buffer);
    this.i32Cache = new Int32Array(k.memory.buffer);
  }

  reset(): void {
    this.top = this.base;
  }

  /** Bytes reserved since the last reset (the high-water mark of one call). */
  get used(): number {
    return this.top - this.base;
  }

  f32(n: number): Ptr {
    return this.bytes(4 * n);
  }

  i32(n: number): Ptr {
    return this.bytes(4 * n);
  }

  f32view(): Float32Array {
    if (this.f32Cache.buffer !== this.k.memory.buffer) this.f32Cache = new Float32Array(this.k.memory.buffer);
    return this.f32Cache;
  }

  i32view(): Int32Array {
    if (this.i32Cache.buffer !== this.k.memory.buffer) this.i32Cache = new Int32Array(this.k.memory.buffer);
    return this.i32Cache;
  }

  private bytes(n: number): Ptr {
    const p = this.top;
    this.top = alignUp(p + n);
    const have = this.k.memory.buffer.byteLength;
    if (this.top > have) {
      if (this.top > MAX_BYTES) {
        throw new Error(`recur: a WebAssembly kernel call needs ${Math.ceil(this.top / 2 ** 20)} MiB, more than the 4 GiB of wasm32 memory; use setBackend('js') for this size`);
      }
      this.k.memory.grow(Math.ceil((this.top - have) / PAGE));
    }
    return p;
  }
}

let arenaCache: Arena | null = null;

/** The process-wide arena (kernels run one at a time on one thread). */
export function arena(): Arena {
  if (!arenaCache) arenaCache = new Arena(wasmKernels());
  return arenaCache;
}
