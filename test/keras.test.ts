// Keras / TF.js weights in, checked against fixtures/tfjs (made by scripts/gen_tfjs_fixtures.ts
// with TF.js 4.22.0 itself): outputs and every recurrent layer's final states within 1e-5, over
// right-padded, left-padded, holed and full batches. Then the layer-level loaders, the
// GRUResetBefore gradients, the errors for what recur does not support, and PyTorch state_dicts
// with a module prefix (fixtures/rnn).
import { readFileSync, readdirSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PackedSequence } from '../src/data/packed.ts';
import {
  GRUResetBefore, KerasImportError, KerasModel, decodeWeights, kerasRecurrentToStateDict, loadKerasWeights, loadTfjsModel,
} from '../src/io/keras.ts';
import { PyTorchImportError, fromPyTorchStateDict, loadPyTorchStateDict } from '../src/io/pytorch.ts';
import { readSafetensors } from '../src/io/safetensors.ts';
import { Embedding } from '../src/layers/embedding.ts';
import { Linear } from '../src/layers/linear.ts';
import { GRU, LSTM } from '../src/layers/recurrent.ts';
import { Rng } from '../src/tensor/rng.ts';
import { Tensor } from '../src/tensor/tensor.ts';
import { tensor } from '../src/tensor/create.ts';
import { sum } from '../src/tensor/reduce.ts';
import { gradCheck } from './gradcheck.ts';

const ATOL = 1e-5;
const dir = new URL('../fixtures/tfjs/', import.meta.url);
const fixtures = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

interface Stored {
  shape: number[];
  data: number[];
}
interface IoCase {
  name: string;
  input: Stored;
  mask: number[];
  output: Stored;
  states: { layer: string; tensors: Stored[] }[];
}
interface Io {
  fixture: string;
  input: 'features' | 'ids';
  cases: IoCase[];
}

type ModelJson = Record<string, unknown> & { modelTopology: { config: { layers: { class_name: string; config: Record<string, unknown> }[] } } };

function readFixture(name: string): { json: ModelJson; bin: Uint8Array; io: Io } {
  const d = new URL(`${name}/`, dir);
  return {
    json: JSON.parse(readFileSync(new URL('model.json', d), 'utf8')) as ModelJson,
    bin: readFileSync(new URL('weights.bin', d)),
    io: JSON.parse(readFileSync(new URL('io.json', d), 'utf8')) as Io,
  };
}

const toTensor = (s: Stored): Tensor => tensor(Float32Array.from(s.data), s.shape);

/** max |a − e| over the entries where `keep` holds; asserts each is within ATOL. */
function maxDelta(a: ArrayLike<number>, e: ArrayLike<number>, what: string, keep: (i: number) => boolean = () => true): number {
  assert.equal(a.length, e.length, `${what}: length`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    if (!keep(i)) continue;
    const d = Math.abs(a[i] - e[i]);
    assert.ok(d <= ATOL, `${what}[${i}]: got ${a[i]}, expected ${e[i]} (|Δ| ${d.toExponential(2)})`);
    m = Math.max(m, d);
  }
  return m;
}

const worst = new Map<string, number>();
after(() => {
  const lines = [...worst].map(([k, v]) => `  ${k.padEnd(24)} max |Δ| ${v.toExponential(2)}`);
  console.log(`TF.js fixtures vs recur:\n${lines.join('\n')}`);
});

