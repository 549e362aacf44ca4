/**
 * Entry point of recur's WebAssembly kernels (built by `npm run build:wasm`, see build.ts), in two
 * builds from these same sources: single-threaded with its own memory, and threaded over an
 * imported shared memory. Neither has static data, so any number of instances (one per thread)
 * can share a memory; JavaScript owns everything above heapBase() (src/kernels/wasm/module.ts).
 */
export { runJob } from './direction';
export { threadInit } from './sync';
export { KC, gemmPacked, gemmPackedTA, gemmNN, gemmNT, gemmTN, packRows, packCols } from './gemm';
export { mathMap } from './math';

/** First free byte after the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
