// Whole models trained in PyTorch load into recur's presets and give PyTorch's numbers:
// fixtures/models (made by scripts/gen_model_fixtures.py with torch 1.13) hold each model's
// state_dict under PyTorch's own keys, the recur spec, an evaluation batch with ragged unsorted
// lengths and PyTorch's eval-mode outputs and final states. Compared within 1e-5 (absolute), on
// the reference JS kernels and on the WebAssembly ones where this runtime has them.
// Then the loader's options (prefix, names) and its errors for a state_dict that does not fit.
import { readFileSync, readdirSync } from 'node:fs';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PackedSequence } from '../src/data/packed.ts';
import { PyTorchImportError, loadPyTorchModel, type PyTorchModelNames } from '../src/io/pytorch.ts';
import { readSafetensors } from '../src/io/safetensors.ts';
import { getBackend, setBackend, type BackendName } from '../src/kernels/backend.ts';
import { wasmAvailable } from '../src/kernels/wasm/module.ts';
import type { StateDict } from '../src/layers/module.ts';
import { SequenceToOne } from '../src/models/sequence-to-one.ts';
import { reshape } from '../src/tensor/shape.ts';
import { Tensor, noGrad } from '../src/tensor/tensor.ts';

const ATOL = 1e-5;
const dir = new URL('../fixtures/models/', import.meta.url);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.safetensors') && !f.endsWith('.io.safetensors'))
  .map((f) => f.slice(0, -'.safetensors'.length))
  .sort();
const worst = new Map<string, number>();
const backends: BackendName[] = wasmAvailable() ? ['js', 'wasm'] : ['js'];

interface Fixture {
  dict: StateDict;
  spec: Record<string, unknown>;
  names: PyTorchModelNames | undefined;
  io: Record<string, Tensor>;
  ioMeta: Record<string, string>;
}

function readFixture(name: string): Fixture {
  const model = readSafetensors(readFileSync(new URL(`${name}.safetensors`, dir)));
  const io = readSafetensors(readFileSync(new URL(`${name}.io.safetensors`, dir)));
  const meta = model.metadata;
  return {
    dict: model.tensors,
    spec: JSON.parse(meta.spec) as Record<string, unknown>,
    names: meta.names === undefined ? undefined : (JSON.parse(meta.names) as PyTorchModelNames),
    io: io.tensors,
    ioMeta: io.metadata,
  };
}

/** The evaluation batch: ids [B, T] as [B, T, 1] (one id per step), or features [B, T, D]. */
function inputOf(f: Fixture): PackedSequence {
  const lengths = Array.from(f.io.lengths.data);
  const ids = f.io.ids;
  const x = ids === undefined ? f.io.input : reshape(ids, [ids.shape[0], ids.shape[1], 1]);
  return PackedSequence.fromPadded(x, lengths);
}

function maxDelta(actual: Tensor, expected: Tensor, what: string): number {
  assert.deepEqual(actual.shape, expected.shape, `${what}: shape`);
  let m = 0;
  for (let i = 0; i < actual.data.length; i++) {
    const d = Math.abs(actual.data[i] - expected.data[i]);
    assert.ok(d <= ATOL, `${what}[${i}]: got ${actual.data[i]}, expected ${expected.data[i]} (|Δ| ${d.toExponential(2)})`);
    m = Math.max(m, d);
  }
  return m;
}

test('fixtures/models holds the four presets', () => {
  assert.deepEqual(names, ['charlm_lstm', 'classifier_bilstm', 'forecaster_rnn', 'tagger_bigru']);
});

