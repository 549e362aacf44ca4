/**
 * KerasModel: a chain of Keras layers rebuilt from recur modules, with Keras's masking.
 *
 * Legend: B batch, T padded steps, D input features, V vocabulary, E embedding, H units,
 * dirs 1 or 2, F features of whatever flows between layers, N unmasked steps in all.
 *
 * Between layers flows one of
 *   ids     [B, T]       token ids (into the first layer, an Embedding)
 *   steps   [B, T, F]    every step real (no mask): recurrent layers run all T steps
 *   masked  PackedSequence [N, F] of the unmasked steps, plus where they sit in [B, T]
 *   vector  [B, F]       after a recurrent layer with return_sequences=false
 * A mask starts at Masking (a step is masked when all its features equal mask_value) or at an
 * Embedding with mask_zero (id 0), and lasts while sequences do, as in Keras. The model's output
 * is padded back to [B, T, F] with zeros at masked steps, or is [B, F].
 *
 * Modules are registered under the Keras layer names, so `stateDict()` reads e.g.
 * `lstm_1.weight_ih_l0`, `dense.weight`.
 */
import type { PackedSequence } from '../../data/packed.ts';
import { Dropout } from '../../layers/dropout.ts';
import { Embedding, embedding } from '../../layers/embedding.ts';
import { Linear } from '../../layers/linear.ts';
import { Module, type StateDict } from '../../layers/module.ts';
import { GRU, LSTM, RNN } from '../../layers/recurrent.ts';
import { relu, sigmoid, tanh, add, mul } from '../../tensor/elementwise.ts';
import { softmax } from '../../tensor/reduce.ts';
import { concat, reshape, slice } from '../../tensor/shape.ts';
import { Tensor, shapeStr } from '../../tensor/tensor.ts';
import { KerasImportError } from './errors.ts';
import { GRUResetBefore } from './gru-reset-before.ts';
import type { KerasActivation, KerasLayerSpec, KerasRecurrentSpec, MergeMode } from './layers.ts';
import { maskLayout, packMasked, unpackMasked, type MaskLayout } from './mask.ts';
import { kerasDenseToStateDict, kerasRecurrentToStateDict } from './weights.ts';

type RecurrentModule = RNN | LSTM | GRU | GRUResetBefore;

type Stage =
  | { kind: 'masking'; spec: Extract<KerasLayerSpec, { kind: 'masking' }> }
  | { kind: 'embedding'; spec: Extract<KerasLayerSpec, { kind: 'embedding' }>; module: Embedding }
  | { kind: 'recurrent'; spec: KerasRecurrentSpec; module: RecurrentModule }
  | { kind: 'dense'; spec: Extract<KerasLayerSpec, { kind: 'dense' }>; module: Linear }
  | { kind: 'dropout'; spec: Extract<KerasLayerSpec, { kind: 'dropout' }>; module: Dropout }
  | { kind: 'activation'; spec: Extract<KerasLayerSpec, { kind: 'activation' }> };

type Flow =
  | { kind: 'ids'; x: Tensor }
  | { kind: 'steps'; x: Tensor }
  | { kind: 'masked'; x: PackedSequence; mask: MaskLayout }
  | { kind: 'vector'; x: Tensor };

/** What the model takes: token ids [B, T] or features [B, T, D]. */
export type KerasModelInput = { kind: 'ids'; vocabSize: number } | { kind: 'features'; size: number };

/** Final state of one recurrent layer: h (and c for LSTM) [dirs, B, H], forward direction first. */
export interface KerasLayerState {
  layer: string;
  h: Tensor;
  c: Tensor | null;
}

export interface KerasForwardResult {
  /** [B, T, F] when the last layer returns sequences (zeros at masked steps), else [B, F]. */
  output: Tensor;
  /** [B, T] 1 at the steps Keras would compute (unmasked), when the output is a masked sequence. */
  mask: Uint8Array | null;
  /** Every recurrent layer's final state, in layer order (what Keras's return_state would give). */
  states: KerasLayerState[];
}

