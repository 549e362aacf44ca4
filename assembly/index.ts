/**
 * Entry point of recur's WebAssembly kernels (built by `npm run build:wasm`, see build.ts).
 * The module has no imports and exports its memory; JavaScript owns everything above
 * heapBase() as a bump arena (src/kernels/wasm/module.ts).
 */
export { directionForward, directionBackward } from './direction';
export { KC, gemmPacked, gemmPackedTA, gemmNN, gemmNT, gemmTN, packRows, packCols, fillBias, sumRows } from './gemm';
export { mathMap } from './math';

/** First free byte after the module's static data. */
export function heapBase(): usize {
  return __heap_base;
}
