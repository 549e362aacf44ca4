/**
 * Preset models from JSON specs: validation errors (what each names), PyTorch-style parameter
 * names, output shapes of every task, the final-state semantics of sequence → one (both
 * directions), batch independence, state-carrying generation, losses, and that each preset learns
 * a tiny synthetic task beyond a stated margin over its baseline.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ArrayDataset } from '../src/data/dataset.ts';
import { DataLoader } from '../src/data/loader.ts';
import { PackedSequence } from '../src/data/packed.ts';
import { crossEntropy } from '../src/losses/cross-entropy.ts';
import { mseLoss } from '../src/losses/regression.ts';
import {
  LanguageModel,
  ModelSpecError,
  SequenceToOne,
  SequenceToSequence,
  buildModel,
  defaultMetrics,
  lossFor,
  sampleFromLogits,
  validateSpec,
  type ModelSpecInput,
} from '../src/models/index.ts';
import { tensor } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';
import { concat, reshape, slice } from '../src/tensor/shape.ts';
import { noGrad, Tensor } from '../src/tensor/tensor.ts';
import { evaluate, fit } from '../src/train/index.ts';

const base = { cell: 'lstm', hiddenSize: 8 } as const;

function specError(raw: unknown): ModelSpecError {
  try {
    validateSpec(raw);
  } catch (e) {
    assert.ok(e instanceof ModelSpecError, `expected a ModelSpecError, got ${String(e)}`);
    return e;
  }
  assert.fail(`spec ${JSON.stringify(raw)} was accepted`);
}

/** Random ragged sequences of D features with the given lengths. */
function randomSeqs(rng: Rng, lengths: readonly number[], D: number): number[][][] {
  return lengths.map((T) => Array.from({ length: T }, () => Array.from({ length: D }, () => rng.uniformRange(-1, 1))));
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

describe('spec validation', () => {
  test('fills defaults and round-trips through JSON', () => {
    const spec = validateSpec({ task: 'classify', cell: 'gru', inputSize: 3, hiddenSize: 4, numClasses: 2 });
    assert.deepEqual(spec, {
      task: 'classify', cell: 'gru', hiddenSize: 4, numLayers: 1, bidirectional: false, dropout: 0, seed: 0, inputSize: 3, numClasses: 2,
    });
    assert.deepEqual(validateSpec(JSON.parse(JSON.stringify(spec))), spec);
    const lm = validateSpec({ task: 'language-model', cell: 'rnn', vocabSize: 10, embeddingDim: 4, hiddenSize: 8 });
    assert.equal(lm.task === 'language-model' && lm.paddingIdx, null);
  });

  test('a typo is an error naming the key and listing the allowed ones', () => {
    const e = specError({ task: 'regress', cell: 'lstm', inputSize: 1, hiddenSise: 8, outputSize: 1 });
    assert.equal(e.key, 'hiddenSise');
    assert.match(e.message, /^model spec \(task 'regress'\): unknown key 'hiddenSise'/);
    assert.match(e.message, /\(allowed: task, cell, hiddenSize, numLayers, bidirectional, dropout, seed, inputSize, outputSize or, for token ids, vocabSize, embeddingDim, paddingIdx\)$/);
  });

  test('keys of another task are unknown here', () => {
    const e = specError({ task: 'classify', cell: 'lstm', inputSize: 1, hiddenSize: 8, numClasses: 2, horizon: 3 });
    assert.equal(e.key, 'horizon');
  });

  test('missing, mistyped and out-of-range values name their key', () => {
    const cases: [unknown, string, RegExp][] = [
      [{ cell: 'lstm' }, 'task', /missing 'task' \(one of 'classify', 'regress', 'tag', 'regress-steps', 'forecast', 'language-model'\)/],
      [{ task: 'clasify' }, 'task', /'task' is "clasify", expected one of 'classify'/],
      [{ task: 'classify', cell: 'transformer', inputSize: 1, hiddenSize: 8, numClasses: 2 }, 'cell', /one of 'rnn', 'lstm', 'gru'/],
      [{ task: 'classify', cell: 'lstm', inputSize: 1, numClasses: 2 }, 'hiddenSize', /missing 'hiddenSize'/],
      [{ task: 'classify', cell: 'lstm', inputSize: 1, hiddenSize: 8 }, 'numClasses', /missing 'numClasses'/],
      [{ task: 'classify', ...base, inputSize: 1, numClasses: 1 }, 'numClasses', /at least 2/],
      [{ task: 'regress', ...base, inputSize: '4', outputSize: 1 }, 'inputSize', /'inputSize' is "4", expected a positive integer/],
      [{ task: 'regress', ...base, inputSize: 2.5, outputSize: 1 }, 'inputSize', /positive integer/],
      [{ task: 'regress', ...base, inputSize: 1, outputSize: 1, dropout: 1 }, 'dropout', /\[0, 1\)/],
      [{ task: 'regress', ...base, inputSize: 1, outputSize: 1, bidirectional: 'yes' }, 'bidirectional', /true or false/],
      [{ task: 'forecast', ...base, inputSize: 1, outputSize: 1 }, 'horizon', /missing 'horizon'/],
      [{ task: 'forecast', ...base, vocabSize: 5, embeddingDim: 2, outputSize: 1, horizon: 2 }, 'vocabSize', /does not apply; this task takes numeric features/],
      [{ task: 'language-model', ...base, inputSize: 3 }, 'inputSize', /takes token ids/],
      [{ task: 'language-model', ...base, vocabSize: 5, embeddingDim: 2, bidirectional: true }, 'bidirectional', /next token from the past only/],
      [{ task: 'language-model', ...base, vocabSize: 5, embeddingDim: 2, paddingIdx: 5 }, 'paddingIdx', /0\.\.4/],
      [{ task: 'tag', ...base, inputSize: 2, vocabSize: 5, embeddingDim: 2, numClasses: 3 }, 'inputSize', /not both/],
      [{ task: 'tag', ...base, vocabSize: 5, numClasses: 3 }, 'embeddingDim', /missing 'embeddingDim'/],
    ];
    for (const [raw, key, message] of cases) {
      const e = specError(raw);
      assert.equal(e.key, key, `${JSON.stringify(raw)}: key`);
      assert.match(e.message, message, JSON.stringify(raw));
    }
    assert.equal(specError([1, 2]).key, '');
    assert.equal(specError(null).key, '');
  });

  test('buildModel validates too', () => {
    assert.throws(() => buildModel({ task: 'regress', cell: 'lstm', inputSize: 1, hiddenSize: 8, outputSize: 1, numLayer: 2 }), /unknown key 'numLayer'/);
  });
});

describe('parameter names and shapes (PyTorch state_dict keys)', () => {
  test('bidirectional 2-layer GRU classifier', () => {
    const m = buildModel({ task: 'classify', cell: 'gru', inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, numClasses: 5 });
    const shapes = Object.fromEntries(m.namedParameters().map(([n, t]) => [n, t.shape]));
    assert.deepEqual(Object.keys(shapes), [
      'rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0',
      'rnn.weight_ih_l0_reverse', 'rnn.weight_hh_l0_reverse', 'rnn.bias_ih_l0_reverse', 'rnn.bias_hh_l0_reverse',
      'rnn.weight_ih_l1', 'rnn.weight_hh_l1', 'rnn.bias_ih_l1', 'rnn.bias_hh_l1',
      'rnn.weight_ih_l1_reverse', 'rnn.weight_hh_l1_reverse', 'rnn.bias_ih_l1_reverse', 'rnn.bias_hh_l1_reverse',
      'head.weight', 'head.bias',
    ]);
    assert.deepEqual(shapes['rnn.weight_ih_l0'], [12, 3]);
    assert.deepEqual(shapes['rnn.weight_ih_l1'], [12, 8]);
    assert.deepEqual(shapes['head.weight'], [5, 8]);
  });

  test('language model: embedding, LSTM, head over the vocabulary', () => {
    const m = buildModel({ task: 'language-model', cell: 'lstm', vocabSize: 11, embeddingDim: 6, hiddenSize: 7 });
    const shapes = Object.fromEntries(m.namedParameters().map(([n, t]) => [n, t.shape]));
    assert.deepEqual(shapes, {
      'embedding.weight': [11, 6],
      'rnn.weight_ih_l0': [28, 6], 'rnn.weight_hh_l0': [28, 7], 'rnn.bias_ih_l0': [28], 'rnn.bias_hh_l0': [28],
      'head.weight': [11, 7], 'head.bias': [11],
    });
  });

  test('the seed fixes the initial weights; another seed changes them', () => {
    const spec: ModelSpecInput = { task: 'regress', cell: 'rnn', inputSize: 2, hiddenSize: 3, outputSize: 1, seed: 9 };
    const a = buildModel(spec).stateDict();
    const b = buildModel(spec).stateDict();
    const c = buildModel({ ...spec, seed: 10 }).stateDict();
    for (const k of Object.keys(a)) assert.deepEqual(a[k].data, b[k].data, k);
    assert.notDeepEqual(a['head.weight'].data, c['head.weight'].data);
  });
});

describe('forward shapes of every preset', () => {
  const rng = new Rng(3);
  const lengths = [5, 2, 7, 1];
  const x = PackedSequence.fromArrays(randomSeqs(rng, lengths, 3));
  const ids = PackedSequence.fromArrays(lengths.map((T) => Array.from({ length: T }, () => [rng.int(10)])));

  test('sequence → one: classify [B, C], regress [B, O], forecast [B, horizon·O]', () => {
    const cls = buildModel({ task: 'classify', cell: 'lstm', inputSize: 3, hiddenSize: 6, numClasses: 4, bidirectional: true });
    assert.ok(cls instanceof SequenceToOne);
    assert.deepEqual(cls.forward(x).shape, [4, 4]);
    const reg = buildModel({ task: 'regress', cell: 'gru', inputSize: 3, hiddenSize: 6, outputSize: 2, numLayers: 2 });
    assert.deepEqual(reg.forward(x).shape, [4, 2]);
    const fc = buildModel({ task: 'forecast', cell: 'rnn', inputSize: 3, hiddenSize: 6, outputSize: 2, horizon: 5 });
    assert.deepEqual(fc.forward(x).shape, [4, 10]);
    const tok = buildModel({ task: 'classify', cell: 'gru', vocabSize: 10, embeddingDim: 3, hiddenSize: 6, numClasses: 2, paddingIdx: 0 });
    assert.deepEqual(tok.forward(ids).shape, [4, 2]);
  });

  test('sequence → sequence and language model: one row per real step, same layout', () => {
    const tag = buildModel({ task: 'tag', cell: 'lstm', inputSize: 3, hiddenSize: 6, numClasses: 5, bidirectional: true });
    assert.ok(tag instanceof SequenceToSequence);
    const out = tag.forward(x);
    assert.deepEqual(out.data.shape, [15, 5]);
    assert.deepEqual(Array.from(out.lengths), lengths);
    assert.ok(out.sameLayout(x));
    const steps = buildModel({ task: 'regress-steps', cell: 'gru', inputSize: 3, hiddenSize: 6, outputSize: 2 });
    assert.deepEqual(steps.forward(x).data.shape, [15, 2]);
    const lm = buildModel({ task: 'language-model', cell: 'gru', vocabSize: 10, embeddingDim: 4, hiddenSize: 6 });
    assert.ok(lm instanceof LanguageModel);
    assert.deepEqual(lm.forward(ids).data.shape, [15, 10]);
  });

  test('token models reject feature input; feature models check the feature count', () => {
    const lm = buildModel({ task: 'language-model', cell: 'gru', vocabSize: 10, embeddingDim: 4, hiddenSize: 6 });
    assert.throws(() => lm.forward(x), /token input has 3 features per step, expected 1/);
    const cls = buildModel({ task: 'classify', cell: 'lstm', inputSize: 2, hiddenSize: 6, numClasses: 4 });
    assert.throws(() => cls.forward(x), /3 features per step, expected 2 \(inputSize\)/);
  });
});

describe('sequence → one uses each sample\'s final state', () => {
  test('bidirectional: forward state at the last real step next to the reverse state at step 0', () => {
    const rng = new Rng(11);
    const lengths = [4, 6, 2];
    const x = PackedSequence.fromArrays(randomSeqs(rng, lengths, 2));
    const H = 5;
    const m = buildModel({ task: 'regress', cell: 'lstm', inputSize: 2, hiddenSize: H, numLayers: 2, bidirectional: true, outputSize: 3 });
    const got = m.forward(x);
    // From the padded top-layer outputs: [fwd(t = len − 1), rev(t = 0)] per sample, then the head.
    const { output } = m.rnn.forward(x);
    const padded = output.toPadded().data; // [B, T, 2H]
    const T = padded.shape[1];
    const rows: Tensor[] = lengths.map((len, b) => {
      const fwd = slice(reshape(slice(padded, 0, b, b + 1), [T, 2 * H]), 0, len - 1, len);
      const rev = slice(reshape(slice(padded, 0, b, b + 1), [T, 2 * H]), 0, 0, 1);
      return concat([slice(fwd, 1, 0, H), slice(rev, 1, H, 2 * H)], 1);
    });
    const expected = m.head.forward(concat(rows, 0));
    close(got.data, expected.data, 1e-6, 'logits');
  });

  test('a sample\'s output does not depend on the rest of its batch (eval mode)', () => {
    const rng = new Rng(2);
    const seqs = randomSeqs(rng, [3, 8, 1, 5], 2);
    const m = buildModel({ task: 'classify', cell: 'gru', inputSize: 2, hiddenSize: 6, numClasses: 3, dropout: 0.5, bidirectional: true });
    m.eval();
    const all = m.forward(PackedSequence.fromArrays(seqs));
    seqs.forEach((s, b) => {
      const one = m.forward(PackedSequence.fromArrays([s]));
      close(one.data, all.data.subarray(b * 3, b * 3 + 3), 1e-6, `sample ${b}`);
    });
  });

  test('dropout is active in training mode only', () => {
    const rng = new Rng(4);
    const x = PackedSequence.fromArrays(randomSeqs(rng, [4, 4], 2));
    const m = buildModel({ task: 'regress', cell: 'rnn', inputSize: 2, hiddenSize: 16, outputSize: 1, dropout: 0.5 });
    m.eval();
    const e1 = m.forward(x).data;
    const e2 = m.forward(x).data;
    assert.deepEqual(e1, e2);
    m.train();
    assert.notDeepEqual(m.forward(x).data, e1);
    assert.deepEqual(Object.keys(m.rngStates()), ['rnn.rng', 'drop.rng']);
  });
});

describe('losses and default metrics', () => {
  test('classify: cross entropy on [B] class ids', () => {
    const m = buildModel({ task: 'classify', cell: 'gru', inputSize: 1, hiddenSize: 4, numClasses: 3 });
    const x = PackedSequence.fromArrays([[[1], [2]], [[3]]]);
    const out = m.forward(x);
    const y = tensor([[2], [0]]);
    const loss = lossFor(m.spec)(out, { y, yPerStep: null });
    assert.equal(loss.item(), crossEntropy(out, [2, 0]).item());
    assert.throws(() => lossFor(m.spec)(out, { y: null, yPerStep: null }), /no per-sequence targets y \(expected \[B\] class ids\)/);
    assert.deepEqual(defaultMetrics(m.spec), ['accuracy', 'macroF1']);
  });

  test('regress: MSE against [B, O]; a [B] vector when O = 1; shapes are checked', () => {
    const m = buildModel({ task: 'regress', cell: 'gru', inputSize: 1, hiddenSize: 4, outputSize: 1 });
    const x = PackedSequence.fromArrays([[[1], [2]], [[3]]]);
    const out = m.forward(x);
    const l1 = lossFor(m.spec)(out, { y: tensor([[1], [2]]), yPerStep: null }).item();
    const l2 = lossFor(m.spec)(out, { y: tensor([1, 2]), yPerStep: null }).item();
    assert.equal(l1, l2);
    assert.equal(l1, mseLoss(out, tensor([[1], [2]])).item());
    assert.throws(() => lossFor(m.spec)(out, { y: tensor([[1, 1], [2, 2]]), yPerStep: null }), /targets y have shape \[2, 2\], expected \[2, 1\]/);
    assert.deepEqual(defaultMetrics(m.spec), ['mae', 'rmse']);
  });

  test('tag and language model: cross entropy over every real step', () => {
    const m = buildModel({ task: 'tag', cell: 'lstm', inputSize: 1, hiddenSize: 4, numClasses: 3 });
    const x = PackedSequence.fromArrays([[[1], [2], [0]], [[3]]]);
    const yPerStep = PackedSequence.fromArrays([[[0], [2], [1]], [[1]]]);
    const out = m.forward(x);
    assert.equal(lossFor(m.spec)(out, { y: null, yPerStep }).item(), crossEntropy(out, yPerStep).item());
    assert.throws(() => lossFor(m.spec)(out, { y: tensor([1, 2]), yPerStep: null }), /no per-step targets yPerStep/);
    const lm = validateSpec({ task: 'language-model', cell: 'gru', vocabSize: 4, embeddingDim: 2, hiddenSize: 3 });
    assert.deepEqual(defaultMetrics(lm), ['perplexity']);
  });
});

describe('language model generation', () => {
  const lm = buildModel({ task: 'language-model', cell: 'lstm', vocabSize: 12, embeddingDim: 5, hiddenSize: 9, numLayers: 2, seed: 4 });

  test('greedy generation with the carried state equals rerunning the growing prefix', () => {
    const prompt = [3, 7, 1];
    const gen = lm.generate(prompt, { maxLength: 8, temperature: 0 });
    assert.equal(gen.length, 8);
    const seq = [...prompt];
    lm.eval();
    for (let i = 0; i < 8; i++) {
      const logits = noGrad(() => lm.forward(PackedSequence.fromArrays([seq.map((id) => [id])]))).data; // [P, V], row t = step t
      const last = logits.data.subarray((seq.length - 1) * 12, seq.length * 12);
      let best = 0;
      for (let v = 1; v < 12; v++) if (last[v] > last[best]) best = v;
      assert.equal(gen[i], best, `token ${i}`);
      seq.push(best);
    }
    lm.train();
  });

  test('seeded sampling is reproducible; topK 1 is greedy; generation leaves training mode as it was', () => {
    lm.train();
    const a = lm.generate([0], { maxLength: 20, temperature: 1.5, seed: 3 });
    const b = lm.generate([0], { maxLength: 20, temperature: 1.5, seed: 3 });
    assert.deepEqual(a, b);
    assert.equal(lm.training, true);
    assert.deepEqual(lm.generate([0], { maxLength: 10, topK: 1, seed: 8 }), lm.generate([0], { maxLength: 10, temperature: 0 }));
    const stop = lm.generate([0], { maxLength: 10, temperature: 0 })[2];
    const stopped = lm.generate([0], { maxLength: 10, temperature: 0, stopId: stop });
    assert.equal(stopped.at(-1), stop);
    assert.ok(stopped.length <= 3);
  });

  test('bad arguments are named', () => {
    assert.throws(() => lm.generate([], { maxLength: 3 }), /prompt is empty/);
    assert.throws(() => lm.generate([12], { maxLength: 3 }), /prompt\[0\] = 12 is not a token id in 0\.\.11/);
    assert.throws(() => lm.generate([1], { maxLength: 3, temperature: -1 }), /temperature/);
    assert.throws(() => lm.generate([1], { maxLength: 3, topK: 0 }), /topK/);
  });

  test('sampleFromLogits: frequencies follow softmax(logits / T), topK keeps the k largest', () => {
    const logits = Float32Array.from([2, 1, 0, -1]);
    const rng = new Rng(1);
    const counts = [0, 0, 0, 0];
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleFromLogits(logits, { temperature: 2, topK: null }, rng)]++;
    const e = [1, 0.5, 0, -0.5].map(Math.exp);
    const z = e.reduce((s, v) => s + v, 0);
    counts.forEach((c, k) => assert.ok(Math.abs(c / n - e[k] / z) < 0.015, `token ${k}: ${c / n} vs ${e[k] / z}`));
    const top = new Set<number>();
    for (let i = 0; i < 500; i++) top.add(sampleFromLogits(logits, { temperature: 5, topK: 2 }, rng));
    assert.deepEqual([...top].sort(), [0, 1]);
    assert.equal(sampleFromLogits(logits, { temperature: 0, topK: null }, rng), 0);
  });
});

