/**
 * Keras layer configs (as TF.js's model.json and Keras's own JSON write them, snake_case keys)
 * read into plain typed specs, and a model topology (Sequential or a functional Model that is a
 * single chain) read into the ordered list of its layers.
 *
 * Only the keys that change the forward computation are read and checked; initialisers,
 * regularisers, constraints, `trainable`, `dtype`, `implementation` and `unroll` do not, and are
 * not read. Every option recur cannot reproduce exactly is a KerasImportError here, before any
 * weight is touched.
 */
import { KerasImportError } from './errors.ts';
import { ConfigReader, isObject, type JsonObject } from './json.ts';

/** Activations of Dense / Activation layers that recur applies exactly. */
export type KerasActivation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
export type KerasCell = 'simple_rnn' | 'lstm' | 'gru';
/** How Bidirectional joins the forward and backward outputs (null, two outputs, is not supported). */
export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';

export interface KerasRecurrentSpec {
  kind: 'recurrent';
  /** Keras layer name (the Bidirectional wrapper's name when wrapped). */
  name: string;
  cell: KerasCell;
  units: number;
  /** Output activation: 'tanh', or 'relu' for SimpleRNN. Gates are always sigmoid. */
  activation: 'tanh' | 'relu';
  useBias: boolean;
  returnSequences: boolean;
  /** GRU only: reset gate after the recurrent matmul (PyTorch's GRU). null: not in the config, read from the bias shape. */
  resetAfter: boolean | null;
  /** Bidirectional wrapper's merge mode; null for a plain (forward) layer. */
  mergeMode: MergeMode | null;
  /** Keras's input and recurrent dropout rates: training-time only, not applied by recur. */
  dropout: number;
  recurrentDropout: number;
}

export type KerasLayerSpec =
  | { kind: 'input'; name: string }
  | { kind: 'masking'; name: string; maskValue: number }
  | { kind: 'embedding'; name: string; inputDim: number; outputDim: number; maskZero: boolean }
  | KerasRecurrentSpec
  | { kind: 'dense'; name: string; units: number; activation: KerasActivation; useBias: boolean }
  | { kind: 'dropout'; name: string; rate: number }
  | { kind: 'activation'; name: string; activation: KerasActivation };

const SUPPORTED =
  'InputLayer, Masking, Embedding, SimpleRNN, LSTM, GRU, Bidirectional(SimpleRNN | LSTM | GRU), Dense, TimeDistributed(Dense), Dropout, Activation';
const RECURRENT: Record<string, KerasCell> = { SimpleRNN: 'simple_rnn', LSTM: 'lstm', GRU: 'gru' };
const ACTIVATIONS: readonly KerasActivation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];

/** An activation as Keras serialises it: a name, or (Keras 3) an object around the name. */
function activationName(r: ConfigReader, key: string, fallback: string): string {
  const v = r.raw[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'string') return v;
  if (isObject(v) && typeof v.config === 'string') return v.config;
  if (isObject(v) && isObject(v.config) && typeof v.config.name === 'string') return v.config.name;
  return r.fail(key, 'an activation name');
}

function readActivation(r: ConfigReader, key: string): KerasActivation {
  const a = activationName(r, key, 'linear');
  if (!(ACTIVATIONS as readonly string[]).includes(a)) r.fail(key, `one of ${ACTIVATIONS.join(', ')} (the activations recur applies exactly)`);
  return a as KerasActivation;
}

/** A layer entry { class_name, config } of a topology. */
function entryParts(entry: unknown, where: string): { className: string; config: JsonObject; name: string } {
  if (!isObject(entry) || typeof entry.class_name !== 'string' || !isObject(entry.config)) {
    throw new KerasImportError('', `${where}: expected a layer entry { "class_name": ..., "config": {...} }`);
  }
  const config = entry.config;
  const name = typeof config.name === 'string' ? config.name : typeof entry.name === 'string' ? entry.name : '';
  if (!name) throw new KerasImportError('', `${where}: layer of class '${entry.class_name}' has no name`);
  return { className: entry.class_name, config, name };
}

