/**
 * ONNX export, checked by running the exported bytes in ONNX Runtime (onnxruntime-web's wasm
 * backend in Node, loaded from node_modules) and comparing with recur's own forward on the same
 * inputs: every step's output (ONNX Runtime must write zeros past each length), the final states
 * h_n / c_n (each sample's state at its last real step) and the heads, within 1e-5.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as ort from 'onnxruntime-web';
import {
  Embedding, GRU, LSTM, Linear, PackedSequence, RNN, Rng, Tensor, concat, noGrad, reshape, slice,
} from '../src/index.ts';
import { buildModel } from '../src/models/index.ts';
import type { SequenceModel } from '../src/models/sequence-model.ts';
import { ONNX_NAMES, exportModelOnnx, exportOnnx, type OnnxHead } from '../src/io/onnx/index.ts';
import { varint } from '../src/io/onnx/protobuf.ts';

ort.env.wasm.numThreads = 1; // no worker threads: deterministic, and the process exits promptly
ort.env.logLevel = 'error';

const TOL = 1e-5;
let maxDelta = 0;
let compared = 0;
const started = performance.now();
after(() => {
  const s = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`# onnx: onnxruntime-web ${ort.env.versions.web}, ${compared} tensors compared, max |Δ| = ${maxDelta.toExponential(2)}, ${s} s`);
});

// ---------------------------------------------------------------------------------------------
// helpers

type Layer = RNN | LSTM | GRU;

function randomFloats(n: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.uniformRange(-1, 1);
  return out;
}

async function runOnnx(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

function floatsOf(results: Record<string, ort.Tensor>, name: string, dims: readonly number[]): Float32Array {
  const t = results[name];
  assert.ok(t, `ONNX Runtime returned no '${name}'`);
  assert.deepEqual(t.dims, dims, `${name}: dims`);
  assert.ok(t.data instanceof Float32Array, `${name}: expected float32 data`);
  return t.data;
}

/** Asserts |a − b| ≤ TOL everywhere and records the largest difference. */
function assertClose(got: Float32Array, want: Readonly<Float32Array>, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let worst = 0;
  let at = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  compared++;
  maxDelta = Math.max(maxDelta, worst);
  assert.ok(worst <= TOL, `${what}: |Δ| = ${worst} at ${at} (got ${got[at]}, want ${want[at]}) exceeds ${TOL}`);
}

/** Asserts every [b, t ≥ lengths[b], :] entry of a [B, T, F] buffer is exactly zero. */
function assertZeroPastLengths(y: Float32Array, lengths: readonly number[], T: number, F: number, what: string): void {
  lengths.forEach((len, b) => {
    for (let t = len; t < T; t++) {
      for (let f = 0; f < F; f++) {
        const v = y[(b * T + t) * F + f];
        assert.ok(v === 0, `${what}: sample ${b} step ${t} is past its length ${len} but holds ${v}`); // -0 counts as zero
      }
    }
  });
}

/** [B, T, F] with rows past each length set to zero (recur's padded view of packed results). */
function zeroPastLengths(y: Float32Array, lengths: readonly number[], T: number, F: number): Float32Array {
  const out = y.slice();
  lengths.forEach((len, b) => out.fill(0, (b * T + len) * F, (b + 1) * T * F));
  return out;
}

/** [B, dirs·H] final top-layer features: forward state next to the reverse one. */
function finalFeatures(h: Tensor, layer: Layer): Tensor {
  const dirs = layer.numDirections;
  const [, B, H] = h.shape;
  const top = (layer.numLayers - 1) * dirs;
  const parts: Tensor[] = [];
  for (let d = 0; d < dirs; d++) parts.push(reshape(slice(h, 0, top + d, top + d + 1), [B, H]));
  return parts.length === 1 ? parts[0] : concat(parts, 1);
}

interface Case {
  layer: Layer;
  embedding?: Embedding;
  head?: OnnxHead;
  lengths: number[];
  T: number;
  initialState?: boolean;
  seed: number;
}

