/**
 * Encoder–decoder (src/seq2seq): spec validation, every cell / bridge / attention combination,
 * streaming (step by step with the state carried equals the teacher-forced forward, at any batch
 * size), masking at the model level, teacher forcing and scheduled sampling, central-difference
 * gradients through the whole model.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ModelSpecError } from '../src/models/spec.ts';
import { finalStatesPerLayer } from '../src/seq2seq/bridge.ts';
import { Decoder, type DecoderState } from '../src/seq2seq/decoder.ts';
import { Seq2Seq } from '../src/seq2seq/model.ts';
import { validateSeq2SeqSpec, type Seq2SeqSpecInput } from '../src/seq2seq/spec.ts';
import { sequenceLoss, teacherForcingRatio, unrollTeacherForced } from '../src/seq2seq/teacher-forcing.ts';
import { Rng } from '../src/tensor/rng.ts';
import { Tensor, noGrad } from '../src/tensor/tensor.ts';
import { assertClose, gradCheck } from './gradcheck.ts';

const BOS = 2;
const EOS = 3;
const SRC = [[4, 5, 6, 7, 8], [9, 4], [5, 6, 7]];
const TGT = [[BOS, 8, 7, EOS], [BOS, 4, 9, 9, 5, EOS], [BOS, EOS]];

function spec(over: Partial<Seq2SeqSpecInput> = {}): Seq2SeqSpecInput {
  return {
    task: 'seq2seq',
    srcVocabSize: 10,
    tgtVocabSize: 11,
    embeddingDim: 4,
    encoder: { cell: 'lstm', hiddenSize: 5, numLayers: 2, bidirectional: true },
    decoder: { cell: 'gru', hiddenSize: 6, numLayers: 2 },
    attention: { kind: 'additive', size: 4 },
    seed: 3,
    ...over,
  };
}

/** Logits of each (sample, step) by stepping with the state carried, the whole batch each step. */
function stepped(model: Seq2Seq, src: number[][], tgt: number[][]): Float32Array[][] {
  return noGrad(() => {
    let state: DecoderState = model.start(src);
    const T = Math.max(...tgt.map((t) => t.length - 1));
    const out: Float32Array[][] = src.map(() => []);
    for (let t = 0; t < T; t++) {
      // Rows whose target has ended keep stepping on <eos>: their logits are simply not compared.
      const ids = tgt.map((s) => s[Math.min(t, s.length - 1)]);
      const r = model.step(ids, state);
      state = r.state;
      const V = r.logits.shape[1];
      tgt.forEach((s, b) => {
        if (t < s.length - 1) out[b].push(r.logits.data.slice(b * V, (b + 1) * V));
      });
    }
    return out;
  });
}

