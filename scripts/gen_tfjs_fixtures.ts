/**
 * Generates fixtures/tfjs/: TF.js layers models (model.json + weights.bin, saved by TF.js itself)
 * with seeded weights, and the outputs and final states TF.js computes for seeded inputs
 * (io.json), so the tests can check recur's Keras import without TensorFlow.
 *
 *   node --import tsx scripts/gen_tfjs_fixtures.ts
 *
 * Runs @tensorflow/tfjs 4.22.0 on its pure-JS CPU backend; deterministic (weights and inputs come
 * from recur's seeded Rng; layers have fixed names), and rewrites every fixture directory.
 *
 * Variable lengths: inputs are padded with zeros (features) or id 0 (tokens) and masked by a
 * Masking layer or Embedding(mask_zero). Cases: 'right' (right-padded), 'left' (left-padded),
 * 'holes' (right-padded, plus a masked step inside some samples), 'full' (no padding) and
 * 'unmasked_pads' (padded, but the model has no mask: every step runs).
 *
 * GRU reset_after=true: TF.js refuses to build it ("GRUCell does not support reset_after"), but
 * models converted from Keras (TF 2's default GRU) carry it. That fixture's model.json is the one
 * TF.js saves for the same stack with reset_after=false, with `reset_after: true` and the
 * [2, 3H] biases Keras stores; its reference outputs run TF.js's own RNN loop (masking,
 * go_backwards) around a cell that is Keras's GRUCell(reset_after=True).call, line for line.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../src/tensor/rng.ts';

const OUT = new URL('../fixtures/tfjs/', import.meta.url);
const B = 4;
const T = 6;
const D = 3;
const VOCAB = 12;
const LENGTHS = [6, 3, 1, 4];

type CaseKind = 'right' | 'left' | 'holes' | 'full' | 'unmasked_pads';

interface Stored {
  shape: number[];
  data: number[];
}

interface CaseOut {
  name: CaseKind;
  input: Stored;
  /** [B, T] 1 for an unmasked step (what the tests compare for sequence outputs). */
  mask: number[];
  output: Stored;
  /** Per recurrent layer, in layer order: TF.js's return_state tensors ([h, c] or [h], forward then backward). */
  states: { layer: string; tensors: Stored[] }[];
}

/** A layer of a fixture; `make(true)` builds the same layer with returnState (recurrent layers only). */
interface LayerDef {
  make: (returnState: boolean) => tf.layers.Layer;
  recurrent: boolean;
}

interface FixtureDef {
  name: string;
  description: string;
  input: 'features' | 'ids';
  functional: boolean;
  layers: LayerDef[];
  cases: CaseKind[];
}

const store = (t: tf.Tensor): Stored => ({ shape: t.shape.slice(), data: Array.from(t.dataSync()) });

function uniform(rng: Rng, n: number, lo: number, hi: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniformRange(lo, hi);
  return out;
}

/** Padded steps of sample b that hold data, for a case layout. */
function realSteps(kind: CaseKind, b: number): boolean[] {
  const len = kind === 'full' ? T : LENGTHS[b];
  const steps = Array.from({ length: T }, (_, t) => (kind === 'left' ? t >= T - len : t < len));
  if (kind === 'holes' && len >= 3) steps[1] = false; // a masked step inside the sequence
  return steps;
}

/** Seeded input [B, T, D] (features) or [B, T] (ids) for one case; pads are 0. */
function makeInput(def: FixtureDef, kind: CaseKind, rng: Rng): { x: tf.Tensor; mask: number[] } {
  const mask: number[] = [];
  const feats = def.input === 'features' ? D : 1;
  const data = new Float32Array(B * T * feats);
  for (let b = 0; b < B; b++) {
    const steps = realSteps(kind, b);
    for (let t = 0; t < T; t++) {
      mask.push(steps[t] || kind === 'unmasked_pads' ? 1 : 0);
      if (!steps[t]) continue;
      for (let f = 0; f < feats; f++) {
        data[(b * T + t) * feats + f] = def.input === 'features' ? rng.uniformRange(-1, 1) : 1 + rng.int(VOCAB - 1);
      }
    }
  }
  return { x: tf.tensor(data, def.input === 'features' ? [B, T, D] : [B, T]), mask };
}

