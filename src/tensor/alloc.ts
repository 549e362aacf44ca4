/**
 * Every Float32Array that recur's maths allocates goes through `alloc`, so that tests can count
 * allocations and prove that no time-step loop allocates (the count must not grow with T).
 */

let allocations = 0;
let allocatedFloats = 0;

/** A zero-filled Float32Array of n elements, counted. */
export function alloc(n: number): Float32Array {
  allocations++;
  allocatedFloats += n;
  return new Float32Array(n);
}

/** Allocation counters since the process started (or the last `resetAllocStats`). */
export function allocStats(): { allocations: number; floats: number } {
  return { allocations, floats: allocatedFloats };
}

export function resetAllocStats(): void {
  allocations = 0;
  allocatedFloats = 0;
}