/** Exports, runs in ONNX Runtime, runs recur, compares everything the graph outputs. */
async function check(c: Case, what: string): Promise<void> {
  const { layer, embedding, head, lengths, T } = c;
  const B = lengths.length;
  const H = layer.hiddenSize;
  const dirs = layer.numDirections;
  const F = dirs * H;
  const S = layer.numLayers * dirs;
  const rng = new Rng(c.seed);
  const feeds: Record<string, ort.Tensor> = { [ONNX_NAMES.lengths]: new ort.Tensor('int32', Int32Array.from(lengths), [B]) };

  let xRef: Tensor; // [B, T, D]
  if (embedding) {
    const V = embedding.weight.shape[0];
    const ids = Array.from({ length: B * T }, () => rng.int(V));
    feeds[ONNX_NAMES.ids] = new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [B, T]);
    xRef = noGrad(() => embedding.forward(ids, [B, T]));
  } else {
    const x = randomFloats(B * T * layer.inputSize, rng);
    feeds[ONNX_NAMES.input] = new ort.Tensor('float32', x, [B, T, layer.inputSize]);
    xRef = new Tensor(x, [B, T, layer.inputSize]);
  }
  const isLstm = layer instanceof LSTM;
  let h0: Tensor | undefined;
  let c0: Tensor | undefined;
  if (c.initialState) {
    h0 = new Tensor(randomFloats(S * B * H, rng), [S, B, H]);
    feeds[ONNX_NAMES.h0] = new ort.Tensor('float32', h0.data, [S, B, H]);
    if (isLstm) {
      c0 = new Tensor(randomFloats(S * B * H, rng), [S, B, H]);
      feeds[ONNX_NAMES.c0] = new ort.Tensor('float32', c0.data, [S, B, H]);
    }
  }

  const bytes = exportOnnx({ layer, embedding, head, initialState: c.initialState });
  const got = await runOnnx(bytes, feeds);

  const ref = noGrad(() => {
    const packed = PackedSequence.fromPadded(xRef, lengths);
    if (layer instanceof LSTM) return layer.forward(packed, h0 && c0 ? { h: h0, c: c0 } : undefined);
    const r = layer.forward(packed, h0 ? { h: h0 } : undefined);
    return { output: r.output, h: r.h, c: null };
  });
  const output = floatsOf(got, ONNX_NAMES.output, [B, T, F]);
  assertZeroPastLengths(output, lengths, T, F, `${what} output`);
  assertClose(output, ref.output.toPadded(0, T).data.data, `${what} output`);
  assertClose(floatsOf(got, ONNX_NAMES.hN, [S, B, H]), ref.h.data, `${what} h_n`);
  if (ref.c) assertClose(floatsOf(got, ONNX_NAMES.cN, [S, B, H]), ref.c.data, `${what} c_n`);
  else assert.equal(got[ONNX_NAMES.cN], undefined, `${what}: c_n without a cell state`);

  if (!head) {
    assert.equal(got[ONNX_NAMES.head], undefined, `${what}: head output without a head`);
    return;
  }
  const O = head.linear.weight.shape[0];
  if (head.on === 'last') {
    const want = noGrad(() => head.linear.forward(finalFeatures(ref.h, layer)));
    assertClose(floatsOf(got, ONNX_NAMES.head, [B, O]), want.data, `${what} head (last)`);
  } else {
    const perStep = floatsOf(got, ONNX_NAMES.head, [B, T, O]);
    assertZeroPastLengths(perStep, lengths, T, O, `${what} head (every step)`);
    const want = noGrad(() => head.linear.forward(ref.output.toPadded(0, T).data));
    assertClose(perStep, zeroPastLengths(want.data, lengths, T, O), `${what} head (every step)`);
  }
}

// ---------------------------------------------------------------------------------------------
// protobuf encoding