describe('TF.js fixtures', () => {
  for (const name of fixtures) {
    test(name, () => {
      const { json, bin, io } = readFixture(name);
      const model = loadTfjsModel(json, bin);
      assert.equal(model.input.kind, io.input);
      let m = 0;
      for (const c of io.cases) {
        const r = model.forward(toTensor(c.input));
        assert.deepEqual(r.output.shape, c.output.shape, `${name}/${c.name}: output shape`);
        // Sequence outputs: compare the steps Keras computes (unmasked); TF.js carries the previous
        // output through masked steps where recur writes zeros.
        const F = c.output.shape[2] ?? 1;
        const seq = c.output.shape.length === 3;
        m = Math.max(m, maxDelta(r.output.data, c.output.data, `${name}/${c.name} output`, (i) => !seq || c.mask[Math.floor(i / F)] === 1));
        if (seq) r.output.data.forEach((v, i) => c.mask[Math.floor(i / F)] === 0 && assert.equal(v, 0, `${name}/${c.name}: output at masked step`));
        if (seq && c.mask.includes(0)) {
          assert.ok(r.mask, `${name}/${c.name}: a masked sequence output reports its mask`);
          assert.deepEqual(Array.from(r.mask as Uint8Array), c.mask);
        }
        assert.equal(r.states.length, c.states.length, `${name}/${c.name}: one state per recurrent layer`);
        c.states.forEach((s, k) => {
          const ours = r.states[k];
          assert.equal(ours.layer, s.layer);
          const dirs = ours.h.shape[0];
          const H = ours.h.shape[2];
          const per = ours.c ? 2 : 1;
          assert.equal(s.tensors.length, dirs * per, `${s.layer}: TF.js gives ${s.tensors.length} state tensors`);
          for (let d = 0; d < dirs; d++) {
            const at = (t: Tensor): Float32Array => {
              const out = new Float32Array(t.shape[1] * H);
              for (let b = 0; b < t.shape[1]; b++) out.set(t.data.subarray((d * t.shape[1] + b) * H, (d * t.shape[1] + b + 1) * H), b * H);
              return out;
            };
            m = Math.max(m, maxDelta(at(ours.h), s.tensors[d * per].data, `${name}/${c.name} ${s.layer} h[${d}]`));
            if (ours.c) m = Math.max(m, maxDelta(at(ours.c), s.tensors[d * per + 1].data, `${name}/${c.name} ${s.layer} c[${d}]`));
          }
        });
      }
      worst.set(name, m);
    });
  }

  test('fixture set covers every supported family', () => {
    for (const f of ['simple_rnn_masking', 'lstm_stack', 'lstm_functional_nomask', 'gru_reset_before', 'gru_reset_after', 'bilstm_embedding', 'bi_simple_rnn']) {
      assert.ok(fixtures.includes(f), `missing fixture ${f} (run scripts/gen_tfjs_fixtures.ts)`);
    }
  });

  test('reset_after picks the module: GRU (PyTorch GRU) for true, GRUResetBefore for false', () => {
    const after_ = readFixture('gru_reset_after');
    const before = readFixture('gru_reset_before');
    const mods = (m: KerasModel): string[] => m.namedModules().map(([, x]) => x.constructor.name);
    assert.deepEqual(mods(loadTfjsModel(after_.json, after_.bin)), ['GRU', 'GRU', 'Linear']);
    assert.deepEqual(mods(loadTfjsModel(before.json, before.bin)), ['GRUResetBefore', 'GRUResetBefore', 'Linear']);
  });

  test('parameters are named by Keras layer and PyTorch parameter; shards may come split', () => {
    const { json, bin } = readFixture('bilstm_embedding');
    // The same bytes cut into three shards in order load the same.
    const model = loadTfjsModel(json, [bin.subarray(0, 100), bin.subarray(100, 1000), bin.subarray(1000)]);
    assert.deepEqual(Object.keys(model.stateDict()), [
      'embedding.weight',
      'bi_lstm.weight_ih_l0', 'bi_lstm.weight_hh_l0', 'bi_lstm.bias_ih_l0', 'bi_lstm.bias_hh_l0',
      'bi_lstm.weight_ih_l0_reverse', 'bi_lstm.weight_hh_l0_reverse', 'bi_lstm.bias_ih_l0_reverse', 'bi_lstm.bias_hh_l0_reverse',
      'head.weight', 'head.bias',
    ]);
    // Keras has one bias per gate: it lands in b_ih, b_hh is zero.
    assert.ok(model.stateDict()['bi_lstm.bias_hh_l0'].data.every((v) => v === 0));
    assert.ok(model.stateDict()['bi_lstm.bias_ih_l0'].data.some((v) => v !== 0));
    assert.deepEqual(model.skippedWeights, []);
  });

  test('gradients flow back to the inputs through the mask, none to masked steps', () => {
    const { json, bin, io } = readFixture('gru_reset_before');
    const model = loadTfjsModel(json, bin);
    const c = io.cases.find((k) => k.name === 'holes') as IoCase;
    const x = toTensor(c.input);
    x.requiresGrad = true;
    const r = model.forward(x);
    sum(r.output).backward();
    const g = x.grad as Tensor;
    for (let i = 0; i < c.mask.length; i++) {
      const gi = g.data.subarray(i * 3, i * 3 + 3);
      if (c.mask[i] === 0) assert.ok(gi.every((v) => v === 0), `masked step ${i} gets no gradient`);
    }
    assert.ok(g.data.some((v) => v !== 0));
  });
});

