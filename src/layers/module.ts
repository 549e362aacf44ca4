/**
 * Module: a tree of named parameters and sub-modules, as torch.nn.Module.
 * Names join with '.' exactly as PyTorch's state_dict keys do (e.g. `lstm.weight_ih_l0`), so a
 * PyTorch state_dict saved as safetensors loads with `loadStateDict` unchanged.
 */
import type { Rng, RngState } from '../tensor/rng.ts';
import { Tensor, shapeStr } from '../tensor/tensor.ts';

export type StateDict = Record<string, Tensor>;

export abstract class Module {
  /** Training mode (dropout active) or evaluation mode. */
  training = true;
  private readonly ownParams: [string, Tensor][] = [];
  private readonly children: [string, Module][] = [];
  private readonly ownRngs: [string, Rng][] = [];

  /** Registers a parameter (a leaf tensor that requires grad) under `name`. */
  protected registerParameter(name: string, t: Tensor): Tensor {
    t.requiresGrad = true;
    this.ownParams.push([name, t]);
    return t;
  }

  /** Registers a random generator (dropout masks) so training can save and restore its state. */
  protected registerRng(name: string, rng: Rng): Rng {
    this.ownRngs.push([name, rng]);
    return rng;
  }

  /** Registers a sub-module under `name`. */
  protected registerModule<M extends Module>(name: string, m: M): M {
    this.children.push([name, m]);
    return m;
  }

  /** [name, parameter] pairs in registration order, PyTorch-style dotted names. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = this.ownParams.map(([n, t]) => [prefix + n, t]);
    for (const [n, m] of this.children) out.push(...m.namedParameters(`${prefix}${n}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Sub-modules with their dotted names (not including this one). */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [n, m] of this.children) {
      out.push([prefix + n, m]);
      out.push(...m.namedModules(`${prefix}${n}.`));
    }
    return out;
  }

  /** States of every registered generator by dotted name (for exact resume). */
  rngStates(prefix = ''): Record<string, RngState> {
    const out: Record<string, RngState> = {};
    for (const [n, r] of this.ownRngs) out[prefix + n] = r.getState();
    for (const [n, m] of this.children) Object.assign(out, m.rngStates(`${prefix}${n}.`));
    return out;
  }

  /** Restores generator states saved by `rngStates` (names must match). */
  loadRngStates(states: Record<string, RngState>, prefix = ''): void {
    for (const [n, r] of this.ownRngs) {
      const s = states[prefix + n];
      if (!s) throw new Error(`loadRngStates (${this.constructor.name}): no state for generator "${prefix + n}"`);
      r.setState(s);
    }
    for (const [n, m] of this.children) m.loadRngStates(states, `${prefix}${n}.`);
  }

  /** Sets training mode here and in every sub-module. */
  train(mode = true): this {
    this.training = mode;
    for (const [, m] of this.children) m.train(mode);
    return this;
  }

  /** Evaluation mode (same as `train(false)`). */
  eval(): this {
    return this.train(false);
  }

  /** Clears every parameter's gradient. */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Copies of all parameters by name. */
  stateDict(): StateDict {
    const out: StateDict = {};
    for (const [n, t] of this.namedParameters()) out[n] = new Tensor(t.data.slice(), t.shape);
    return out;
  }

  /**
   * Copies values into the parameters. Strict: every parameter must be present with its shape and
   * no unknown names may appear; all problems are listed in one error.
   * @example lstm.loadStateDict(loadSafetensors(bytes));
   */
  loadStateDict(dict: StateDict): void {
    const params = new Map(this.namedParameters());
    const missing = [...params.keys()].filter((n) => !(n in dict));
    const unexpected = Object.keys(dict).filter((n) => !params.has(n));
    const wrongShape: string[] = [];
    for (const [n, p] of params) {
      const t = dict[n];
      if (t && (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i]))) {
        wrongShape.push(`${n}: got ${shapeStr(t.shape)}, expected ${shapeStr(p.shape)}`);
      }
    }
    if (missing.length + unexpected.length + wrongShape.length > 0) {
      const parts: string[] = [];
      if (missing.length) parts.push(`missing: ${missing.join(', ')}`);
      if (unexpected.length) parts.push(`unexpected: ${unexpected.join(', ')}`);
      if (wrongShape.length) parts.push(`wrong shape: ${wrongShape.join('; ')}`);
      throw new Error(`loadStateDict (${this.constructor.name}): ${parts.join(' | ')}`);
    }
    for (const [n, p] of params) p.data.set(dict[n].data);
  }
}