// ---- Learning: each preset beats its baseline on a tiny synthetic task by a stated margin.

const rng = new Rng(5);
const loader = (ds: ArrayDataset, seed = 1): DataLoader => new DataLoader(ds, { batchSize: 16, shuffle: true, seed });

function variance(xs: readonly number[]): number {
  const m = xs.reduce((s, v) => s + v, 0) / xs.length;
  return xs.reduce((s, v) => s + (v - m) ** 2, 0) / xs.length;
}

describe('each preset learns a tiny task', () => {
  test('regress: sum of a sequence, MSE < 5% of the variance (the mean predictor)', async () => {
    const make = (n: number): ArrayDataset => {
      const x = randomSeqs(rng, Array.from({ length: n }, () => 2 + rng.int(9)), 1);
      return new ArrayDataset({ x, y: x.map((s) => [s.reduce((a, v) => a + v[0], 0)]) });
    };
    const train = make(256);
    const test = make(128);
    const ys = Array.from({ length: test.size }, (_, i) => (test.get(i).y as number[])[0]);
    const m = buildModel({ task: 'regress', cell: 'gru', inputSize: 1, hiddenSize: 16, outputSize: 1, seed: 3 });
    await fit(m, loader(train), { epochs: 25, optimizer: { kind: 'adam', lr: 1e-2 }, progress: 'none' });
    const e = evaluate(m, new DataLoader(test, { batchSize: 64 }));
    assert.ok(e.loss < 0.05 * variance(ys), `MSE ${e.loss} vs variance ${variance(ys)}`);
  });

  test('classify: XOR of the first and the last bit, accuracy ≥ 0.95 (baseline 0.5)', async () => {
    const make = (n: number): ArrayDataset => {
      const x: number[][][] = [];
      const y: number[][] = [];
      for (let i = 0; i < n; i++) {
        const bits = Array.from({ length: 2 + rng.int(7) }, () => rng.int(2));
        x.push(bits.map((b) => [b]));
        y.push([bits[0] ^ (bits.at(-1) as number)]);
      }
      return new ArrayDataset({ x, y });
    };
    const m = buildModel({ task: 'classify', cell: 'gru', inputSize: 1, hiddenSize: 16, numClasses: 2, seed: 1 });
    await fit(m, loader(make(256)), { epochs: 30, optimizer: { kind: 'adam', lr: 1e-2 }, progress: 'none' });
    const acc = evaluate(m, new DataLoader(make(200), { batchSize: 64 })).metrics.accuracy as number;
    assert.ok(acc >= 0.95, `accuracy ${acc}`);
  });

  test('tag: copy the previous step\'s class, accuracy ≥ 0.95 (majority baseline < 0.45)', async () => {
    const make = (n: number): ArrayDataset => {
      const x: number[][][] = [];
      const yPerStep: number[][][] = [];
      for (let i = 0; i < n; i++) {
        const c = Array.from({ length: 3 + rng.int(8) }, () => rng.int(3));
        x.push(c.map((k) => [0, 1, 2].map((j) => (j === k ? 1 : 0))));
        yPerStep.push(c.map((_, t) => [t === 0 ? 0 : c[t - 1]]));
      }
      return new ArrayDataset({ x, yPerStep });
    };
    const m = buildModel({ task: 'tag', cell: 'lstm', inputSize: 3, hiddenSize: 16, numClasses: 3, seed: 1 });
    await fit(m, loader(make(200)), { epochs: 20, optimizer: { kind: 'adam', lr: 1e-2 }, progress: 'none' });
    const test = make(100);
    const counts = [0, 0, 0];
    for (let i = 0; i < test.size; i++) for (const [k] of test.get(i).yPerStep as number[][]) counts[k]++;
    const majority = Math.max(...counts) / counts.reduce((s, v) => s + v, 0);
    const acc = evaluate(m, new DataLoader(test, { batchSize: 64 })).metrics.accuracy as number;
    assert.ok(majority < 0.45, `majority ${majority}`);
    assert.ok(acc >= 0.95, `accuracy ${acc}`);
  });

  test('regress-steps: x_t + x_{t−1} at every step, MSE < 5% of the variance', async () => {
    const make = (n: number): ArrayDataset => {
      const x = randomSeqs(rng, Array.from({ length: n }, () => 2 + rng.int(9)), 1);
      return new ArrayDataset({ x, yPerStep: x.map((s) => s.map((v, t) => [v[0] + (t > 0 ? s[t - 1][0] : 0)])) });
    };
    const test = make(100);
    const ys: number[] = [];
    for (let i = 0; i < test.size; i++) for (const [v] of test.get(i).yPerStep as number[][]) ys.push(v);
    const m = buildModel({ task: 'regress-steps', cell: 'gru', inputSize: 1, hiddenSize: 16, outputSize: 1, seed: 2 });
    await fit(m, loader(make(200)), { epochs: 20, optimizer: { kind: 'adam', lr: 1e-2 }, progress: 'none' });
    const e = evaluate(m, new DataLoader(test, { batchSize: 64 }));
    assert.ok(e.loss < 0.05 * variance(ys), `MSE ${e.loss} vs variance ${variance(ys)}`);
  });

  test('forecast: the next 3 values of a noisy two-tone wave, MSE < 30% of persistence\'s', async () => {
    const series = Array.from({ length: 700 }, (_, t) => Math.sin(t / 3) + 0.5 * Math.sin(t / 7 + 1) + 0.05 * rng.normal());
    const W = 12;
    const H = 3;
    const windows = (from: number, to: number): ArrayDataset => {
      const x: number[][][] = [];
      const y: number[][] = [];
      for (let s = from; s + W + H <= to; s += 2) {
        x.push(series.slice(s, s + W).map((v) => [v]));
        y.push(series.slice(s + W, s + W + H));
      }
      return new ArrayDataset({ x, y });
    };
    const train = windows(0, 500);
    const test = windows(500, 700);
    let persistence = 0;
    let count = 0;
    for (let i = 0; i < test.size; i++) {
      const s = test.get(i);
      const last = (s.x.at(-1) as number[])[0];
      for (const v of s.y as number[]) {
        persistence += (v - last) ** 2;
        count++;
      }
    }
    persistence /= count;
    const m = buildModel({ task: 'forecast', cell: 'lstm', inputSize: 1, hiddenSize: 16, outputSize: 1, horizon: H, seed: 1 });
    await fit(m, loader(train), { epochs: 25, optimizer: { kind: 'adam', lr: 1e-2 }, progress: 'none' });
    const e = evaluate(m, new DataLoader(test, { batchSize: 64 }));
    assert.ok(e.loss < 0.3 * persistence, `MSE ${e.loss} vs persistence ${persistence}`);
  });

  test('language model: a cycle of 5 tokens, perplexity < 1.2 (uniform: 5), generation continues it', async () => {
    const make = (n: number): ArrayDataset => {
      const x: number[][][] = [];
      const yPerStep: number[][][] = [];
      for (let i = 0; i < n; i++) {
        const s0 = rng.int(5);
        const ids = Array.from({ length: 5 + rng.int(8) }, (_, t) => (s0 + t) % 5);
        x.push(ids.slice(0, -1).map((k) => [k]));
        yPerStep.push(ids.slice(1).map((k) => [k]));
      }
      return new ArrayDataset({ x, yPerStep });
    };
    const m = buildModel({ task: 'language-model', cell: 'gru', vocabSize: 5, embeddingDim: 4, hiddenSize: 16, seed: 1 });
    await fit(m, loader(make(64)), { epochs: 15, optimizer: { kind: 'adam', lr: 1e-2 }, progress: 'none' });
    const ppl = evaluate(m, new DataLoader(make(32), { batchSize: 64 })).metrics.perplexity as number;
    assert.ok(ppl < 1.2, `perplexity ${ppl}`);
    assert.deepEqual(m.generate([3, 4], { maxLength: 7, temperature: 0 }), [0, 1, 2, 3, 4, 0, 1]);
  });
});
