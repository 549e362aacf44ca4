/**
 * The worker pool behind setThreads: persistent workers, each with its own instance of the
 * threaded kernels (kernels-mt.wasm) on the engine's shared memory, woken per job through
 * counters in that memory. worker_threads in Node; Web Workers in browsers, only where the page
 * is cross-origin isolated (SharedArrayBuffer). Elsewhere there is no pool and every job runs on
 * the calling thread.
 *
 * Protocol (i32 counters at CONTROL.pool, see POOL below):
 *   the caller writes up to two job records and their teams (first thread, size), sets DONE = 0,
 *   bumps SEQ and wakes sleepers; it runs thread 0 of the first team itself, then waits until
 *   every worker has added 1 to DONE. A worker that sees SEQ move runs its part of the team it
 *   belongs to (if any), adds 1 to DONE, and polls SEQ again: SPIN polls, then Atomics.wait.
 *   Inside a job, the threads of a team meet at spin-then-wait barriers (assembly/sync.ts):
 *   about a microsecond when both spin, against ~50 µs for a postMessage round trip.
 * Workers are unref'd (Node): an idle pool never keeps the process alive.
 */
import { CONTROL, type Engine, type Ptr } from './module.ts';

/** i32 slots of the pool's counters. */
const POOL = {
  SEQ: 0,
  DONE: 1,
  SLEEPERS: 2,
  READY: 3,
  /** Teams in the current dispatch (1 or 2), then per team: job record, first thread, size. */
  TEAMS: 4,
  TEAM0: 5,
} as const;

/** Polls of a counter before sleeping on it (a few hundred microseconds). */
const SPIN = 1 << 15;

export interface Team {
  /** Byte address of the job record. */
  job: Ptr;
  /** Threads, the first being `first` (the caller is thread 0). */
  first: number;
  size: number;
}

/** What a worker runs (Node: eval'd CommonJS; browser: a Blob URL). Plain JS, no imports. */
function workerBody(module: WebAssembly.Module, memory: WebAssembly.Memory, poolAt: number, id: number): void {
  const SEQ = 0;
  const DONE = 1;
  const SLEEPERS = 2;
  const READY = 3;
  const TEAMS = 4;
  const TEAM0 = 5;
  const SPIN_POLLS = 1 << 15;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const k = instance.exports as unknown as { runJob(job: number, tid: number): void; threadInit(w: number): void };
  k.threadInit(1);
  // The counters sit in the first page, which every later buffer of a growing shared memory keeps.
  const c = new Int32Array(memory.buffer, poolAt, 64);
  let seen = Atomics.load(c, SEQ);
  Atomics.add(c, READY, 1);
  Atomics.notify(c, READY);
  for (;;) {
    let polls = 0;
    while (Atomics.load(c, SEQ) === seen) {
      if (++polls < SPIN_POLLS) continue;
      Atomics.add(c, SLEEPERS, 1);
      Atomics.wait(c, SEQ, seen);
      Atomics.sub(c, SLEEPERS, 1);
      polls = 0;
    }
    seen = Atomics.load(c, SEQ);
    const teams = c[TEAMS];
    for (let t = 0; t < teams; t++) {
      const job = c[TEAM0 + 3 * t];
      const first = c[TEAM0 + 3 * t + 1];
      const size = c[TEAM0 + 3 * t + 2];
      if (id >= first && id < first + size) k.runJob(job, id - first);
    }
    Atomics.add(c, DONE, 1);
    Atomics.notify(c, DONE);
  }
}

interface WorkerHandle {
  terminate(): unknown;
}

type NodeWorkerCtor = new (
  src: string,
  opts: { eval: true; workerData: unknown; execArgv: string[] },
) => WorkerHandle & { unref(): void; on(event: 'error', fn: (e: unknown) => void): void };

/** Node's Worker class when running in Node (without a static import: browser bundles stay clean). */
function nodeWorkerClass(): NodeWorkerCtor | null {
  const p = (globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown } }).process;
  if (!p?.versions?.node || typeof p.getBuiltinModule !== 'function') return null;
  const wt = p.getBuiltinModule('node:worker_threads') as { Worker?: NodeWorkerCtor } | undefined;
  return wt?.Worker ?? null;
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function mayBlock(): boolean {
  return nodeWorkerClass() !== null;
}