test('varints encode as the protobuf wire format says', () => {
  assert.deepEqual([...varint(0)], [0x00]);
  assert.deepEqual([...varint(1)], [0x01]);
  assert.deepEqual([...varint(300)], [0xac, 0x02]);
  assert.deepEqual([...varint(2 ** 32)], [0x80, 0x80, 0x80, 0x80, 0x10]);
  // negative int64: two's complement, always ten bytes
  assert.deepEqual([...varint(-1)], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.deepEqual([...varint(-2)], [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.throws(() => varint(2 ** 60), /safe integer/);
});

// ---------------------------------------------------------------------------------------------
// layers × layers count × directions × lengths × heads

type StackOptions = { inputSize: number; hiddenSize: number; numLayers: number; bidirectional: boolean; seed: number };
const CELLS: readonly { name: string; make: (o: StackOptions) => Layer }[] = [
  { name: 'rnn tanh', make: (o) => new RNN(o) },
  { name: 'rnn relu', make: (o) => new RNN({ ...o, nonlinearity: 'relu' }) },
  { name: 'lstm', make: (o) => new LSTM(o) },
  { name: 'gru', make: (o) => new GRU(o) },
];

const RAGGED = [3, 6, 1, 4]; // unsorted, so recur's length sort is exercised too
const EQUAL = [6, 6, 6, 6];
const T = 6;

describe('exportOnnx runs in ONNX Runtime as recur runs', () => {
  let seed = 100;
  for (const cell of CELLS) {
    for (const numLayers of [1, 2]) {
      for (const bidirectional of [false, true]) {
        const name = `${cell.name}, ${numLayers} layer(s), ${bidirectional ? 'bidirectional' : 'forward'}`;
        const s = seed++;
        test(name, async () => {
          const layer = cell.make({ inputSize: 3, hiddenSize: 5, numLayers, bidirectional, seed: s });
          const F = layer.numDirections * 5;
          const last: OnnxHead = { linear: new Linear({ inFeatures: F, outFeatures: 4, seed: s + 1000 }), on: 'last' };
          const every: OnnxHead = { linear: new Linear({ inFeatures: F, outFeatures: 2, seed: s + 2000 }), on: 'every-step' };
          await check({ layer, lengths: RAGGED, T, seed: s }, `${name}, ragged`);
          await check({ layer, lengths: EQUAL, T, seed: s }, `${name}, equal`);
          await check({ layer, head: last, lengths: RAGGED, T, seed: s + 1 }, `${name}, ragged, head on last`);
          await check({ layer, head: every, lengths: RAGGED, T, seed: s + 2 }, `${name}, ragged, head on every step`);
        });
      }
    }
  }

  test('initial states h0 / c0 feed each layer and direction', async () => {
    for (const layer of [
      new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 1 }),
      new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 2 }),
      new RNN({ inputSize: 3, hiddenSize: 4, numLayers: 1, seed: 3 }),
      new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 1, seed: 4 }),
    ]) {
      await check({ layer, lengths: RAGGED, T, initialState: true, seed: 9 }, `${layer.constructor.name} ${layer.numLayers}x${layer.numDirections} with h0`);
    }
  });

  test('an Embedding in front takes int64 ids', async () => {
    const embedding = new Embedding({ numEmbeddings: 11, embeddingDim: 4, seed: 5 });
    const lstm = new LSTM({ inputSize: 4, hiddenSize: 6, numLayers: 2, bidirectional: true, seed: 6 });
    await check({ layer: lstm, embedding, head: { linear: new Linear({ inFeatures: 12, outFeatures: 11, seed: 7 }), on: 'every-step' }, lengths: RAGGED, T, seed: 8 }, 'embedding → bi-LSTM → per-step head');
    const gru = new GRU({ inputSize: 4, hiddenSize: 6, seed: 9 });
    await check({ layer: gru, embedding, head: { linear: new Linear({ inFeatures: 6, outFeatures: 3, seed: 10 }), on: 'last' }, lengths: EQUAL, T, seed: 11 }, 'embedding → GRU → head on last');
    const rnn = new RNN({ inputSize: 4, hiddenSize: 6, nonlinearity: 'relu', seed: 12 });
    await check({ layer: rnn, embedding, lengths: RAGGED, T, seed: 13 }, 'embedding → relu RNN');
  });

  test('layers and heads without bias; batch of one; one step', async () => {
    const lstm = new LSTM({ inputSize: 2, hiddenSize: 3, numLayers: 2, bidirectional: true, bias: false, seed: 14 });
    const headNoBias = new Linear({ inFeatures: 6, outFeatures: 2, bias: false, seed: 15 });
    await check({ layer: lstm, head: { linear: headNoBias, on: 'last' }, lengths: RAGGED, T, seed: 16 }, 'no bias, head on last');
    await check({ layer: lstm, head: { linear: headNoBias, on: 'every-step' }, lengths: RAGGED, T, seed: 17 }, 'no bias, head on every step');
    const gru = new GRU({ inputSize: 2, hiddenSize: 3, bidirectional: true, bias: false, seed: 18 });
    await check({ layer: gru, lengths: [4], T: 4, seed: 19 }, 'GRU without bias, batch of one');
    await check({ layer: gru, lengths: [1, 1], T: 1, seed: 20 }, 'GRU, one step');
  });

  test('the exported graph is independent of later changes to the layer', async () => {
    const rnn = new RNN({ inputSize: 2, hiddenSize: 3, seed: 21 });
    const bytes = exportOnnx({ layer: rnn });
    const x = new ort.Tensor('float32', Float32Array.from([0.5, -0.25, 1, 0.75]), [1, 2, 2]);
    const lengths = new ort.Tensor('int32', Int32Array.of(2), [1]);
    const before = floatsOf(await runOnnx(bytes, { input: x, lengths }), ONNX_NAMES.hN, [1, 1, 3]).slice();
    for (const p of rnn.parameters()) p.data.fill(0);
    const again = floatsOf(await runOnnx(bytes, { input: x, lengths }), ONNX_NAMES.hN, [1, 1, 3]);
    assert.deepEqual(again, before);
    assert.ok(before.some((v) => v !== 0), 'a non-trivial state');
  });
});