/** The weights stored under one Keras layer, by their last name segment ('kernel', 'bias', …). */
interface LayerWeights {
  direct: Map<string, Tensor>;
  forward: Map<string, Tensor>;
  backward: Map<string, Tensor>;
}

function collectWeights(all: Map<string, Tensor>, layer: string, used: Set<string>): LayerWeights {
  const out: LayerWeights = { direct: new Map(), forward: new Map(), backward: new Map() };
  for (const [name, t] of all) {
    if (!name.startsWith(`${layer}/`)) continue;
    used.add(name);
    const segs = name.slice(layer.length + 1).split('/');
    const leaf = segs[segs.length - 1];
    // Bidirectional stores 'forward_<inner>/…' and 'backward_<inner>/…' under its own name.
    const map = segs.length > 1 && segs[0].startsWith('forward_') ? out.forward : segs.length > 1 && segs[0].startsWith('backward_') ? out.backward : out.direct;
    if (map.has(leaf)) throw new KerasImportError(layer, `two weights end in '${leaf}' (${name} and another)`);
    map.set(leaf, t);
  }
  return out;
}

/** Takes the named weights out of `w` (null for optional ones that are absent); leftovers are an error. */
function takeWeights(w: Map<string, Tensor>, required: readonly string[], optional: readonly string[], layer: string, what: string): Map<string, Tensor | null> {
  const out = new Map<string, Tensor | null>();
  for (const k of [...required, ...optional]) {
    const t = w.get(k) ?? null;
    if (!t && required.includes(k)) {
      throw new KerasImportError(layer, `no ${what}weight '${k}' in the weights manifest (found: ${[...w.keys()].join(', ') || 'none'})`);
    }
    out.set(k, t);
  }
  const extra = [...w.keys()].filter((k) => !out.has(k));
  if (extra.length) throw new KerasImportError(layer, `unexpected ${what}weights ${extra.map((k) => `'${k}'`).join(', ')}`);
  return out;
}

function applyActivation(x: Tensor, a: KerasActivation): Tensor {
  switch (a) {
    case 'linear':
      return x;
    case 'relu':
      return relu(x);
    case 'sigmoid':
      return sigmoid(x);
    case 'tanh':
      return tanh(x);
    case 'softmax':
      return softmax(x, -1);
  }
}

/** Joins forward and backward features (last axis) as Bidirectional's merge_mode does. */
function merge(fwd: Tensor, bwd: Tensor, mode: MergeMode): Tensor {
  switch (mode) {
    case 'concat':
      return concat([fwd, bwd], fwd.ndim - 1);
    case 'sum':
      return add(fwd, bwd);
    case 'mul':
      return mul(fwd, bwd);
    case 'ave':
      return mul(add(fwd, bwd), 0.5);
  }
}

/** [.., 2H] recur bidirectional output → merged per merge_mode ('concat' is already the layout). */
function mergeSteps(x: Tensor, mode: MergeMode | null, H: number): Tensor {
  if (mode === null || mode === 'concat') return x;
  const a = x.ndim - 1;
  return merge(slice(x, a, 0, H), slice(x, a, H, 2 * H), mode);
}

/**
 * A Keras model rebuilt from recur modules; made by `loadTfjsModel`. In evaluation mode on creation.
 * @example
 * const model = loadTfjsModel(json, shards);
 * const { output, mask, states } = model.forward(x); // x: [B, T, D] features or [B, T] ids
 */
export class KerasModel extends Module {
  /** The Keras layers in order, as read from the topology (plain data). */
  readonly layers: readonly KerasLayerSpec[];
  readonly input: KerasModelInput;
  /** Names in the weights manifest that belong to no layer (e.g. optimizer state), not loaded. */
  readonly skippedWeights: readonly string[];
  private readonly stages: Stage[] = [];