function readRecurrent(className: string, config: JsonObject, name: string, mergeMode: MergeMode | null): KerasRecurrentSpec {
  const cell = RECURRENT[className];
  const r = new ConfigReader(config, name, `${className} config`);
  if (r.bool('return_state', false)) {
    throw new KerasImportError(name, `return_state=true is not supported: a layer feeds one output to the next; recur's KerasModel.forward returns every recurrent layer's final state anyway (result.states)`);
  }
  if (r.bool('stateful', false)) {
    throw new KerasImportError(name, 'stateful=true is not supported: pass the state explicitly with the recur layer (forward(x, { h, c }))');
  }
  if (r.bool('time_major', false)) throw new KerasImportError(name, 'time_major=true is not supported (inputs are batch-major [B, T, D])');
  if (mergeMode === null && r.bool('go_backwards', false)) {
    throw new KerasImportError(name, 'go_backwards=true outside Bidirectional is not supported (its output runs in reversed time); wrap the layer in Bidirectional or reverse the inputs yourself');
  }
  const act = activationName(r, 'activation', 'tanh');
  const allowed = cell === 'simple_rnn' ? ['tanh', 'relu'] : ['tanh'];
  if (!allowed.includes(act)) {
    r.fail('activation', `${allowed.map((a) => `'${a}'`).join(' or ')} (the ${cell === 'simple_rnn' ? 'nonlinearities of torch.nn.RNN' : 'activation of PyTorch-style cells'})`);
  }
  if (cell !== 'simple_rnn') {
    if (!r.has('recurrent_activation')) {
      throw new KerasImportError(name, `${className} config has no 'recurrent_activation' (its default differs between Keras versions: 'sigmoid' in TF 2, 'hard_sigmoid' in TF.js and Keras < 2.3); expected 'sigmoid'`);
    }
    const ra = activationName(r, 'recurrent_activation', 'sigmoid');
    if (ra !== 'sigmoid') {
      const hint = ra === 'hard_sigmoid' || ra === 'hardSigmoid' ? ` ('hard_sigmoid' is TF.js's default: build the layer with recurrentActivation: 'sigmoid')` : '';
      r.fail('recurrent_activation', `'sigmoid' (the gate activation of PyTorch-style cells)${hint}`);
    }
  }
  return {
    kind: 'recurrent',
    name,
    cell,
    units: r.positiveInt('units'),
    activation: act as 'tanh' | 'relu',
    useBias: r.bool('use_bias', true),
    returnSequences: r.bool('return_sequences', false),
    resetAfter: cell === 'gru' ? r.optionalBool('reset_after') : null,
    mergeMode,
    dropout: r.number('dropout', 0),
    recurrentDropout: r.number('recurrent_dropout', 0),
  };
}

function readBidirectional(config: JsonObject, name: string): KerasRecurrentSpec {
  const r = new ConfigReader(config, name, 'Bidirectional config');
  const mode = r.nullableString('merge_mode', 'concat');
  if (mode === null || !['concat', 'sum', 'mul', 'ave'].includes(mode)) {
    r.fail('merge_mode', "'concat', 'sum', 'mul' or 'ave' (merge_mode null returns two outputs, which a chain cannot carry)");
  }
  const inner = entryParts(r.object('layer'), `Bidirectional '${name}'`);
  if (!(inner.className in RECURRENT)) {
    throw new KerasImportError(name, `Bidirectional wraps a '${inner.className}'; supported: SimpleRNN, LSTM, GRU`);
  }
  if (new ConfigReader(inner.config, name, `${inner.className} config`).bool('go_backwards', false)) {
    throw new KerasImportError(name, 'Bidirectional around a go_backwards=true layer is not supported (its directions are swapped)');
  }
  const spec = readRecurrent(inner.className, inner.config, name, mode as MergeMode);
  if (config.backward_layer !== undefined && config.backward_layer !== null) {
    // Keras allows a different backward layer; recur's bidirectional layers share one configuration.
    const back = entryParts(config.backward_layer, `Bidirectional '${name}' backward_layer`);
    const b = back.className in RECURRENT ? readRecurrent(back.className, { ...back.config, go_backwards: false }, name, mode as MergeMode) : null;
    const same =
      b !== null && b.cell === spec.cell && b.units === spec.units && b.activation === spec.activation && b.useBias === spec.useBias &&
      b.returnSequences === spec.returnSequences && b.resetAfter === spec.resetAfter;
    if (!same) throw new KerasImportError(name, 'backward_layer differs from the forward layer (class, units, activation, use_bias, return_sequences or reset_after); recur needs the two to match');
  }
  return spec;
}