describe('spec', () => {
  test('defaults are filled in', () => {
    const s = validateSeq2SeqSpec({ task: 'seq2seq', srcVocabSize: 9, tgtVocabSize: 9, embeddingDim: 4, encoder: { cell: 'gru', hiddenSize: 8 }, decoder: { hiddenSize: 8 } });
    assert.deepEqual(s, {
      task: 'seq2seq', srcVocabSize: 9, tgtVocabSize: 9, embeddingDim: 4,
      encoder: { cell: 'gru', hiddenSize: 8, numLayers: 1, bidirectional: false },
      decoder: { cell: 'gru', hiddenSize: 8, numLayers: 1 },
      attention: { kind: 'none' }, bridge: 'linear', inputFeeding: false, dropout: 0, seed: 0, padId: 0, bosId: 2, eosId: 3,
    });
    assert.equal(validateSeq2SeqSpec(spec()).inputFeeding, true, 'input feeding defaults on with attention');
    assert.deepEqual(validateSeq2SeqSpec(JSON.parse(JSON.stringify(s))), s, 'a validated spec survives JSON');
  });

  test('errors name the key', () => {
    const bad = (over: object, key: string, msg: RegExp): void => {
      assert.throws(() => validateSeq2SeqSpec({ ...spec(), ...over }), (e: unknown) => e instanceof ModelSpecError && e.key === key && msg.test(e.message));
    };
    bad({ hidenSize: 3 }, 'hidenSize', /unknown key 'hidenSize' \(allowed: task, srcVocabSize/);
    bad({ encoder: { cell: 'lstm', hiddenSize: 5, layers: 2 } }, 'encoder.layers', /unknown key 'encoder.layers'/);
    bad({ attention: { kind: 'dot' } }, 'attention.kind', /dot attention needs decoder.hiddenSize \(6\) = encoder outputs' size \(10 = 2 × encoder.hiddenSize\)/);
    bad({ attention: { kind: 'additive' } }, 'attention.size', /'attention.size' is undefined, expected a positive integer/);
    bad({ attention: { kind: 'none' }, inputFeeding: true }, 'inputFeeding', /false without attention/);
    bad({ attention: { kind: 'none' }, bridge: 'zeros' }, 'bridge', /never see the source/);
    bad({ bridge: 'copy' }, 'bridge', /'copy' needs a unidirectional encoder/);
    bad({ eosId: 11 }, 'eosId', /an id in 0\.\.10/);
    bad({ decoder: { cell: 'transformer', hiddenSize: 3 } }, 'decoder.cell', /one of 'rnn', 'lstm', 'gru'/);
  });
});

describe('encoder–decoder', () => {
  const combos: [string, Partial<Seq2SeqSpecInput>][] = [
    ['bi-LSTM ×2 → GRU ×2, additive, linear bridge', {}],
    ['bi-GRU → LSTM, general, no input feeding', { encoder: { cell: 'gru', hiddenSize: 5, bidirectional: true }, decoder: { cell: 'lstm', hiddenSize: 6 }, attention: { kind: 'general' }, inputFeeding: false }],
    ['GRU → GRU, dot, zeros bridge', { encoder: { cell: 'gru', hiddenSize: 6 }, decoder: { cell: 'gru', hiddenSize: 6 }, attention: { kind: 'dot' }, bridge: 'zeros' }],
    ['LSTM ×2 → LSTM ×2, no attention, copy bridge', { encoder: { cell: 'lstm', hiddenSize: 6, numLayers: 2 }, decoder: { cell: 'lstm', hiddenSize: 6, numLayers: 2 }, attention: { kind: 'none' }, bridge: 'copy' }],
    ['RNN ×1 → RNN ×3, no attention, linear bridge', { encoder: { cell: 'rnn', hiddenSize: 5 }, decoder: { cell: 'rnn', hiddenSize: 4, numLayers: 3 }, attention: { kind: 'none' } }],
  ];
  for (const [name, over] of combos) {
    test(`${name}: streaming steps equal the teacher-forced forward, at batch 3 and 1`, () => {
      const model = new Seq2Seq(spec(over));
      const { logits, targets } = model.forward(SRC, TGT);
      assert.equal(logits.rows, TGT.reduce((s, t) => s + t.length - 1, 0), 'one row per real target step');
      assert.deepEqual(targets.toArrays().map((s) => s.map(([id]) => id)), TGT.map((t) => t.slice(1)));
      const V = 11;
      const batched = stepped(model, SRC, TGT);
      for (let b = 0; b < SRC.length; b++) {
        const alone = stepped(model, [SRC[b]], [TGT[b]])[0];
        for (let t = 0; t < TGT[b].length - 1; t++) {
          const r = logits.rowOf(b, t);
          const full = logits.data.data.subarray(r * V, (r + 1) * V);
          assertClose(batched[b][t], full, 1e-6, 0, `sample ${b} step ${t} (batch of 3)`);
          assertClose(alone[t], full, 1e-6, 0, `sample ${b} step ${t} (alone)`);
        }
      }
      const loss = model.loss(SRC, TGT);
      loss.backward();
      const missing = model.namedParameters().filter(([n, p]) => p.grad === null && !n.endsWith('embedding.weight')).map(([n]) => n);
      assert.deepEqual(missing, [], 'every parameter gets a gradient');
    });
  }

  test('bridge reads encoder layer max(0, Le − Ld + l), directions concatenated', () => {
    // state [Le·dirs, B, H] with value 10·(layer·dirs + dir) + b
    const make = (L: number, dirs: number): Tensor =>
      new Tensor(Float32Array.from({ length: L * dirs * 2 * 1 }, (_, k) => 10 * Math.floor(k / 2) + (k % 2)), [L * dirs, 2, 1]);
    const first = (ts: Tensor[]): number[][] => ts.map((t) => Array.from(t.data));
    assert.deepEqual(first(finalStatesPerLayer(make(2, 2), 2, 2, 1)), [[20, 30, 21, 31]], 'top layer, [fwd; bwd] per sample');
    assert.deepEqual(first(finalStatesPerLayer(make(1, 1), 1, 1, 3)), [[0, 1], [0, 1], [0, 1]], 'one encoder layer feeds all');
    assert.deepEqual(first(finalStatesPerLayer(make(3, 1), 3, 1, 2)), [[10, 11], [20, 21]], 'top layers aligned');
  });

  test('parameter names follow the module tree', () => {
    const names = new Seq2Seq(spec()).namedParameters().map(([n]) => n);
    for (const n of [
      'encoder.embedding.weight', 'encoder.rnn.weight_ih_l1_reverse', 'bridge.h.1.weight', 'decoder.embedding.weight',
      'decoder.cells.0.weight_ih', 'decoder.cells.1.bias_hh', 'decoder.attention.W_q.weight', 'decoder.attention.W_k.bias',
      'decoder.attention.v.weight', 'decoder.combine.weight', 'decoder.out.bias',
    ]) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    assert.ok(!names.some((n) => n.startsWith('bridge.c.')), 'a GRU decoder has no c bridge');
    const first = decoderInputSize(new Seq2Seq(spec()));
    assert.equal(first, 4 + 6, 'layer 0 input: embedding + fed h̃');
  });

  test('a padded source position changes nothing: a sample batched with longer ones equals it alone', () => {
    const model = new Seq2Seq(spec({ encoder: { cell: 'gru', hiddenSize: 5, bidirectional: true }, attention: { kind: 'general' } }));
    const batch = model.forward(SRC, TGT).logits;
    const alone = model.forward([SRC[1]], [TGT[1]]).logits;
    for (let t = 0; t < TGT[1].length - 1; t++) {
      const r = batch.rowOf(1, t);
      assertClose(batch.data.data.subarray(r * 11, (r + 1) * 11), alone.data.data.subarray(t * 11, (t + 1) * 11), 1e-6, 0, `step ${t}`);
    }
    // And garbage written into the padded memory of sample 1 (source length 2 of 5) changes no logit.
    noGrad(() => {
      const state = model.start(SRC);
      const mem = state.memory!;
      const dirty = (t: Tensor): Tensor => {
        const d = t.data.slice();
        const F = t.shape[2];
        const S = t.shape[1];
        for (let s = 2; s < S; s++) for (let f = 0; f < F; f++) d[(1 * S + s) * F + f] = 1e4 * Math.sin(s + f);
        return new Tensor(d, t.shape);
      };
      const dirtyState: DecoderState = { ...state, memory: { values: dirty(mem.values), keys: dirty(mem.keys), lengths: mem.lengths } };
      const a = model.step([BOS, BOS, BOS], state);
      const b = model.step([BOS, BOS, BOS], dirtyState);
      assert.deepEqual(b.logits.data, a.logits.data);
      assert.deepEqual(b.attention!.data, a.attention!.data);
      assert.deepEqual(Array.from(a.attention!.data.subarray(5, 10)).map((w, s) => (s >= 2 ? w : 0)), [0, 0, 0, 0, 0]);
    });
  });

  test('a padded memory position changes no loss and no gradient, and gets exactly zero gradient', () => {
    const model = new Seq2Seq(spec({ attention: { kind: 'additive', size: 4 } }));
    const lengths = [5, 2, 3];
    const clean = noGrad(() => model.encode(SRC).outputs); // [3, 5, 10], zeros on pads
    const run = (values: Tensor): { loss: number; grads: Float32Array[]; dValues: Float32Array } => {
      model.zeroGrad();
      const leaf = new Tensor(values.data.slice(), values.shape, true);
      const state = model.decoder.initialState(model.decoder.zeroStates(3), model.decoder.attention!.prepare(leaf, lengths));
      const loss = sequenceLoss(unrollTeacherForced(model.decoder, state, 3, TGT));
      loss.backward();
      return { loss: loss.item(), grads: model.decoder.parameters().map((p) => p.grad!.data), dValues: leaf.grad!.data };
    };
    const a = run(clean);
    const dirty = new Tensor(clean.data.slice(), clean.shape);
    lengths.forEach((n, b) => {
      for (let s = n; s < 5; s++) for (let f = 0; f < 10; f++) dirty.data[(b * 5 + s) * 10 + f] = 50 * Math.cos(7 * s + f);
    });
    const c = run(dirty);
    assert.equal(c.loss, a.loss);
    a.grads.forEach((g, i) => assert.deepEqual(c.grads[i], g, `decoder parameter ${i}`));
    lengths.forEach((n, b) => {
      for (let k = (b * 5 + n) * 10; k < (b + 1) * 5 * 10; k++) assert.equal(c.dValues[k], 0);
    });
    assert.ok(a.dValues.some((g) => g !== 0), 'real positions do get gradient');
  });

  test('gradients of the whole model by central differences', () => {
    const model = new Seq2Seq(spec({ encoder: { cell: 'lstm', hiddenSize: 3, bidirectional: true }, decoder: { cell: 'lstm', hiddenSize: 3, numLayers: 2 }, attention: { kind: 'additive', size: 3 }, embeddingDim: 3 }));
    const src = [[4, 5, 6], [7]];
    const tgt = [[BOS, 5, EOS], [BOS, 9, 8, EOS]];
    const r = gradCheck(() => model.forward(src, tgt).logits.data, model.parameters(), { eps: 1e-2, atol: 3e-3 });
    assert.ok(r.checked > 300, `${r.checked} parameters checked`);
  });
});

/** Input size of the decoder's first cell. */
function decoderInputSize(model: Seq2Seq): number {
  const d: Decoder = model.decoder;
  return d.cells[0].inputSize;
}

describe('teacher forcing and scheduled sampling', () => {
  test('ratio 0 feeds the model its own argmax: equals greedy stepping', () => {
    const model = new Seq2Seq(spec());
    const tgt = [[BOS, 4, 4, 4, 4, EOS]];
    const u = noGrad(() => model.forward([SRC[0]], tgt, { teacherForcing: 0, rng: new Rng(1) }).logits.data.data);
    noGrad(() => {
      let state = model.start([SRC[0]]);
      let id = BOS;
      for (let t = 0; t < 5; t++) {
        const r = model.step([id], state);
        assertClose(r.logits.data, u.subarray(t * 11, (t + 1) * 11), 1e-6, 0, `step ${t}`);
        let best = 0;
        for (let v = 1; v < 11; v++) if (r.logits.data[v] > r.logits.data[best]) best = v;
        id = best;
        state = r.state;
      }
    });
  });

  test('seeded draws: same seed same logits, ratio < 1 differs from full forcing, no rng is an error', () => {
    const model = new Seq2Seq(spec());
    const tgt = [[BOS, 4, 9, 9, 5, 6, 7, EOS], [BOS, 8, 8, 8, 8, 8, 8, EOS], [BOS, 5, 5, 5, 5, 5, 5, EOS]];
    const run = (ratio: number, seed: number): Float32Array => noGrad(() => model.forward(SRC, tgt, { teacherForcing: ratio, rng: new Rng(seed) }).logits.data.data);
    assert.deepEqual(run(0.5, 7), run(0.5, 7));
    assert.notDeepEqual(run(0.5, 7), run(1, 7));
    assert.notDeepEqual(run(0.5, 7), run(0.5, 8));
    assert.throws(() => model.forward(SRC, TGT, { teacherForcing: 0.5 }), /needs an rng/);
    assert.throws(() => model.forward(SRC, [[BOS], [BOS, EOS], [BOS, EOS]]), /target 0 has 1 ids, expected at least 2/);
  });

  test('schedules', () => {
    assert.equal(teacherForcingRatio({ kind: 'constant', ratio: 0.7 }, 99), 0.7);
    assert.equal(teacherForcingRatio({ kind: 'linear', start: 1, end: 0.5, steps: 1000 }, 250), 0.875);
    assert.equal(teacherForcingRatio({ kind: 'linear', start: 1, end: 0.5, steps: 1000 }, 5000), 0.5);
    assert.ok(Math.abs(teacherForcingRatio({ kind: 'inverse-sigmoid', k: 10 }, 0) - 10 / 11) < 1e-12);
    assert.ok(teacherForcingRatio({ kind: 'inverse-sigmoid', k: 10 }, 100) < 0.01);
  });

  test('unrollTeacherForced checks its batch', () => {
    const model = new Seq2Seq(spec());
    assert.throws(() => unrollTeacherForced(model, model.start(SRC), 3, TGT.slice(0, 2)), /2 targets given for 3 samples/);
  });
});