for (const [name, kernels] of names.flatMap((n) => backends.map((b) => [n, b] as const))) {
  test(`${name} (${kernels} kernels): PyTorch's trained state_dict gives PyTorch's outputs and final states`, () => {
    const f = readFixture(name);
    // The weights were trained, not just initialised.
    const [first, last] = JSON.parse(f.ioMeta.trainLoss) as [number, number];
    assert.ok(last < first, `${name}: training loss ${first} → ${last}`);

    const model = loadPyTorchModel(f.spec, f.dict, { names: f.names });
    assert.equal(model.training, false, 'loaded in evaluation mode');
    const x = inputOf(f);
    let m = 0;
    const before = getBackend();
    setBackend(kernels);
    try {
      noGrad(() => {
        const out = model.forward(x);
        if (model instanceof SequenceToOne) {
          assert.ok(out instanceof Tensor);
          m = maxDelta(out, f.io.logits ?? f.io.forecast, `${name} output`);
        } else {
          assert.ok(out instanceof PackedSequence);
          // Padded with zeros past each length, as PyTorch's pad_packed_sequence of the head's rows.
          m = maxDelta(out.toPadded(0, x.maxLength).data, f.io.logits, `${name} per-step output`);
        }
        const { state } = model.encode(x);
        m = Math.max(m, maxDelta(state.h, f.io.hN, `${name} hN`));
        if (f.io.cN !== undefined) {
          assert.ok(state.c !== null);
          m = Math.max(m, maxDelta(state.c, f.io.cN, `${name} cN`));
        } else {
          assert.equal(state.c, null);
        }
      });
    } finally {
      setBackend(before);
    }
    worst.set(`${name} (${kernels})`, m);
  });
}

test('a prefix (DataParallel\'s module.) is stripped and keys outside it are ignored', () => {
  const f = readFixture('classifier_bilstm');
  const wrapped: StateDict = { 'optimizer.step': new Tensor(new Float32Array([3]), [1]) };
  for (const [k, t] of Object.entries(f.dict)) wrapped[`module.${k}`] = t;
  const model = loadPyTorchModel(f.spec, wrapped, { prefix: 'module' });
  const out = noGrad(() => model.forward(inputOf(f)));
  assert.ok(out instanceof Tensor);
  maxDelta(out, f.io.logits, 'prefixed classifier logits');
});

test('nested PyTorch paths: each key goes to the sub-module with the longest matching path', () => {
  const f = readFixture('classifier_bilstm');
  // embedding at 'enc.emb', the LSTM at 'enc' itself, the head at 'out.fc'.
  const dict: StateDict = {};
  for (const [k, t] of Object.entries(f.dict)) {
    dict[k.replace(/^embedding\./, 'enc.emb.').replace(/^rnn\./, 'enc.').replace(/^head\./, 'out.fc.')] = t;
  }
  assert.ok('enc.emb.weight' in dict && 'enc.weight_ih_l0' in dict && 'out.fc.bias' in dict);
  const model = loadPyTorchModel(f.spec, dict, { names: { embedding: 'enc.emb', rnn: 'enc', head: 'out.fc' } });
  const out = noGrad(() => model.forward(inputOf(f)));
  assert.ok(out instanceof Tensor);
  maxDelta(out, f.io.logits, 'renamed classifier logits');
});

test('a wrong hiddenSize names every tensor with both shapes and the spec field', () => {
  const f = readFixture('classifier_bilstm');
  assert.throws(
    () => loadPyTorchModel({ ...f.spec, hiddenSize: 12 }, f.dict),
    (e: unknown) => {
      assert.ok(e instanceof PyTorchImportError);
      assert.match(e.message, /rnn\.weight_ih_l0: got \[40, 6\], expected \[48, 6\]/);
      assert.match(e.message, /rnn\.weight_hh_l0: got \[40, 10\], expected \[48, 12\]; .*… \(12 more under 'rnn\.'\); head/);
      assert.ok(e.wrongShape.includes('rnn.weight_hh_l1_reverse: got [40, 10], expected [48, 12]'));
      assert.match(e.message, /head\.weight: got \[3, 20\], expected \[3, 24\]/);
      assert.match(e.message, /does not fit the spec: the weights say hiddenSize 10 \(spec 12\) \| wrong shape/);
      assert.equal(e.wrongShape.length, 17, 'every tensor of the LSTM and the head');
      assert.ok(e.wrongShape.includes('rnn.weight_ih_l0: got [40, 6], expected [48, 6]'));
      assert.deepEqual(e.missing, []);
      assert.deepEqual(e.unexpected, []);
      return true;
    },
  );
});