/** Every weight drawn from the seeded generator (biases too, so their mapping is tested). */
function seedWeights(model: tf.LayersModel, rng: Rng): void {
  model.setWeights(
    model.weights.map((w) => {
      const shape = w.shape as number[]; // weights have fully known shapes
      return tf.tensor(uniform(rng, shape.reduce((a, b) => a * b, 1), -0.6, 0.6), shape);
    }),
  );
}

function inputOf(def: FixtureDef): tf.SymbolicTensor {
  return def.input === 'features' ? tf.input({ shape: [T, D], name: 'input' }) : tf.input({ shape: [T], name: 'input' });
}

async function saveArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('TF.js did not hand over the model artifacts');
  return saved;
}

/** model.json as tf.io.browserFiles / the converter write it, weights in one shard. */
function writeModel(dir: URL, topology: unknown, specs: tf.io.WeightsManifestEntry[], weights: ArrayBuffer): void {
  mkdirSync(dir, { recursive: true });
  const json = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs} (scripts/gen_tfjs_fixtures.ts)`,
    convertedBy: null,
    modelTopology: topology,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
  };
  writeFileSync(new URL('model.json', dir), `${JSON.stringify(json, null, 1)}\n`);
  writeFileSync(new URL('weights.bin', dir), new Uint8Array(weights));
}

async function generate(def: FixtureDef, seed: number): Promise<number> {
  const rng = new Rng(seed);
  const made = def.layers.map((l) => l.make(false));
  let model: tf.LayersModel;
  if (def.functional) {
    const inp = inputOf(def);
    let s: tf.SymbolicTensor = inp;
    for (const l of made) s = l.apply(s) as tf.SymbolicTensor;
    model = tf.model({ inputs: inp, outputs: s, name: def.name });
  } else {
    const seq = tf.sequential({ name: def.name });
    for (const l of made) seq.add(l);
    model = seq;
  }
  seedWeights(model, rng);

  const cases: CaseOut[] = [];
  for (const kind of def.cases) {
    const { x, mask } = makeInput(def, kind, rng);
    const y = model.predict(x) as tf.Tensor;
    const states: CaseOut['states'] = [];
    for (let k = 0; k < made.length; k++) {
      if (!def.layers[k].recurrent) continue;
      // The same layer with return_state, on the same inputs (and mask), sharing the weights.
      const inp = inputOf(def);
      let s: tf.SymbolicTensor = inp;
      for (let i = 0; i < k; i++) s = made[i].apply(s) as tf.SymbolicTensor;
      const twin = def.layers[k].make(true);
      const outs = twin.apply(s) as tf.SymbolicTensor[];
      twin.setWeights(made[k].getWeights());
      const probe = tf.model({ inputs: inp, outputs: outs.slice(1) });
      const st = probe.predict(x);
      states.push({ layer: made[k].name, tensors: (Array.isArray(st) ? st : [st]).map(store) });
    }
    cases.push({ name: kind, input: store(x), mask, output: store(y), states });
  }

  const art = await saveArtifacts(model);
  const dir = new URL(`${def.name}/`, OUT);
  writeModel(dir, art.modelTopology, art.weightSpecs ?? [], art.weightData as ArrayBuffer);
  writeIo(dir, def.name, def.description, def.input, cases);
  return cases.length;
}

function writeIo(dir: URL, name: string, description: string, input: 'features' | 'ids', cases: CaseOut[]): void {
  const io = { fixture: name, description, tfjs: tf.version.tfjs, input, cases };
  writeFileSync(new URL('io.json', dir), `${JSON.stringify(io)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Fixtures built and run by TF.js

const sig = { recurrentActivation: 'sigmoid' } as const; // TF.js defaults to hard_sigmoid

const FIXTURES: FixtureDef[] = [
  {
    name: 'simple_rnn_masking',
    description: 'Masking → SimpleRNN(5, relu, seq) → SimpleRNN(4, tanh) → Dense(3)',
    input: 'features',
    functional: false,
    layers: [
      { recurrent: false, make: () => tf.layers.masking({ maskValue: 0, inputShape: [T, D], name: 'masking' }) },
      { recurrent: true, make: (rs) => tf.layers.simpleRNN({ units: 5, activation: 'relu', returnSequences: true, returnState: rs, name: rs ? undefined : 'rnn_relu' }) },
      { recurrent: true, make: (rs) => tf.layers.simpleRNN({ units: 4, returnState: rs, name: rs ? undefined : 'rnn_tanh' }) },
      { recurrent: false, make: () => tf.layers.dense({ units: 3, name: 'head' }) },
    ],
    cases: ['right', 'left', 'holes', 'full'],
  },
  {
    name: 'lstm_stack',
    description: 'Masking → LSTM(4, seq) → LSTM(3) → Dense(2, softmax)',
    input: 'features',
    functional: false,
    layers: [
      { recurrent: false, make: () => tf.layers.masking({ maskValue: 0, inputShape: [T, D], name: 'masking' }) },
      { recurrent: true, make: (rs) => tf.layers.lstm({ units: 4, ...sig, returnSequences: true, returnState: rs, name: rs ? undefined : 'lstm_1' }) },
      { recurrent: true, make: (rs) => tf.layers.lstm({ units: 3, ...sig, returnState: rs, name: rs ? undefined : 'lstm_2' }) },
      { recurrent: false, make: () => tf.layers.dense({ units: 2, activation: 'softmax', name: 'head' }) },
    ],
    cases: ['right', 'left', 'holes'],
  },
  {
    name: 'lstm_functional_nomask',
    description: 'functional: Input → LSTM(4, seq, no bias) → TimeDistributed(Dense(2, tanh)); no mask',
    input: 'features',
    functional: true,
    layers: [
      { recurrent: true, make: (rs) => tf.layers.lstm({ units: 4, ...sig, useBias: false, returnSequences: true, returnState: rs, name: rs ? undefined : 'lstm' }) },
      { recurrent: false, make: () => tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2, activation: 'tanh', name: 'dense' }), name: 'per_step' }) },
    ],
    cases: ['full', 'unmasked_pads'],
  },
  {
    name: 'gru_reset_before',
    description: "Masking → GRU(4, seq, reset_after=false) → Bidirectional(GRU(3), 'sum') → Dense(1, sigmoid)",
    input: 'features',
    functional: false,
    layers: [
      { recurrent: false, make: () => tf.layers.masking({ maskValue: 0, inputShape: [T, D], name: 'masking' }) },
      { recurrent: true, make: (rs) => tf.layers.gru({ units: 4, ...sig, returnSequences: true, returnState: rs, name: rs ? undefined : 'gru' }) },
      {
        recurrent: true,
        make: (rs) =>
          tf.layers.bidirectional({ layer: tf.layers.gru({ units: 3, ...sig, returnState: rs }) as tf.RNN, mergeMode: 'sum', name: rs ? undefined : 'bi_gru' }),
      },
      { recurrent: false, make: () => tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'head' }) },
    ],
    cases: ['right', 'left', 'holes', 'full'],
  },
  {
    name: 'bilstm_embedding',
    description: 'Embedding(12, 5, mask_zero) → Bidirectional(LSTM(4, seq)) → Dropout(0.3) → Dense(3)',
    input: 'ids',
    functional: false,
    layers: [
      { recurrent: false, make: () => tf.layers.embedding({ inputDim: VOCAB, outputDim: 5, maskZero: true, inputLength: T, name: 'embedding' }) },
      {
        recurrent: true,
        make: (rs) =>
          tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 4, ...sig, returnSequences: true, returnState: rs }) as tf.RNN, name: rs ? undefined : 'bi_lstm' }),
      },
      { recurrent: false, make: () => tf.layers.dropout({ rate: 0.3, name: 'dropout' }) },
      { recurrent: false, make: () => tf.layers.dense({ units: 3, name: 'head' }) },
    ],
    cases: ['right', 'left', 'holes', 'full'],
  },
  {
    name: 'bi_simple_rnn',
    description: "Masking → Bidirectional(SimpleRNN(3, seq), 'ave') → Activation(tanh) → Bidirectional(SimpleRNN(2), 'mul') → Dense(2)",
    input: 'features',
    functional: false,
    layers: [
      { recurrent: false, make: () => tf.layers.masking({ maskValue: 0, inputShape: [T, D], name: 'masking' }) },
      {
        recurrent: true,
        make: (rs) =>
          tf.layers.bidirectional({ layer: tf.layers.simpleRNN({ units: 3, returnSequences: true, returnState: rs }) as tf.RNN, mergeMode: 'ave', name: rs ? undefined : 'bi_rnn_1' }),
      },
      { recurrent: false, make: () => tf.layers.activation({ activation: 'tanh', name: 'act' }) },
      {
        recurrent: true,
        make: (rs) => tf.layers.bidirectional({ layer: tf.layers.simpleRNN({ units: 2, returnState: rs }) as tf.RNN, mergeMode: 'mul', name: rs ? undefined : 'bi_rnn_2' }),
      },
      { recurrent: false, make: () => tf.layers.dense({ units: 2, name: 'head' }) },
    ],
    cases: ['right', 'holes'],
  },
];