describe('GRUResetBefore', () => {
  test('gradients match central differences (packed ragged, bidirectional, with h0)', () => {
    const gru = new GRUResetBefore({ inputSize: 3, hiddenSize: 4, bidirectional: true, seed: 3 });
    const rng = new Rng(9);
    const lengths = [4, 2, 3];
    const xData = Float32Array.from({ length: 3 * 4 * 3 }, () => rng.uniformRange(-1, 1));
    const x = tensor(xData, [3, 4, 3], { requiresGrad: true });
    const h0 = tensor(Float32Array.from({ length: 2 * 3 * 4 }, () => rng.uniformRange(-0.5, 0.5)), [2, 3, 4], { requiresGrad: true });
    const params = gru.parameters();
    const f = (xi: Tensor, hi: Tensor): Tensor => {
      const r = gru.forward(PackedSequence.fromPadded(xi, lengths), { h: hi });
      return sum(r.output.data.mul(r.output.data)).add(sum(r.h));
    };
    gradCheck(f, [x, h0], { eps: 1e-2 });
    // Parameters: through a closure over the module's own tensors.
    for (const p of params) {
      gradCheck((w: Tensor) => {
        assert.equal(w, p);
        const r = gru.forward(PackedSequence.fromPadded(x, lengths), { h: h0 });
        return r.output.data;
      }, [p], { eps: 1e-2 });
    }
  });

  test('is not PyTorch GRU: the same weights give different outputs', () => {
    const a = new GRUResetBefore({ inputSize: 2, hiddenSize: 3, seed: 1 });
    const b = new GRU({ inputSize: 2, hiddenSize: 3, seed: 1 });
    const sd = a.stateDict();
    b.loadStateDict({ ...sd, bias_hh_l0: new Tensor(new Float32Array(9), [9]) });
    const x = tensor(Float32Array.from([0.5, -1, 0.3, 0.8, -0.2, 0.1]), [1, 3, 2]);
    const ya = a.forward(x).output.data;
    const yb = b.forward(x).output.data;
    // Step 0 starts from h = 0, where r ⊙ (W h) = W (r ⊙ h) = 0; they part from step 1 on.
    assert.ok(Math.abs(ya[0] - yb[0]) < 1e-6);
    assert.ok(Math.max(...ya.map((v, i) => Math.abs(v - yb[i]))) > 1e-3);
  });
});

