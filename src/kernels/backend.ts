/**
 * The one switch point between kernel implementations. Every caller reaches kernels through
 * `backend()`; `setBackend` swaps the implementation for the whole process.
 *   'js'   the readable reference (kernels/direction.ts), always available;
 *   'wasm' WebAssembly SIMD twins with the same signatures (kernels/wasm/, assembly/).
 * The default is 'wasm' where the runtime validates and instantiates the SIMD module, else 'js';
 * it is decided on first use, so importing recur compiles nothing. On a browser's main thread,
 * where synchronous compilation may be refused, `await initBackend()` first.
 */
import { directionBackward, directionForward } from './direction.ts';
import { directionBackward as wasmDirectionBackward, directionForward as wasmDirectionForward } from './wasm/direction.ts';
import { loadWasm, wasmAvailable } from './wasm/module.ts';

export interface Backend {
  readonly name: string;
  readonly directionForward: typeof directionForward;
  readonly directionBackward: typeof directionBackward;
}

export type BackendName = 'js' | 'wasm';

export const jsBackend: Backend = { name: 'js', directionForward, directionBackward };

export const wasmBackend: Backend = {
  name: 'wasm',
  directionForward: wasmDirectionForward,
  directionBackward: wasmDirectionBackward,
};

let current: Backend | null = null;
/** setBackend was called: the default no longer applies. */
let chosen = false;

/** The backend in use (choosing the default on first call). */
export function backend(): Backend {
  if (!current) current = wasmAvailable() ? wasmBackend : jsBackend;
  return current;
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
 * runtime cannot run it) or any object with the Backend signatures.
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