test('a wrong cell, direction count or layer count is named by the spec field', () => {
  const f = readFixture('classifier_bilstm');
  assert.throws(() => loadPyTorchModel({ ...f.spec, cell: 'gru' }, f.dict), /the weights say cell lstm \(spec gru\) \| wrong shape: rnn\.weight_ih_l0: got \[40, 6\], expected \[30, 6\]/);
  assert.throws(
    () => loadPyTorchModel({ ...f.spec, bidirectional: false }, f.dict),
    (e: unknown) => {
      assert.ok(e instanceof PyTorchImportError);
      assert.ok(e.unexpected.includes('rnn.weight_ih_l0_reverse'));
      assert.match(e.message, /head\.weight: got \[3, 20\], expected \[3, 10\]/);
      assert.match(e.message, /bidirectional true \(spec false\)/);
      return true;
    },
  );
  assert.throws(
    () => loadPyTorchModel({ ...f.spec, numLayers: 3 }, f.dict),
    (e: unknown) => {
      assert.ok(e instanceof PyTorchImportError);
      assert.ok(e.missing.includes('rnn.weight_ih_l2'));
      assert.match(e.message, /numLayers 2 \(spec 3\)/);
      return true;
    },
  );
});

test('a forecaster with another horizon and a features spec for a token model are refused', () => {
  const fc = readFixture('forecaster_rnn');
  assert.throws(() => loadPyTorchModel({ ...fc.spec, horizon: 4 }, fc.dict), /horizon·outputSize 6 \(spec 8\) \| wrong shape: head\.weight: got \[6, 12\], expected \[8, 12\]; head\.bias: got \[6\], expected \[8\]$/);
  const cl = readFixture('classifier_bilstm');
  const { vocabSize: _v, embeddingDim: _e, paddingIdx: _p, ...rest } = cl.spec;
  assert.throws(
    () => loadPyTorchModel({ ...rest, inputSize: 6 }, cl.dict),
    (e: unknown) => {
      assert.ok(e instanceof PyTorchImportError);
      assert.deepEqual(e.unexpected, ['embedding.weight']);
      assert.match(e.message, /the weights say token ids \(an embedding \[16, 6\]: vocabSize 16, embeddingDim 6; spec inputSize 6\)/);
      return true;
    },
  );
});

test('sub-modules named otherwise in PyTorch need `names`, and the error says so', () => {
  const f = readFixture('charlm_lstm');
  assert.deepEqual(f.names, { embedding: 'encoder', head: 'decoder' });
  assert.throws(
    () => loadPyTorchModel(f.spec, f.dict),
    (e: unknown) => {
      assert.ok(e instanceof PyTorchImportError);
      assert.deepEqual(e.missing, ['embedding.weight', 'head.weight', 'head.bias']);
      assert.deepEqual(e.unexpected.sort(), ['decoder.bias', 'decoder.weight', 'encoder.weight']);
      assert.match(
        e.message,
        /no tensor under 'embedding\.' \(embedding, Embedding\), 'head\.' \(head, Linear\); the unclaimed tensors sit under 'decoder\.', 'encoder\.': .* pass names: \{ embedding: '…', head: '…' \}$/,
      );
      return true;
    },
  );
  // A tensor of a module the preset does not have is unexpected, not dropped.
  const extra: StateDict = { ...f.dict, 'norm.weight': new Tensor(new Float32Array(16), [16]) };
  assert.throws(() => loadPyTorchModel(f.spec, extra, { names: f.names }), /unexpected: norm\.weight/);
  // A known unsupported PyTorch feature is named in the message; the key list stays raw.
  const proj: StateDict = { ...f.dict, 'rnn.weight_hr_l0': new Tensor(new Float32Array(16 * 8), [8, 16]) };
  assert.throws(
    () => loadPyTorchModel(f.spec, proj, { names: f.names }),
    (e: unknown) => {
      assert.ok(e instanceof PyTorchImportError);
      assert.deepEqual(e.unexpected, ['rnn.weight_hr_l0']);
      assert.match(e.message, /unexpected: rnn\.weight_hr_l0 \(LSTM proj_size: not supported\)/);
      return true;
    },
  );
});

after(() => {
  const rows = [...worst].map(([n, d]) => `${n} ${d.toExponential(2)}`).join(', ');
  console.log(`pytorch_models: max |Δ| per model: ${rows}`);
});
