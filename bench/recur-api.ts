/**
 * What this build of recur offers the benchmark, found at run time so the bench keeps working while
 * the kernels change: which kernel backend is active, whether another can be selected by name, and
 * whether the public API has a thread-count setter.
 *
 * Looked up, in order:
 *   - public API (src/index.ts): `getBackend()` or `backend()` → { name }, `setBackend(name)`, `setThreads(n)`;
 *   - internal switch (src/kernels/backend.ts): the same getters, `setBackend(obj)` and the objects
 *     `jsBackend`, `wasmBackend`…, used only when the public API does not offer them.
 * Nothing here is typed `any`: every export is read as `unknown` and checked before use.
 */
import * as recur from '../src/index.ts';

type Exports = Readonly<Record<string, unknown>>;

function isFn(v: unknown): v is (arg?: unknown) => unknown {
  return typeof v === 'function';
}

function nameOf(b: unknown): string | null {
  return typeof b === 'object' && b !== null && 'name' in b && typeof b.name === 'string' ? b.name : null;
}

async function internalSwitch(): Promise<Exports | null> {
  // A computed path: the bench must not fail to compile if the internal file moves.
  const path = new URL('../src/kernels/backend.ts', import.meta.url).href;
  try {
    const m: unknown = await import(path);
    return typeof m === 'object' && m !== null ? (m as Exports) : null;
  } catch {
    return null;
  }
}

export interface RecurRuntime {
  /** Kernel backend active at start-up ('js' when recur has no backend switch). */
  readonly active: string;
  /** Backends that `use` can select (always includes `active`). */
  readonly backends: readonly string[];
  /** The public API exports `setThreads`. */
  readonly hasThreads: boolean;
  /** Selects a backend by name; false when it cannot be selected. */
  use(name: string): Promise<boolean>;
  /** Sets recur's thread count; false without `setThreads`. */
  setThreads(n: number): Promise<boolean>;
}

export async function recurRuntime(): Promise<RecurRuntime> {
  const pub: Exports = recur;
  const internal = await internalSwitch();
  const activeName = (): string => {
    for (const m of [pub, internal]) {
      for (const getter of ['getBackend', 'backend']) {
        const get = m?.[getter];
        const n = isFn(get) ? nameOf(get()) : null;
        if (n !== null) return n;
      }
    }
    return 'js';
  };
  const active = activeName();
  const startObject = isFn(internal?.['backend']) ? internal['backend']() : null;

  const use = async (name: string): Promise<boolean> => {
    if (activeName() === name) return true;
    const pubSet = pub['setBackend'];
    if (isFn(pubSet)) {
      try {
        await pubSet(name);
      } catch {
        // fall through to the internal switch
      }
      if (activeName() === name) return true;
    }
    const inSet = internal?.['setBackend'];
    // The internal module names its backend objects `${name}Backend` (jsBackend, wasmBackend).
    const target = name === active ? startObject : internal?.[`${name}Backend`];
    if (isFn(inSet) && nameOf(target) === name) {
      await inSet(target);
      return activeName() === name;
    }
    return false;
  };

  // Which names can be selected: try each candidate, then go back to the start-up backend.
  const backends = [active];
  for (const name of ['wasm', 'js']) {
    if (backends.includes(name)) continue;
    if (await use(name)) backends.push(name);
    await use(active);
  }

  const setThreadsFn = pub['setThreads'];
  return {
    active,
    backends,
    hasThreads: isFn(setThreadsFn),
    use,
    async setThreads(n: number): Promise<boolean> {
      if (!isFn(setThreadsFn)) return false;
      await setThreadsFn(n);
      return true;
    },
  };
}