describe('loadKerasWeights (one layer, get_weights() order)', () => {
  test('LSTM from Keras arrays gives TF.js final states', () => {
    const { json, bin, io } = readFixture('lstm_stack');
    const w = decodeWeights(json.weightsManifest, bin);
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, seed: 0 });
    loadKerasWeights(lstm, ['lstm_1/kernel', 'lstm_1/recurrent_kernel', 'lstm_1/bias'].map((k) => w.get(k) as Tensor));
    const c = io.cases[0]; // right-padded: lengths are the mask's row sums
    const lengths = Array.from({ length: 4 }, (_, b) => c.mask.slice(b * 6, b * 6 + 6).reduce((s, v) => s + v, 0));
    const r = lstm.forward(PackedSequence.fromPadded(toTensor(c.input), lengths));
    maxDelta(r.h.data, c.states[0].tensors[0].data, 'h');
    maxDelta(r.c.data, c.states[0].tensors[1].data, 'c');
  });

  test('bidirectional GRU (reset_after=true, bias [2, 3H]) from Keras arrays', () => {
    const { json, bin, io } = readFixture('gru_reset_after');
    const w = decodeWeights(json.weightsManifest, bin);
    const names = [...w.keys()].filter((k) => k.startsWith('bi_gru/'));
    assert.equal(names.length, 6);
    const gru = new GRU({ inputSize: 3, hiddenSize: 4, bidirectional: true, seed: 0 });
    loadKerasWeights(gru, names.map((k) => w.get(k) as Tensor));
    const c = io.cases.find((k) => k.name === 'full') as IoCase;
    const r = gru.forward(toTensor(c.input));
    maxDelta(r.h.data.subarray(0, 16), c.states[0].tensors[0].data, 'h forward');
    maxDelta(r.h.data.subarray(16), c.states[0].tensors[1].data, 'h backward');
  });

  test('gate order: Keras GRU z, r, h become recur r, z, n; LSTM i, f, c, o stay', () => {
    // Kernel [D=1, 3H] with H=1: columns z=1, r=2, h=3.
    const sd = kerasRecurrentToStateDict(
      { kernel: tensor([1, 2, 3], [1, 3]), recurrentKernel: tensor([4, 5, 6], [1, 3]), bias: tensor([7, 8, 9, 10, 11, 12], [2, 3]) },
      { cell: 'gru', suffix: '_l0' },
    );
    assert.deepEqual(Array.from(sd.weight_ih_l0.data), [2, 1, 3]);
    assert.deepEqual(Array.from(sd.weight_hh_l0.data), [5, 4, 6]);
    assert.deepEqual(Array.from(sd.bias_ih_l0.data), [8, 7, 9]);
    assert.deepEqual(Array.from(sd.bias_hh_l0.data), [11, 10, 12]);
    const l = kerasRecurrentToStateDict(
      { kernel: tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]), recurrentKernel: tensor([1, 2, 3, 4], [1, 4]), bias: tensor([1, 2, 3, 4], [4]) },
      { cell: 'lstm', suffix: '_l0' },
    );
    assert.deepEqual(l.weight_ih_l0.shape, [4, 2]);
    assert.deepEqual(Array.from(l.weight_ih_l0.data), [1, 5, 2, 6, 3, 7, 4, 8]); // transposed, same order
    assert.deepEqual(Array.from(l.bias_hh_l0.data), [0, 0, 0, 0]);
  });

  test('Dense and Embedding', () => {
    const lin = new Linear({ inFeatures: 2, outFeatures: 3, seed: 0 });
    loadKerasWeights(lin, [tensor([1, 2, 3, 4, 5, 6], [2, 3]), tensor([0.5, 0, -0.5], [3])]);
    assert.deepEqual(Array.from(lin.forward(tensor([1, 1], [1, 2])).data), [5.5, 7, 8.5]);
    const emb = new Embedding({ numEmbeddings: 2, embeddingDim: 2, seed: 0 });
    loadKerasWeights(emb, [tensor([1, 2, 3, 4], [2, 2])]);
    assert.deepEqual(Array.from(emb.forward([1]).data), [3, 4]);
  });

  test('errors: wrong count, a reset_after=false GRU into GRU and the reverse', () => {
    const k = tensor(new Float32Array(6), [2, 3]);
    const rk = tensor(new Float32Array(3), [1, 3]);
    assert.throws(() => loadKerasWeights(new GRU({ inputSize: 2, hiddenSize: 1, seed: 0 }), [k, rk]), /got 2 arrays, expected 3 \(kernel, recurrent_kernel, bias/);
    assert.throws(() => loadKerasWeights(new GRU({ inputSize: 2, hiddenSize: 1, seed: 0 }), [k, rk, tensor([0, 0, 0], [3])]), /reset_after=false GRU; load it into GRUResetBefore/);
    assert.throws(() => loadKerasWeights(new GRUResetBefore({ inputSize: 2, hiddenSize: 1, seed: 0 }), [k, rk, tensor(new Float32Array(6), [2, 3])]), /reset_after=true GRU; load it into GRU/);
    assert.throws(() => loadKerasWeights(new LSTM({ inputSize: 2, hiddenSize: 1, seed: 0 }), [k, rk, tensor([0, 0, 0], [3])]), /kernel has shape \[2, 3\], expected \[2, 4\]|recurrent_kernel has shape \[1, 3\], expected \[1, 4\]/);
  });
});