  /** Builds recur modules for `layers` and fills them from `weights` (Keras names → Keras-layout tensors). */
  constructor(layers: readonly KerasLayerSpec[], weights: Map<string, Tensor>) {
    super();
    this.layers = layers;
    const used = new Set<string>();
    let width: number | null = null; // features flowing out of the previous layer (null: not yet known)
    let input: KerasModelInput | null = null;
    const need = (name: string, D: number): void => {
      if (width !== null && width !== D) throw new KerasImportError(name, `expects ${D} input features, the previous layer gives ${width}`);
      if (input === null) input = { kind: 'features', size: D };
    };
    for (const spec of layers) {
      const w = collectWeights(weights, spec.name, used);
      const key = spec.name.replace(/\./g, '_');
      switch (spec.kind) {
        case 'input':
          break;
        case 'masking':
          this.stages.push({ kind: 'masking', spec });
          break;
        case 'embedding': {
          if (this.stages.length > 0 || input !== null) throw new KerasImportError(spec.name, 'an Embedding is supported only as the first layer (it reads the token ids)');
          const t = takeWeights(w.direct, ['embeddings'], [], spec.name, '').get('embeddings') as Tensor;
          if (t.ndim !== 2 || t.shape[0] !== spec.inputDim || t.shape[1] !== spec.outputDim) {
            throw new KerasImportError(spec.name, `embeddings have shape ${shapeStr(t.shape)}, expected [${spec.inputDim}, ${spec.outputDim}] (input_dim, output_dim)`);
          }
          const module = this.registerModule(key, new Embedding({ numEmbeddings: spec.inputDim, embeddingDim: spec.outputDim, seed: 0 }));
          module.loadStateDict({ weight: new Tensor(t.data.slice(), t.shape) });
          this.stages.push({ kind: 'embedding', spec, module });
          input = { kind: 'ids', vocabSize: spec.inputDim };
          width = spec.outputDim;
          break;
        }
        case 'recurrent': {
          const module = this.registerModule(key, this.buildRecurrent(spec, w, (D) => need(spec.name, D)));
          this.stages.push({ kind: 'recurrent', spec, module });
          width = spec.mergeMode === 'concat' ? 2 * spec.units : spec.units;
          break;
        }
        case 'dense': {
          const t = takeWeights(w.direct, ['kernel'], spec.useBias ? ['bias'] : [], spec.name, '');
          if (spec.useBias && !t.get('bias')) throw new KerasImportError(spec.name, "use_bias=true but there is no weight 'bias'");
          const sd = kerasDenseToStateDict(t.get('kernel') as Tensor, t.get('bias') ?? null, spec.name);
          const [O, D] = sd.weight.shape;
          if (O !== spec.units) throw new KerasImportError(spec.name, `kernel has ${O} output columns, expected ${spec.units} (units)`);
          need(spec.name, D);
          const module = this.registerModule(key, new Linear({ inFeatures: D, outFeatures: O, bias: spec.useBias, seed: 0 }));
          module.loadStateDict(sd);
          this.stages.push({ kind: 'dense', spec, module });
          width = O;
          break;
        }
        case 'dropout':
          this.stages.push({ kind: 'dropout', spec, module: this.registerModule(key, new Dropout(spec.rate, { seed: 0 })) });
          break;
        case 'activation':
          this.stages.push({ kind: 'activation', spec });
          break;
      }
      if (spec.kind !== 'recurrent' && spec.kind !== 'dense' && spec.kind !== 'embedding' && w.direct.size + w.forward.size + w.backward.size > 0) {
        throw new KerasImportError(spec.name, `a ${spec.kind} layer has no weights, but the manifest has some under its name`);
      }
    }
    if (input === null) throw new KerasImportError('', 'the model has no Embedding, recurrent or Dense layer, so its input size is unknown');
    this.input = input;
    this.skippedWeights = [...weights.keys()].filter((n) => !used.has(n));
    this.eval();
  }

