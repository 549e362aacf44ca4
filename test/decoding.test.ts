/**
 * Decoding (src/seq2seq/decoding.ts, sampling.ts, generate.ts): beam search against exhaustive
 * enumeration on a model small enough to list every sequence, width 1 = greedy, batching changes
 * nothing, seeded sampling (reproducible, batch-independent, the right distribution under
 * temperature / top-k / top-p), and language-model generation from prompts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildModel } from '../src/models/build.ts';
import { PackedSequence } from '../src/data/packed.ts';
import { beamSearch, decode, greedyDecode, sampleDecode, type Hypothesis } from '../src/seq2seq/decoding.ts';
import { generate, LanguageModelStepper, type LanguageModelState } from '../src/seq2seq/generate.ts';
import { Seq2Seq } from '../src/seq2seq/model.ts';
import { logSoftmaxRow, sampleToken } from '../src/seq2seq/sampling.ts';
import { VectorToSequence } from '../src/seq2seq/vector-to-sequence.ts';
import { randn, tensor } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';
import { indexSelect } from '../src/tensor/shape.ts';
import { noGrad } from '../src/tensor/tensor.ts';
import { assertClose } from './gradcheck.ts';

const BOS = 2;
const EOS = 3;

/** A random V = 4 model (ids 0..3, <eos> = 3) with peaked distributions, and B = 6 inputs. */
function tinyModel(): { model: VectorToSequence; x: ReturnType<typeof randn> } {
  const model = new VectorToSequence({ task: 'vector-to-sequence', inputSize: 3, vocabSize: 4, embeddingDim: 3, decoder: { cell: 'gru', hiddenSize: 5 }, seed: 11 });
  for (const p of model.parameters()) for (let i = 0; i < p.size; i++) p.data[i] *= 3;
  return { model, x: randn([6, 3], { rng: new Rng(5) }) };
}

/** Every sequence of at most maxLength ids (ending at <eos> or at maxLength) with its log-probability. */
function enumerate(model: VectorToSequence, x: ReturnType<typeof randn>, b: number, maxLength: number): { ids: number[]; logProb: number }[] {
  const out: { ids: number[]; logProb: number }[] = [];
  noGrad(() => {
    const lp = new Float64Array(4);
    const walk = (state: ReturnType<VectorToSequence['start']>, input: number, ids: number[], logProb: number): void => {
      const r = model.step([input], state);
      logSoftmaxRow(lp, r.logits.data, 0, 4);
      const here = Array.from(lp);
      for (let v = 0; v < 4; v++) {
        const next = [...ids, v];
        if (v === EOS || next.length === maxLength) out.push({ ids: next, logProb: logProb + here[v] });
        else walk(r.state, v, next, logProb + here[v]);
      }
    };
    walk(model.start(indexSelect(x, 0, [b])), BOS, [], 0);
  });
  return out;
}

const key = (h: { ids: number[] }): string => h.ids.join(',');