// ---------------------------------------------------------------------------------------------
// presets

describe('exportModelOnnx runs preset models in ONNX Runtime as recur runs them', () => {
  async function checkPreset(model: SequenceModel, what: string, seed: number): Promise<void> {
    model.eval(); // dropout is a training-time layer: the export is the evaluation-mode model
    const lengths = RAGGED;
    const B = lengths.length;
    const rng = new Rng(seed);
    const feeds: Record<string, ort.Tensor> = { lengths: new ort.Tensor('int32', Int32Array.from(lengths), [B]) };
    let x: PackedSequence;
    if (model.embedding) {
      const V = model.embedding.weight.shape[0];
      const ids = Array.from({ length: B * T }, () => rng.int(V));
      feeds.ids = new ort.Tensor('int64', BigInt64Array.from(ids, (v) => BigInt(v)), [B, T]);
      x = PackedSequence.fromPadded(new Tensor(Float32Array.from(ids), [B, T, 1]), lengths);
    } else {
      const D = model.rnn.inputSize;
      const data = randomFloats(B * T * D, rng);
      feeds.input = new ort.Tensor('float32', data, [B, T, D]);
      x = PackedSequence.fromPadded(new Tensor(data, [B, T, D]), lengths);
    }
    const got = await runOnnx(exportModelOnnx(model), feeds);
    const want = noGrad(() => model.forward(x));
    const O = model.head.weight.shape[0];
    if (want instanceof PackedSequence) {
      const perStep = floatsOf(got, ONNX_NAMES.head, [B, T, O]);
      assertZeroPastLengths(perStep, lengths, T, O, what);
      assertClose(perStep, want.toPadded(0, T).data.data, what);
    } else {
      assertClose(floatsOf(got, ONNX_NAMES.head, [B, O]), want.data, what);
    }
  }

  test('classify (token ids, GRU), regress, forecast: head on the final state', async () => {
    await checkPreset(buildModel({ task: 'classify', cell: 'gru', vocabSize: 9, embeddingDim: 4, hiddenSize: 6, numClasses: 3, bidirectional: true, dropout: 0.3, seed: 1 }), 'classify', 1);
    await checkPreset(buildModel({ task: 'regress', cell: 'rnn', inputSize: 3, hiddenSize: 5, outputSize: 2, numLayers: 2, seed: 2 }), 'regress', 2);
    await checkPreset(buildModel({ task: 'forecast', cell: 'lstm', inputSize: 2, hiddenSize: 5, outputSize: 2, horizon: 3, numLayers: 2, dropout: 0.2, seed: 3 }), 'forecast', 3);
  });

  test('tag, regress-steps, language model: head at every step', async () => {
    await checkPreset(buildModel({ task: 'tag', cell: 'lstm', inputSize: 3, hiddenSize: 5, numClasses: 4, bidirectional: true, numLayers: 2, seed: 4 }), 'tag', 4);
    await checkPreset(buildModel({ task: 'regress-steps', cell: 'gru', inputSize: 2, hiddenSize: 4, outputSize: 2, seed: 5 }), 'regress-steps', 5);
    await checkPreset(buildModel({ task: 'language-model', cell: 'lstm', vocabSize: 12, embeddingDim: 5, hiddenSize: 7, numLayers: 2, paddingIdx: 0, seed: 6 }), 'language model', 6);
  });
});

// ---------------------------------------------------------------------------------------------
// validation

test('exportOnnx rejects parts that do not fit together, naming what was expected', () => {
  const lstm = new LSTM({ inputSize: 4, hiddenSize: 3, bidirectional: true, seed: 1 });
  assert.throws(
    () => exportOnnx({ layer: lstm, embedding: new Embedding({ numEmbeddings: 5, embeddingDim: 6, seed: 2 }) }),
    /embedding gives 6 features per step, expected 4 \(the layer's inputSize\)/,
  );
  assert.throws(
    () => exportOnnx({ layer: lstm, head: { linear: new Linear({ inFeatures: 3, outFeatures: 2, seed: 3 }), on: 'last' } }),
    /head takes 3 features, expected 6 \(2 direction\(s\) × hiddenSize 3\)/,
  );
});