  private buildRecurrent(spec: KerasRecurrentSpec, w: LayerWeights, need: (D: number) => void): RecurrentModule {
    const bidirectional = spec.mergeMode !== null;
    const sources = bidirectional ? [w.forward, w.backward] : [w.direct];
    if (bidirectional && w.direct.size > 0) throw new KerasImportError(spec.name, `unexpected weights ${[...w.direct.keys()].join(', ')} outside forward_/backward_`);
    const sd: StateDict = {};
    let resetAfter = spec.resetAfter;
    let D = 0;
    sources.forEach((src, d) => {
      const what = bidirectional ? (d === 0 ? 'forward ' : 'backward ') : '';
      const t = takeWeights(src, ['kernel', 'recurrent_kernel'], ['bias'], spec.name, what);
      const bias = t.get('bias') ?? null;
      if (spec.useBias !== (bias !== null)) throw new KerasImportError(spec.name, `use_bias=${spec.useBias} but the manifest ${bias ? 'has' : 'has no'} ${what}bias`);
      if (spec.cell === 'gru') {
        if (bias) {
          const fromShape = bias.ndim === 2;
          if (resetAfter !== null && resetAfter !== fromShape) {
            throw new KerasImportError(spec.name, `reset_after=${resetAfter} but the bias has shape ${shapeStr(bias.shape)} (reset_after=true stores [2, 3*units], false [3*units])`);
          }
          resetAfter = fromShape;
        } else if (resetAfter === null) {
          throw new KerasImportError(spec.name, "GRU config has no 'reset_after' and no bias to tell it from; add reset_after to the config");
        }
      }
      Object.assign(sd, kerasRecurrentToStateDict({ kernel: t.get('kernel') as Tensor, recurrentKernel: t.get('recurrent_kernel') as Tensor, bias }, { cell: spec.cell, suffix: d === 0 ? '_l0' : '_l0_reverse', layer: spec.name }));
      const H = (t.get('recurrent_kernel') as Tensor).shape[0];
      if (H !== spec.units) throw new KerasImportError(spec.name, `recurrent_kernel has ${H} rows, expected ${spec.units} (units)`);
      D = (t.get('kernel') as Tensor).shape[0];
    });
    need(D);
    const opts = { inputSize: D, hiddenSize: spec.units, bidirectional, bias: spec.useBias, seed: 0 };
    let module: RecurrentModule;
    if (spec.cell === 'simple_rnn') module = new RNN({ ...opts, nonlinearity: spec.activation });
    else if (spec.cell === 'lstm') module = new LSTM(opts);
    else if (resetAfter) module = new GRU(opts);
    else module = new GRUResetBefore(opts);
    try {
      module.loadStateDict(sd);
    } catch (e) {
      throw new KerasImportError(spec.name, `weights do not fit: ${(e as Error).message}`);
    }
    return module;
  }

  /**
   * Runs the model as Keras does in inference (dropout off unless `train()` was called).
   * x: token ids [B, T] (integer values) when the model starts with an Embedding, else features
   * [B, T, D]. Masked steps are skipped exactly as Keras skips them.
   * @example
   * const { output, states } = model.forward(tensor(ids, [2, 5]));
   */
  forward(x: Tensor): KerasForwardResult {
    let flow: Flow;
    if (this.input.kind === 'ids') {
      if (x.ndim !== 2) throw new KerasImportError('', `input has shape ${shapeStr(x.shape)}, expected token ids [B, T]`);
      flow = { kind: 'ids', x };
    } else {
      const D = this.input.size;
      if ((x.ndim !== 3 && x.ndim !== 2) || x.shape[x.ndim - 1] !== D) {
        throw new KerasImportError('', `input has shape ${shapeStr(x.shape)}, expected [B, T, ${D}] (batch, steps, features)`);
      }
      flow = x.ndim === 3 ? { kind: 'steps', x } : { kind: 'vector', x };
    }
    const states: KerasLayerState[] = [];
    for (const stage of this.stages) flow = this.apply(stage, flow, states);
    if (flow.kind === 'masked') return { output: unpackMasked(flow.x, flow.mask), mask: flow.mask.mask, states };
    return { output: flow.x, mask: null, states };
  }