/** One layer entry of a topology as a spec. */
export function readLayer(entry: unknown, where: string): KerasLayerSpec {
  const { className, config, name } = entryParts(entry, where);
  const r = new ConfigReader(config, name, `${className} config`);
  switch (className) {
    case 'InputLayer':
      if (r.bool('ragged', false) || r.bool('sparse', false)) throw new KerasImportError(name, 'ragged or sparse inputs are not supported; pass a padded tensor and mask it (Masking or mask_zero)');
      return { kind: 'input', name };
    case 'Masking':
      return { kind: 'masking', name, maskValue: r.number('mask_value', 0) };
    case 'Embedding':
      return { kind: 'embedding', name, inputDim: r.positiveInt('input_dim'), outputDim: r.positiveInt('output_dim'), maskZero: r.bool('mask_zero', false) };
    case 'SimpleRNN':
    case 'LSTM':
    case 'GRU':
      return readRecurrent(className, config, name, null);
    case 'Bidirectional':
      return readBidirectional(config, name);
    case 'Dense':
      return { kind: 'dense', name, units: r.positiveInt('units'), activation: readActivation(r, 'activation'), useBias: r.bool('use_bias', true) };
    case 'TimeDistributed': {
      const inner = entryParts(r.object('layer'), `TimeDistributed '${name}'`);
      if (inner.className !== 'Dense') throw new KerasImportError(name, `TimeDistributed wraps a '${inner.className}'; only Dense is supported`);
      const ir = new ConfigReader(inner.config, name, 'Dense config');
      return { kind: 'dense', name, units: ir.positiveInt('units'), activation: readActivation(ir, 'activation'), useBias: ir.bool('use_bias', true) };
    }
    case 'Dropout': {
      if (r.has('noise_shape')) throw new KerasImportError(name, 'Dropout with a noise_shape is not supported (recur drops elements independently)');
      const rate = r.number('rate', 0);
      if (!(rate >= 0 && rate < 1)) r.fail('rate', 'a number in [0, 1)');
      return { kind: 'dropout', name, rate };
    }
    case 'Activation':
      return { kind: 'activation', name, activation: readActivation(r, 'activation') };
    default:
      throw new KerasImportError(name, `layer class '${className}' is not supported (supported: ${SUPPORTED})`);
  }
}

/** Names of the layers feeding each inbound node, in Keras 2 / TF.js form or Keras 3 form. */
function inboundNodes(entry: JsonObject, name: string): string[][] {
  const nodes = entry.inbound_nodes;
  if (nodes === undefined || nodes === null) return [];
  if (!Array.isArray(nodes)) throw new KerasImportError(name, "'inbound_nodes' is not an array");
  return nodes.map((node): string[] => {
    if (Array.isArray(node)) {
      // Keras 2 / TF.js: [[layerName, nodeIndex, tensorIndex, kwargs], ...]
      return node.map((inp): string => {
        if (!Array.isArray(inp) || typeof inp[0] !== 'string') throw new KerasImportError(name, `unreadable inbound node ${JSON.stringify(inp)}`);
        if (inp[2] !== 0) throw new KerasImportError(name, `takes output ${String(inp[2])} of '${inp[0]}'; only single-output layers are supported`);
        const kwargs: unknown = inp[3];
        if (isObject(kwargs) && (kwargs.initial_state !== undefined || kwargs.constants !== undefined)) {
          throw new KerasImportError(name, 'an initial_state (or constants) input from the graph is not supported');
        }
        return inp[0];
      });
    }
    if (isObject(node) && Array.isArray(node.args)) {
      // Keras 3: { args: [{ class_name: '__keras_tensor__', config: { keras_history: [layerName, n, t] } }], kwargs }
      if (isObject(node.kwargs) && (node.kwargs.initial_state !== undefined || node.kwargs.mask !== undefined)) {
        throw new KerasImportError(name, 'an initial_state or mask input from the graph is not supported');
      }
      return node.args.map((a): string => {
        const hist = isObject(a) && isObject(a.config) ? a.config.keras_history : undefined;
        if (!Array.isArray(hist) || typeof hist[0] !== 'string') throw new KerasImportError(name, 'takes an input that is not a layer output (only chains of layers are supported)');
        return hist[0];
      });
    }
    throw new KerasImportError(name, `unreadable inbound node ${JSON.stringify(node)}`);
  });
}