describe('beam search', () => {
  test('finds the exact best sequence: a width covering every continuation equals enumeration (α = 0 and α = 1)', () => {
    const { model, x } = tinyModel();
    const prompts = Array.from({ length: 6 }, () => [BOS]);
    const greedy = greedyDecode(model, model.start(x), prompts, { maxLength: 4, eosId: EOS });
    let greedyMissed = 0;
    for (const alpha of [0, 1]) {
      const beams = beamSearch(model, model.start(x), prompts, { width: 128, lengthPenalty: alpha, maxLength: 4, eosId: EOS });
      for (let b = 0; b < 6; b++) {
        const all = enumerate(model, x, b, 4).map((h) => ({ ...h, score: h.logProb / h.ids.length ** alpha }));
        assert.equal(all.length, 1 + 3 + 9 + 27 + 81);
        all.sort((p, q) => q.score - p.score);
        // Every sequence was found, with its log-probability, in score order.
        assert.equal(beams[b].length, all.length);
        beams[b].forEach((h, i) => {
          assert.equal(key(h), key(all[i]), `α ${alpha}, sample ${b}, rank ${i}`);
          assert.ok(Math.abs(h.logProb - all[i].logProb) < 1e-9);
          assert.ok(Math.abs(h.score - all[i].score) < 1e-9);
          assert.equal(h.finished, h.ids[h.ids.length - 1] === EOS);
        });
        if (alpha === 0 && key(greedy[b]) !== key(all[0])) greedyMissed++;
      }
    }
    // The search is not trivial: greedy decoding misses the best sequence for some inputs.
    assert.ok(greedyMissed > 0, 'greedy found every optimum; the model is too easy to test beam search');
  });

  test('small widths return the best of what they kept, and never beat enumeration', () => {
    const { model, x } = tinyModel();
    const prompts = Array.from({ length: 6 }, () => [BOS]);
    const beams = beamSearch(model, model.start(x), prompts, { width: 3, lengthPenalty: 0.6, maxLength: 4, eosId: EOS });
    for (let b = 0; b < 6; b++) {
      const all = enumerate(model, x, b, 4).map((h) => ({ ...h, score: h.logProb / h.ids.length ** 0.6 }));
      const best = Math.max(...all.map((h) => h.score));
      assert.equal(beams[b].length, 3);
      for (let i = 1; i < 3; i++) assert.ok(beams[b][i - 1].score >= beams[b][i].score, 'sorted best first');
      for (const h of beams[b]) {
        const same = all.find((a) => key(a) === key(h));
        assert.ok(same && Math.abs(same.logProb - h.logProb) < 1e-9, `hypothesis ${key(h)} scored as enumeration`);
        assert.ok(h.score <= best + 1e-12);
      }
    }
  });

  test('width 1 equals greedy (ids and log-probabilities), with attention, any α', () => {
    const model = new Seq2Seq({
      task: 'seq2seq', srcVocabSize: 12, tgtVocabSize: 12, embeddingDim: 6,
      encoder: { cell: 'gru', hiddenSize: 8, bidirectional: true }, decoder: { cell: 'lstm', hiddenSize: 8 },
      attention: { kind: 'general' }, seed: 4,
    });
    // Sharper than at initialisation, and <eos> likelier: some samples end early, some run to maxLength.
    for (const p of model.parameters()) for (let i = 0; i < p.size; i++) p.data[i] *= 3;
    model.decoder.out.bias!.data[EOS] += 1;
    const rng = new Rng(3);
    const src = Array.from({ length: 8 }, () => Array.from({ length: 1 + rng.int(6) }, () => 4 + rng.int(8)));
    const greedy = model.translate(src, { strategy: { kind: 'greedy' }, maxLength: 7 });
    assert.ok(greedy.some((h) => h.finished && h.ids.length > 2) && greedy.some((h) => !h.finished), 'both endings occur');
    for (const alpha of [0, 1, 2.5]) {
      const beam = model.translate(src, { strategy: { kind: 'beam', width: 1, lengthPenalty: alpha }, maxLength: 7 });
      beam.forEach((h, b) => {
        assert.deepEqual(h.ids, greedy[b].ids, `sample ${b}, α ${alpha}`);
        assert.ok(Math.abs(h.logProb - greedy[b].logProb) < 1e-9);
        assert.equal(h.attention!.length, h.ids.length, 'one attention row per generated id');
        assert.deepEqual(h.attention, greedy[b].attention);
      });
    }
  });

  test('batched over sources equals one source at a time', () => {
    const { model, x } = tinyModel();
    const prompts = Array.from({ length: 6 }, () => [BOS]);
    const batched = beamSearch(model, model.start(x), prompts, { width: 2, maxLength: 4, eosId: EOS });
    for (let b = 0; b < 6; b++) {
      const alone = beamSearch(model, model.start(indexSelect(x, 0, [b])), [[BOS]], { width: 2, maxLength: 4, eosId: EOS })[0];
      assert.deepEqual(alone.map(key), batched[b].map(key));
    }
  });

  test('option errors', () => {
    const { model, x } = tinyModel();
    const p = [[BOS], [BOS], [BOS], [BOS], [BOS], [BOS]];
    assert.throws(() => beamSearch(model, model.start(x), p, { width: 0, maxLength: 4, eosId: EOS }), /width is 0, expected a positive integer/);
    assert.throws(() => beamSearch(model, model.start(x), p, { width: 2, lengthPenalty: -1, maxLength: 4, eosId: EOS }), /lengthPenalty is -1/);
    assert.throws(() => greedyDecode(model, model.start(x), [[]], { maxLength: 4, eosId: EOS }), /prompt 0 is empty/);
    assert.throws(() => greedyDecode(model, model.start(x), p, { maxLength: -1, eosId: EOS }), /maxLength is -1/);
    assert.throws(() => sampleDecode(model, model.start(x), p, { maxLength: 4, eosId: EOS, topP: 0 }), /topP is 0, expected a number in \(0, 1\]/);
    assert.deepEqual(greedyDecode(model, model.start(x), p, { maxLength: 0, eosId: EOS })[0].ids, []);
  });
});