/** Threads this machine has (Node: availableParallelism; browsers: hardwareConcurrency). */
export function hardwareThreads(): number {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof p?.getBuiltinModule === 'function') {
    const os = p.getBuiltinModule('node:os') as { availableParallelism?: () => number; cpus(): unknown[] };
    return os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  }
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

/** Threads may run here at all: shared memory exists (browsers: cross-origin isolated) and workers can start. */
export function threadsSupported(): boolean {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return false;
  if (nodeWorkerClass()) return true;
  const g = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean };
  return typeof g.Worker === 'function' && g.crossOriginIsolated === true;
}

export class ThreadPool {
  private readonly workers: WorkerHandle[] = [];
  private readonly c: Int32Array;
  private readonly block: boolean;
  private readonly poolAt: Ptr;
  /** A worker failed (reported on the event loop): from then on jobs run on the caller alone. */
  private broken = false;

  /** A pool of one thread (the caller); grow() adds workers. */
  constructor(readonly engine: Engine) {
    this.poolAt = engine.arena.control + CONTROL.pool;
    this.c = new Int32Array(engine.memory.buffer, this.poolAt, 64);
    this.c.fill(0);
    this.block = mayBlock();
    engine.k.threadInit(this.block ? 1 : 0);
  }

  /** Threads, the caller included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Every worker has started (browsers start them asynchronously; until then jobs run alone). */
  get ready(): boolean {
    return !this.broken && Atomics.load(this.c, POOL.READY) >= this.workers.length;
  }

  /**
   * Starts workers until the pool has n threads (never stops any: a worker that sees a job it is
   * not part of just reports done). Node: returns once they are ready.
   */
  grow(n: number): void {
    const { engine, poolAt } = this;
    const src = `(${workerBody.toString()})`;
    const NodeWorker = nodeWorkerClass();
    for (let id = this.size; id < n; id++) {
      if (NodeWorker) {
        const code = `const { workerData: d } = require('node:worker_threads'); ${src}(d.module, d.memory, d.poolAt, d.id);`;
        // execArgv: [] — the worker is plain CommonJS whatever flags started this process (--input-type=module…).
        const w = new NodeWorker(code, { eval: true, workerData: { module: engine.module, memory: engine.memory, poolAt, id }, execArgv: [] });
        w.on('error', () => void (this.broken = true));
        w.unref();
        this.workers.push(w);
      } else {
        const code = `onmessage = (e) => { const d = e.data; ${src}(d.module, d.memory, d.poolAt, d.id); };`;
        const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
        w.onerror = () => void (this.broken = true);
        w.postMessage({ module: engine.module, memory: engine.memory, poolAt, id });
        this.workers.push(w);
      }
    }
    if (this.block) {
      // Worker start-up (tens of milliseconds each) happens on their own threads: wait here.
      const deadline = Date.now() + 10_000;
      for (let r = Atomics.load(this.c, POOL.READY); r < this.workers.length; r = Atomics.load(this.c, POOL.READY)) {
        if (Date.now() > deadline) throw new Error(`recur: ${this.workers.length - r} worker threads did not start within 10 s`);
        Atomics.wait(this.c, POOL.READY, r, 100);
      }

    }
  }

  /**
   * Runs one or two teams at once: team 0 must start at thread 0 (the caller). Returns when every
   * thread of every team is done.
   */
  run(teams: readonly Team[]): void {
    const c = this.c;
    c[POOL.TEAMS] = teams.length;
    teams.forEach((t, i) => {
      c[POOL.TEAM0 + 3 * i] = t.job;
      c[POOL.TEAM0 + 3 * i + 1] = t.first;
      c[POOL.TEAM0 + 3 * i + 2] = t.size;
    });
    Atomics.store(c, POOL.DONE, 0);
    Atomics.add(c, POOL.SEQ, 1);
    if (Atomics.load(c, POOL.SLEEPERS) > 0) Atomics.notify(c, POOL.SEQ);
    this.engine.k.runJob(teams[0].job, 0);
    const workers = this.workers.length;
    let polls = 0;
    for (let d = Atomics.load(c, POOL.DONE); d < workers; d = Atomics.load(c, POOL.DONE)) {
      if (++polls < SPIN || !this.block) continue;
      Atomics.wait(c, POOL.DONE, d, 1);
    }
  }
}