/** `[[name, 0, 0]]` (Keras 2 / TF.js) or `[name, 0, 0]` (Keras 3) → the layer names. */
function endpointNames(v: unknown, key: string): string[] {
  if (!Array.isArray(v)) throw new KerasImportError('', `functional model config has no '${key}' list`);
  if (typeof v[0] === 'string') return [v[0]];
  return v.map((e): string => {
    if (!Array.isArray(e) || typeof e[0] !== 'string') throw new KerasImportError('', `functional model '${key}' entry ${JSON.stringify(e)} is unreadable`);
    return e[0];
  });
}

/** The layers of a functional model in order, from its one input to its one output. */
function readFunctional(config: JsonObject): KerasLayerSpec[] {
  const entries = new ConfigReader(config, '', 'functional model config').array('layers');
  const byName = new Map<string, JsonObject>();
  for (const e of entries) {
    const { name } = entryParts(e, 'functional model');
    byName.set(name, e as JsonObject);
  }
  const inputs = endpointNames(config.input_layers, 'input_layers');
  const outputs = endpointNames(config.output_layers, 'output_layers');
  if (inputs.length !== 1 || outputs.length !== 1) {
    throw new KerasImportError('', `functional model has ${inputs.length} inputs and ${outputs.length} outputs; only one input and one output are supported`);
  }
  const chain: string[] = [];
  let at = outputs[0];
  for (;;) {
    const e = byName.get(at);
    if (!e) throw new KerasImportError('', `functional model refers to a layer '${at}' it does not define`);
    chain.unshift(at);
    if (at === inputs[0]) break;
    const nodes = inboundNodes(e, at);
    if (nodes.length !== 1 || nodes[0].length !== 1) {
      throw new KerasImportError(at, `is called ${nodes.length} times with ${nodes.map((n) => n.length).join('/') || 0} inputs; only a single chain of layers (each called once on one input) is supported`);
    }
    at = nodes[0][0];
    if (chain.includes(at)) throw new KerasImportError(at, 'the functional graph has a cycle');
  }
  if (chain.length !== byName.size) {
    const extra = [...byName.keys()].filter((n) => !chain.includes(n));
    throw new KerasImportError('', `functional model is not a single chain: layers ${extra.map((n) => `'${n}'`).join(', ')} are off the path from '${inputs[0]}' to '${outputs[0]}'`);
  }
  return chain.map((n) => readLayer(byName.get(n), 'functional model'));
}

/**
 * The ordered layers of a Keras topology: `{ class_name: 'Sequential' | 'Model' | 'Functional', config }`
 * (or a converter's `{ model_config: ... }` around it).
 */
export function readTopology(topology: unknown): KerasLayerSpec[] {
  if (!isObject(topology)) throw new KerasImportError('', 'model topology: expected an object { "class_name": ..., "config": ... }');
  if (isObject(topology.model_config)) return readTopology(topology.model_config);
  const cls = topology.class_name;
  const config = topology.config;
  let specs: KerasLayerSpec[];
  if (cls === 'Sequential') {
    // Keras ≥ 2.2 and TF.js: { name, layers: [...] }; Keras 2.0/2.1: the list itself.
    const list = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : null;
    if (!list) throw new KerasImportError('', "Sequential model config has no 'layers' list");
    specs = list.map((e) => readLayer(e, 'Sequential model'));
  } else if (cls === 'Model' || cls === 'Functional') {
    if (!isObject(config)) throw new KerasImportError('', 'functional model has no config object');
    specs = readFunctional(config);
  } else {
    throw new KerasImportError('', `model class '${String(cls)}' is not supported (a Sequential model, or a functional Model that is one chain of layers)`);
  }
  const names = new Set<string>();
  for (const s of specs) {
    if (names.has(s.name)) throw new KerasImportError(s.name, 'the name is used by two layers');
    names.add(s.name);
  }
  return specs;
}