describe('sampling', () => {
  const logits = Float32Array.of(2, 1, 0, -1, 0.5);
  const frequencies = (o: { temperature: number; topK: number | null; topP: number }, n = 40000): number[] => {
    const rng = new Rng(8);
    const f = [0, 0, 0, 0, 0];
    for (let i = 0; i < n; i++) f[sampleToken(logits, 0, 5, o, rng)] += 1 / n;
    return f;
  };
  const softmax = (xs: number[]): number[] => {
    const e = xs.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  };

  test('temperature: frequencies follow softmax(logits / T)', () => {
    assertClose(frequencies({ temperature: 0.7, topK: null, topP: 1 }), softmax([...logits].map((v) => v / 0.7)), 0.01, 0, 'T = 0.7');
    assertClose(frequencies({ temperature: 2, topK: null, topP: 1 }), softmax([...logits].map((v) => v / 2)), 0.01, 0, 'T = 2');
  });

  test('top-k keeps the k most likely; top-p the smallest prefix reaching p', () => {
    const p2 = softmax([2, 1]);
    assertClose(frequencies({ temperature: 1, topK: 2, topP: 1 }), [p2[0], p2[1], 0, 0, 0], 0.01, 0, 'top-2');
    // Sorted probabilities: 0.563 (id 0), 0.207 (id 1), 0.126 (id 4), 0.076, 0.028: p = 0.8 keeps ids 0, 1, 4.
    const full = softmax([...logits]);
    assert.ok(full[0] + full[1] < 0.8 && full[0] + full[1] + full[4] >= 0.8);
    const p3 = softmax([2, 1, 0.5]);
    assertClose(frequencies({ temperature: 1, topK: null, topP: 0.8 }), [p3[0], p3[1], 0, 0, p3[2]], 0.01, 0, 'top-p 0.8');
    const p2b = softmax([2, 1]);
    assertClose(frequencies({ temperature: 1, topK: null, topP: 0.7 }), [p2b[0], p2b[1], 0, 0, 0], 0.01, 0, 'top-p 0.7');
    assert.equal(sampleToken(logits, 0, 5, { temperature: 1, topK: null, topP: 1e-6 }, new Rng(1)), 0, 'tiny p keeps the best only');
    assert.equal(sampleToken(logits, 0, 5, { temperature: 0, topK: 3, topP: 0.5 }, new Rng(1)), 0, 'T = 0 is argmax');
  });

  test('sampleDecode: same seed same ids, another seed other ids, a sample does not depend on its batch; T = 0 is greedy', () => {
    const { model, x } = tinyModel();
    const p = Array.from({ length: 6 }, () => [BOS]);
    const run = (seed: number): string[] => sampleDecode(model, model.start(x), p, { maxLength: 12, eosId: EOS, temperature: 1.5, seed }).map(key);
    assert.deepEqual(run(5), run(5));
    assert.notDeepEqual(run(5), run(6));
    const batched = sampleDecode(model, model.start(x), p, { maxLength: 12, eosId: EOS, temperature: 1.5, topK: 3, topP: 0.95, seed: 9 });
    const third = sampleDecode(model, model.start(indexSelect(x, 0, [0, 1, 2])), p.slice(0, 3), { maxLength: 12, eosId: EOS, temperature: 1.5, topK: 3, topP: 0.95, seed: 9 });
    assert.deepEqual(third.map(key), batched.slice(0, 3).map(key));
    const cold = decode(model, model.start(x), p, { strategy: { kind: 'sample', temperature: 0 }, maxLength: 12, eosId: EOS });
    const greedy = decode(model, model.start(x), p, { strategy: { kind: 'greedy' }, maxLength: 12, eosId: EOS });
    assert.deepEqual(cold, greedy);
  });
});