describe('unsupported Keras configurations are clear errors', () => {
  const base = readFixture('lstm_stack');
  /** lstm_stack with one edit to the config of layer `k` (0 masking, 1 lstm_1, 2 lstm_2, 3 head). */
  function edited(k: number, edit: (cfg: Record<string, unknown>, layer: { class_name: string; config: Record<string, unknown> }) => void): ModelJson {
    const json = structuredClone(base.json);
    const layer = json.modelTopology.config.layers[k];
    edit(layer.config, layer);
    return json;
  }
  const load = (json: unknown, bin: Uint8Array = base.bin): KerasModel => loadTfjsModel(json, bin);
  const err = (re: RegExp, layer?: string) => (e: unknown): boolean => {
    assert.ok(e instanceof KerasImportError, `expected a KerasImportError, got ${String(e)}`);
    assert.match(e.message, re);
    if (layer !== undefined) assert.equal(e.layer, layer);
    return true;
  };

  test("TF.js's default hard_sigmoid gates", () => {
    assert.throws(() => load(edited(1, (c) => { c.recurrent_activation = 'hard_sigmoid'; })), err(/recurrent_activation' is "hard_sigmoid", expected 'sigmoid'.*recurrentActivation: 'sigmoid'/, 'lstm_1'));
    assert.throws(() => load(edited(1, (c) => { delete c.recurrent_activation; })), err(/no 'recurrent_activation'/));
  });

  test('activations PyTorch cells do not have', () => {
    assert.throws(() => load(edited(1, (c) => { c.activation = 'relu'; })), err(/'activation' is "relu", expected 'tanh'/, 'lstm_1'));
    assert.throws(() => load(edited(3, (c) => { c.activation = 'elu'; })), err(/expected one of linear, relu, sigmoid, tanh, softmax/, 'head'));
  });

  test('stateful, return_state, go_backwards, time_major', () => {
    assert.throws(() => load(edited(2, (c) => { c.stateful = true; })), err(/stateful=true is not supported/, 'lstm_2'));
    assert.throws(() => load(edited(2, (c) => { c.return_state = true; })), err(/return_state=true is not supported/));
    assert.throws(() => load(edited(2, (c) => { c.go_backwards = true; })), err(/go_backwards=true outside Bidirectional/));
    assert.throws(() => load(edited(2, (c) => { c.time_major = true; })), err(/time_major/));
  });

  test('unknown layer classes and merge_mode null', () => {
    assert.throws(() => load(edited(3, (_c, l) => { l.class_name = 'Conv1D'; })), err(/layer class 'Conv1D' is not supported \(supported: InputLayer, Masking/));
    const bi = readFixture('bilstm_embedding');
    const json = structuredClone(bi.json);
    json.modelTopology.config.layers[1].config.merge_mode = null;
    assert.throws(() => loadTfjsModel(json, bi.bin), err(/merge_mode' is null, expected 'concat', 'sum', 'mul' or 'ave'/, 'bi_lstm'));
  });

  test('weights that do not fit the topology', () => {
    assert.throws(() => load(base.json, base.bin.subarray(4)), err(/weight data has 924 bytes, .* need 928/));
    const renamed = structuredClone(base.json) as ModelJson & { weightsManifest: { weights: { name: string }[] }[] };
    renamed.weightsManifest[0].weights[1].name = 'lstm_1/recurrent';
    assert.throws(() => load(renamed), err(/no weight 'recurrent_kernel' in the weights manifest \(found: kernel, recurrent, bias\)/, 'lstm_1'));
    const quant = structuredClone(base.json) as ModelJson & { weightsManifest: { weights: Record<string, unknown>[] }[] };
    quant.weightsManifest[0].weights[0].quantization = { dtype: 'uint8', scale: 1, min: 0 };
    assert.throws(() => load(quant), err(/quantized/));
    assert.throws(() => load({ ...base.json, format: 'graph-model' }), err(/graph model/));
    const units = edited(2, (c) => { c.units = 5; });
    assert.throws(() => load(units), err(/recurrent_kernel has shape \[3, 12\], expected \[3, 15\]|expected 5 \(units\)/));
  });

  test('GRU reset_after that contradicts the bias shape', () => {
    const f = readFixture('gru_reset_before');
    const json = structuredClone(f.json);
    json.modelTopology.config.layers[1].config.reset_after = true;
    assert.throws(() => loadTfjsModel(json, f.bin), err(/reset_after=true but the bias has shape \[12\]/, 'gru'));
  });

  test('functional models must be one chain', () => {
    const f = readFixture('lstm_functional_nomask');
    const json = structuredClone(f.json) as ModelJson & { modelTopology: { config: { layers: { inbound_nodes: unknown }[] } } };
    json.modelTopology.config.layers[2].inbound_nodes = [[['lstm', 0, 0, {}], ['input', 0, 0, {}]]];
    assert.throws(() => loadTfjsModel(json, f.bin), err(/only a single chain of layers/, 'per_step'));
  });

  test('inputs: wrong shape, a sample with every step masked', () => {
    const model = load(base.json);
    assert.throws(() => model.forward(tensor(new Float32Array(8), [2, 2, 2])), err(/input has shape \[2, 2, 2\], expected \[B, T, 3\]/));
    const x = new Float32Array(2 * 3 * 3).fill(0.5);
    x.fill(0, 9); // sample 1 all zeros = all masked
    assert.throws(() => model.forward(tensor(x, [2, 3, 3])), err(/sample 1 has every step masked/, 'masking'));
  });
});

describe('PyTorch state_dicts with a module prefix', () => {
  const file = new URL('../fixtures/rnn/lstm_l2_bi_ragged_h0.safetensors', import.meta.url);
  const { tensors: f } = readSafetensors(readFileSync(file));
  const opts = { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 0 };

  test("loads under 'param.' and gives PyTorch's outputs", () => {
    const lstm = new LSTM(opts);
    const { skipped } = loadPyTorchStateDict(lstm, f, { prefix: 'param' });
    assert.ok(skipped.includes('input') && skipped.includes('grad.weight_ih_l0'));
    const r = lstm.forward(PackedSequence.fromPadded(f.input, Array.from(f.lengths.data)), { h: f.h0, c: f.c0 });
    const d = maxDelta(r.output.toPadded(0, f.input.shape[1]).data.data, f.output.data, 'output');
    maxDelta(r.h.data, f.hN.data, 'hN');
    worst.set('pytorch lstm_l2_bi', d);
  });

  test('fromPyTorchStateDict strips DataParallel / sub-module prefixes', () => {
    const dict: Record<string, Tensor> = {};
    for (const [k, v] of Object.entries(f)) if (k.startsWith('param.')) dict[`module.rnn.${k.slice(6)}`] = v;
    dict['module.fc.weight'] = tensor(new Float32Array(8), [1, 8]);
    const { stateDict, skipped } = fromPyTorchStateDict(dict, { prefix: 'module.rnn.' });
    assert.deepEqual(skipped, ['module.fc.weight']);
    new LSTM(opts).loadStateDict(stateDict);
    assert.throws(() => fromPyTorchStateDict(dict, { prefix: 'rnn.' }), (e: unknown) => e instanceof PyTorchImportError && /no key starts with 'rnn\.'; the keys sit under 'module\.rnn\.', 'module\.fc\.'/.test(e.message));
  });

  test('unmatched keys are listed with a hint', () => {
    // No prefix given: every key is "unexpected", and the missing ones exist under 'param.'.
    assert.throws(
      () => loadPyTorchStateDict(new LSTM(opts), f),
      (e: unknown) => e instanceof PyTorchImportError && e.missing.includes('weight_ih_l0') && /every missing name exists under 'grad\.', 'param\.': did you mean one of these prefixes\?/.test(e.message),
    );
    // A one-layer module given a two-layer state_dict; an LSTM with proj_size.
    const extra = { ...f, 'param.weight_hr_l0': tensor(new Float32Array(4), [4, 1]) };
    assert.throws(
      () => loadPyTorchStateDict(new LSTM({ ...opts, numLayers: 1 }), extra, { prefix: 'param.' }),
      (e: unknown) => e instanceof PyTorchImportError && e.unexpected.includes('param.weight_ih_l1') && /param\.weight_hr_l0 \(LSTM proj_size: not supported\)/.test(e.message),
    );
    assert.throws(
      () => loadPyTorchStateDict(new LSTM({ ...opts, hiddenSize: 5 }), f, { prefix: 'param.' }),
      (e: unknown) => e instanceof PyTorchImportError && /wrong shape: param\.weight_ih_l0: got \[16, 3\], expected \[20, 3\]/.test(e.message),
    );
  });
});
