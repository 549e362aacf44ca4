/**
 * How the threads of one job share work and meet. Built twice (assembly/build.ts): without
 * `--enable threads` every barrier is a no-op and every share is the whole range (the module runs
 * on one thread); with it, the same code runs on a team of threads over one shared memory.
 *
 * Work is shared out in blocks: thread `tid` of `nt` takes blocks ⌊blocks·tid/nt⌋ … ⌊blocks·(tid+1)/nt⌋.
 * Units (hidden indices) go in blocks of 16, one packed panel, so a thread owns whole panels of
 * every gate and the pointwise cell step of its own units needs nothing from the others.
 *
 * Barrier (i32 [3] at `bar`: arrivals, generation, sleepers): the last thread to arrive resets
 * the count and bumps the generation; the others spin on the generation, and after SPIN polls
 * sleep in memory.atomic.wait (where this thread may block: not a browser's main thread). A
 * sleeper registers first, so the last arrival calls notify only when someone sleeps.
 */

/** Polls of the generation before sleeping: a few hundred microseconds. */
const SPIN: i32 = 1 << 17;

/** This instance's thread may block in atomic.wait (a wasm global: one per instance, so per thread). */
let canWait: bool = true;

/** Called once per instance: whether this thread may sleep in atomic.wait. */
export function threadInit(mayWait: i32): void {
  canWait = mayWait != 0;
}

/** First block of thread tid's share of `blocks` among nt threads. */
@inline export function shareStart(blocks: i32, tid: i32, nt: i32): i32 {
  return <i32>((<i64>blocks * <i64>tid) / <i64>nt);
}

/** All nt threads of a team arrive before any leaves. */
export function barrier(bar: usize, nt: i32): void {
  if (!ASC_FEATURE_THREADS || nt <= 1) return;
  if (ASC_FEATURE_THREADS) {
    const gen = atomic.load<i32>(bar, 4);
    if (atomic.add<i32>(bar, 1) == nt - 1) {
      atomic.store<i32>(bar, 0);
      atomic.store<i32>(bar, gen + 1, 4);
      if (atomic.load<i32>(bar, 8) > 0) atomic.notify(bar + 4, nt);
      return;
    }
    let polls = 0;
    while (atomic.load<i32>(bar, 4) == gen) {
      if (++polls < SPIN || !canWait) continue;
      atomic.add<i32>(bar, 1, 8);
      atomic.wait<i32>(bar + 4, gen, -1);
      atomic.sub<i32>(bar, 1, 8);
    }
  }
}