// ---------------------------------------------------------------------------------------------
// GRU reset_after=true: Keras's cell inside TF.js's RNN loop

/** keras.layers.GRUCell(reset_after=True).call, for one step (gate blocks z, r, h). */
class KerasResetAfterGRUCell extends tf.layers.Layer {
  static readonly className = 'KerasResetAfterGRUCell';
  readonly stateSize: number;

  constructor(
    private readonly kernel: tf.Tensor2D, // [D, 3H]
    private readonly recurrentKernel: tf.Tensor2D, // [H, 3H]
    private readonly bias: tf.Tensor2D, // [2, 3H]: input bias, recurrent bias
  ) {
    super({});
    this.stateSize = recurrentKernel.shape[0];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
    return tf.tidy(() => {
      const [x, hTm1] = inputs as tf.Tensor2D[];
      const [inputBias, recurrentBias] = tf.unstack(this.bias);
      const matrixX = tf.add(tf.matMul(x, this.kernel), inputBias);
      const [xZ, xR, xH] = tf.split(matrixX, 3, -1);
      const matrixInner = tf.add(tf.matMul(hTm1, this.recurrentKernel), recurrentBias);
      const [recZ, recR, recH] = tf.split(matrixInner, 3, -1);
      const z = tf.sigmoid(tf.add(xZ, recZ));
      const r = tf.sigmoid(tf.add(xR, recR));
      const hh = tf.tanh(tf.add(xH, tf.mul(r, recH)));
      const h = tf.add(tf.mul(z, hTm1), tf.mul(tf.sub(1, z), hh));
      return [h, h];
    });
  }
}