  private apply(stage: Stage, flow: Flow, states: KerasLayerState[]): Flow {
    const name = stage.spec.name;
    switch (stage.kind) {
      case 'embedding': {
        const ids = flow.x as Tensor;
        const [B, T] = ids.shape;
        const e = embedding(stage.module.weight, ids.data, [B, T]);
        if (!stage.spec.maskZero) return { kind: 'steps', x: e };
        const m = new Uint8Array(B * T);
        for (let k = 0; k < B * T; k++) m[k] = ids.data[k] !== 0 ? 1 : 0;
        const layout = maskLayout(m, B, T, name);
        return { kind: 'masked', x: packMasked(e, layout), mask: layout };
      }
      case 'masking': {
        if (flow.kind !== 'steps') {
          throw new KerasImportError(name, flow.kind === 'masked' ? 'a second mask on an already masked sequence is not supported' : 'Masking needs a sequence [B, T, F]');
        }
        const [B, T, F] = flow.x.shape;
        const v = stage.spec.maskValue;
        const m = new Uint8Array(B * T);
        for (let r = 0; r < B * T; r++) {
          for (let f = 0; f < F; f++) {
            if (flow.x.data[r * F + f] !== v) {
              m[r] = 1;
              break;
            }
          }
        }
        const layout = maskLayout(m, B, T, name);
        return { kind: 'masked', x: packMasked(flow.x, layout), mask: layout };
      }
      case 'recurrent':
        return this.applyRecurrent(stage.spec, stage.module, flow, states);
      case 'dense':
        return mapFeatures(flow, (t) => applyActivation(stage.module.forward(t), stage.spec.activation));
      case 'dropout':
        return mapFeatures(flow, (t) => stage.module.forward(t));
      case 'activation':
        return mapFeatures(flow, (t) => applyActivation(t, stage.spec.activation));
    }
  }

  private applyRecurrent(spec: KerasRecurrentSpec, module: RecurrentModule, flow: Flow, states: KerasLayerState[]): Flow {
    if (flow.kind !== 'steps' && flow.kind !== 'masked') {
      throw new KerasImportError(spec.name, `a recurrent layer needs a sequence [B, T, F], got ${flow.kind === 'vector' ? 'one vector per sample' : 'token ids'}`);
    }
    const H = spec.units;
    let r: { h: Tensor; c: Tensor | null };
    let next: Flow;
    if (flow.kind === 'steps') {
      const s = runSteps(module, flow.x);
      r = s;
      next = { kind: 'steps', x: mergeSteps(s.output, spec.mergeMode, H) };
    } else {
      const s = runPacked(module, flow.x);
      r = s;
      next = { kind: 'masked', x: s.output.withData(mergeSteps(s.output.data, spec.mergeMode, H)), mask: flow.mask };
    }
    const { h, c } = r;
    states.push({ layer: spec.name, h, c });
    if (spec.returnSequences) return next;
    const B = h.shape[1];
    const dir = (d: number): Tensor => reshape(slice(h, 0, d, d + 1), [B, H]);
    return { kind: 'vector', x: spec.mergeMode === null ? dir(0) : merge(dir(0), dir(1), spec.mergeMode) };
  }
}

/** A recurrent module over padded steps [B, T, D] (every step runs). */
function runSteps(m: RecurrentModule, x: Tensor): { output: Tensor; h: Tensor; c: Tensor | null } {
  if (m instanceof LSTM) return m.forward(x);
  if (m instanceof GRUResetBefore) return { ...m.forward(x), c: null };
  if (m instanceof GRU) return { ...m.forward(x), c: null };
  return { ...m.forward(x), c: null };
}

/** A recurrent module over packed unmasked steps. */
function runPacked(m: RecurrentModule, x: PackedSequence): { output: PackedSequence; h: Tensor; c: Tensor | null } {
  if (m instanceof LSTM) return m.forward(x);
  if (m instanceof GRUResetBefore) return { ...m.forward(x), c: null };
  if (m instanceof GRU) return { ...m.forward(x), c: null };
  return { ...m.forward(x), c: null };
}

/** Applies a per-feature-vector function to whatever flows (every step, or the vectors). */
function mapFeatures(flow: Flow, f: (x: Tensor) => Tensor): Flow {
  switch (flow.kind) {
    case 'steps':
    case 'vector':
      return { kind: flow.kind, x: f(flow.x) };
    case 'masked':
      return { kind: 'masked', x: flow.x.withData(f(flow.x.data)), mask: flow.mask };
    case 'ids':
      throw new KerasImportError('', 'token ids must go through an Embedding first');
  }
}