describe('language-model generation', () => {
  const lm = buildModel({ task: 'language-model', cell: 'lstm', vocabSize: 9, embeddingDim: 4, hiddenSize: 6, numLayers: 2, seed: 2 });

  test('stepping the prompt equals the full forward (streaming), any batch', () => {
    const prompts = [[2, 5, 6, 7, 8], [2, 4], [2, 8, 8]];
    const full = noGrad(() => lm.forward(PackedSequence.fromArrays(prompts.map((p) => p.map((id) => [id])))));
    const stepper = new LanguageModelStepper(lm);
    noGrad(() => {
      let state: LanguageModelState | null = null;
      for (let t = 0; t < 5; t++) {
        const r = stepper.step(prompts.map((p) => p[Math.min(t, p.length - 1)]), state);
        state = r.state;
        prompts.forEach((p, b) => {
          if (t >= p.length) return;
          const row = full.rowOf(b, t);
          assertClose(r.logits.data.subarray(b * 9, (b + 1) * 9), full.data.data.subarray(row * 9, (row + 1) * 9), 1e-6, 0, `sample ${b} step ${t}`);
        });
      }
    });
  });

  test('greedy generation equals LanguageModel.generate at temperature 0; ragged prompts batch', () => {
    const prompts = [[2, 5, 6], [2], [7, 7, 7, 7]];
    const batched = generate(lm, prompts, { strategy: { kind: 'greedy' }, maxLength: 10, eosId: EOS });
    prompts.forEach((p, b) => {
      assert.deepEqual(batched[b].ids, lm.generate(p, { maxLength: 10, temperature: 0, stopId: EOS }), `prompt ${b}`);
    });
    const beams = generate(lm, prompts, { strategy: { kind: 'beam', width: 3 }, maxLength: 6, eosId: EOS });
    prompts.forEach((p, b) => {
      assert.deepEqual(beams[b].ids, generate(lm, [p], { strategy: { kind: 'beam', width: 3 }, maxLength: 6, eosId: EOS })[0].ids);
    });
    const s1 = generate(lm, prompts, { strategy: { kind: 'sample', temperature: 0.9, topP: 0.9, seed: 4 }, maxLength: 20 });
    const s2 = generate(lm, prompts, { strategy: { kind: 'sample', temperature: 0.9, topP: 0.9, seed: 4 }, maxLength: 20 });
    assert.deepEqual(s1, s2);
    assert.ok(s1.every((h: Hypothesis) => h.ids.length === 20 && !h.finished), 'no eosId: runs to maxLength');
  });

  test('generation leaves the model in the mode it found and records no tape', () => {
    lm.train();
    const out = generate(lm, [[2, 3]], { strategy: { kind: 'greedy' }, maxLength: 3 });
    assert.equal(lm.training, true);
    assert.equal(out[0].ids.length, 3);
    const x = tensor([1, 0, 0], [1, 3]);
    const { model } = tinyModel();
    model.generate(x, { strategy: { kind: 'greedy' }, maxLength: 3 });
    assert.equal(model.training, true);
    assert.ok(model.parameters().every((p) => p.grad === null));
  });
});