/** tf.layers.rnn's cell type (RNNCell is not re-exported by @tensorflow/tfjs). */
type RNNCellArg = Parameters<typeof tf.layers.rnn>[0]['cell'];

/** One Keras GRU(reset_after=True) direction over x with a mask: [sequence output, final h]. */
function resetAfterGru(x: tf.Tensor, mask: tf.Tensor, w: tf.Tensor[], goBackwards: boolean): [tf.Tensor, tf.Tensor] {
  const cell = new KerasResetAfterGRUCell(w[0] as tf.Tensor2D, w[1] as tf.Tensor2D, w[2] as tf.Tensor2D);
  const layer = tf.layers.rnn({ cell: cell as unknown as RNNCellArg, returnSequences: true, returnState: true, goBackwards });
  const [y, h] = layer.apply(x, { mask }) as tf.Tensor[];
  return [y, h];
}

async function generateResetAfter(seed: number): Promise<number> {
  const name = 'gru_reset_after';
  const H1 = 4;
  const H2 = 3;
  // The same stack with reset_after=false gives the topology and weight names TF.js writes.
  const shape = tf.sequential({ name });
  shape.add(tf.layers.masking({ maskValue: 0, inputShape: [T, D], name: 'masking' }));
  shape.add(tf.layers.bidirectional({ layer: tf.layers.gru({ units: H1, ...sig, returnSequences: true }) as tf.RNN, name: 'bi_gru' }));
  shape.add(tf.layers.gru({ units: H2, ...sig, name: 'gru' }));
  shape.add(tf.layers.dense({ units: 2, name: 'head' }));
  const art = await saveArtifacts(shape);
  const topology = JSON.parse(JSON.stringify(art.modelTopology)) as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
  for (const l of topology.config.layers) {
    if (l.class_name === 'GRU') l.config.reset_after = true;
    if (l.class_name === 'Bidirectional') (l.config.layer as { config: Record<string, unknown> }).config.reset_after = true;
  }
  const rng = new Rng(seed);
  const specs = (art.weightSpecs ?? []).map((s) => {
    const isGruBias = s.name.endsWith('/bias') && (s.name.startsWith('bi_gru/') || s.name.startsWith('gru/'));
    return { ...s, shape: isGruBias ? [2, s.shape[0]] : s.shape };
  });
  const w = specs.map((s) => tf.tensor(uniform(rng, s.shape.reduce((a, b) => a * b, 1), -0.6, 0.6), s.shape));
  const bytes = new Uint8Array(w.reduce((n, t) => n + 4 * t.size, 0));
  let at = 0;
  for (const t of w) {
    bytes.set(new Uint8Array((t.dataSync() as Float32Array).slice().buffer), at);
    at += 4 * t.size;
  }
  const byName = new Map(specs.map((s, i) => [s.name, w[i]]));
  const pick = (prefix: string): tf.Tensor[] => ['kernel', 'recurrent_kernel', 'bias'].map((k) => {
    const hit = specs.find((s) => s.name.startsWith(prefix) && s.name.endsWith(`/${k}`));
    if (!hit) throw new Error(`no ${prefix}…/${k}`);
    return byName.get(hit.name) as tf.Tensor;
  });
  const fwd = pick('bi_gru/forward_');
  const bwd = pick('bi_gru/backward_');
  const uni = pick('gru/');
  const headK = byName.get('head/kernel') as tf.Tensor2D;
  const headB = byName.get('head/bias') as tf.Tensor1D;

  const def: FixtureDef = { name, description: '', input: 'features', functional: false, layers: [], cases: [] };
  const cases: CaseOut[] = [];
  for (const kind of ['right', 'left', 'holes', 'full'] as CaseKind[]) {
    const { x, mask } = makeInput(def, kind, rng);
    const m = tf.any(tf.notEqual(x, 0), -1); // Masking(0)
    const [yF, hF] = resetAfterGru(x, m, fwd, false);
    const [yB, hB] = resetAfterGru(x, m, bwd, true);
    const bi = tf.concat([yF, tf.reverse(yB, 1)], -1); // Bidirectional: backward output back in time order
    const [, h2] = resetAfterGru(bi, m, uni, false);
    const y = tf.add(tf.matMul(h2, headK), headB);
    cases.push({ name: kind, input: store(x), mask, output: store(y), states: [{ layer: 'bi_gru', tensors: [store(hF), store(hB)] }, { layer: 'gru', tensors: [store(h2)] }] });
  }
  const dir = new URL(`${name}/`, OUT);
  writeModel(dir, topology, specs, bytes.buffer);
  writeIo(dir, name, "Masking → Bidirectional(GRU(4, seq, reset_after=true)) → GRU(3, reset_after=true) → Dense(2); TF.js's RNN loop around Keras's reset_after=True cell", 'features', cases);
  return cases.length;
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  // Each fixture directory is rewritten whole; README.md stays.
  for (const name of [...FIXTURES.map((f) => f.name), 'gru_reset_after']) rmSync(new URL(`${name}/`, OUT), { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  let seed = 100;
  for (const def of FIXTURES) {
    const n = await generate(def, seed++);
    console.log(`${def.name}: ${n} cases`);
  }
  console.log(`gru_reset_after: ${await generateResetAfter(seed++)} cases`);
}

await main();
