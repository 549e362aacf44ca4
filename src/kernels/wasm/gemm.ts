/**
 * WebAssembly twins of the reference products in kernels/gemm.ts, same signatures: each call
 * copies its operands into linear memory, packs the right operand in 16-column panels, runs the
 * 2×16 SIMD kernel (assembly/gemm.ts) and copies `out` back. The BPTT loop does not go through
 * these (it packs once per call inside WebAssembly); they exist so that every WASM product can
 * be compared with its reference twin and benchmarked alone.
 *
 * Legend: M rows of the result, N columns, K the summed dimension. Every product accumulates.
 */
import type { F32, GemmDims, In } from '../gemm.ts';
import { arena, chunkFloats, packedFloats, wasmKernels, type KernelExports } from './module.ts';

type Variant = 'gemmNN' | 'gemmNT' | 'gemmTN';

function run(variant: Variant, out: F32, a: In, b: In, d: GemmDims, outOff: number, aOff: number, bOff: number): void {
  const { M, N, K } = d;
  const k: KernelExports = wasmKernels();
  const ar = arena();
  ar.reset();
  const pOut = ar.f32(M * N);
  const pA = ar.f32(M * K);
  const pB = ar.f32(K * N);
  // gemmTN also transposes A in slabs, right after the packed B.
  const pPack = ar.f32(packedFloats(K, N) + (variant === 'gemmTN' ? chunkFloats(k, M) : 0));
  const f = ar.f32view();
  f.set(out.subarray(outOff, outOff + M * N), pOut >> 2);
  f.set(a.subarray(aOff, aOff + M * K), pA >> 2);
  f.set(b.subarray(bOff, bOff + K * N), pB >> 2);
  k[variant](pOut, pA, pB, pPack, M, N, K);
  out.set(f.subarray(pOut >> 2, (pOut >> 2) + M * N), outOff);
}

/** out[M, N] += a[M, K] · b[K, N] */
export function gemmNN(out: F32, a: In, b: In, d: GemmDims, outOff = 0, aOff = 0, bOff = 0): void {
  run('gemmNN', out, a, b, d, outOff, aOff, bOff);
}

/** out[M, N] += a[M, K] · b[N, K]ᵀ */
export function gemmNT(out: F32, a: In, b: In, d: GemmDims, outOff = 0, aOff = 0, bOff = 0): void {
  run('gemmNT', out, a, b, d, outOff, aOff, bOff);
}

/** out[M, N] += a[K, M]ᵀ · b[K, N] */
export function gemmTN(out: F32, a: In, b: In, d: GemmDims, outOff = 0, aOff = 0, bOff = 0): void {
  run('gemmTN', out, a, b, d, outOff, aOff, bOff);
}
