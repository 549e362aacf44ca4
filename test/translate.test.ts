/**
 * The seq2seq training loop (exact resume, checks, checkpoints) on a tiny synthetic task, and the
 * `translate` demo: a leak-free split, and a quick run on Tatoeba English → Korean that must beat
 * the most-common-translation baseline and in which attention must do at least as well as none.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { groupPairs, readTatoeba, run, splitByGroup } from '../src/demos/translate.ts';
import { Seq2Seq } from '../src/seq2seq/model.ts';
import { loadSeq2Seq, seq2seqLoss, trainSeq2Seq, type ParallelData, type Seq2SeqTrainOptions } from '../src/seq2seq/train.ts';
import { Rng } from '../src/tensor/rng.ts';

const dir = mkdtempSync(join(tmpdir(), 'recur-translate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BOS = 2;
const EOS = 3;

/** Reverse a sequence of symbols 4..11: src [a, b, c] → tgt [<bos>, c, b, a, <eos>]. */
function reversal(n: number, seed: number): ParallelData {
  const rng = new Rng(seed);
  const src: number[][] = [];
  const tgt: number[][] = [];
  for (let i = 0; i < n; i++) {
    const s = Array.from({ length: 2 + rng.int(4) }, () => 4 + rng.int(8));
    src.push(s);
    tgt.push([BOS, ...[...s].reverse(), EOS]);
  }
  return { src, tgt };
}

const tinyModel = (): Seq2Seq =>
  new Seq2Seq({
    task: 'seq2seq', srcVocabSize: 12, tgtVocabSize: 12, embeddingDim: 8,
    encoder: { cell: 'gru', hiddenSize: 16, bidirectional: true }, decoder: { hiddenSize: 16 },
    attention: { kind: 'general' }, dropout: 0.1, seed: 4,
  });

const data = reversal(96, 1);
const validation = reversal(32, 2);
const base: Seq2SeqTrainOptions = {
  epochs: 3, batchSize: 16, optimizer: { kind: 'adam', lr: 1e-2 }, clipGradNorm: 1, validation, seed: 9, progress: 'none',
  // Scheduled sampling, so that the teacher-forcing draws are part of what must resume exactly.
  teacherForcing: { kind: 'linear', start: 1, end: 0.5, steps: 12 },
};

const weightsOf = (m: Seq2Seq): Float32Array[] => m.parameters().map((p) => p.data.slice());

test('trainSeq2Seq learns and reports per-epoch records', async () => {
  const model = tinyModel();
  const before = seq2seqLoss(model, validation);
  const lines: string[] = [];
  const history = await trainSeq2Seq(model, data, { ...base, epochs: 4, progress: 'lines', output: { write: (t: string) => lines.push(t) } });
  assert.equal(history.epochs.length, 4);
  assert.equal(history.stepLosses.length, 4 * 6);
  const last = history.epochs[3];
  assert.ok(last.valLoss !== null && last.valLoss < before - 0.5, `validation loss ${last.valLoss} should fall well below ${before}`);
  assert.equal(last.valLoss, seq2seqLoss(model, validation, 64));
  assert.equal(history.epochs[0].teacherForcing, 1);
  assert.ok(history.epochs[3].teacherForcing === 0.5, 'the linear schedule has reached its end by epoch 4 (step 18 ≥ 12)');
  assert.equal(last.tokens, data.tgt.reduce((a, t) => a + t.length - 1, 0));
  assert.equal(lines.length, 4);
  assert.match(lines[3], /^epoch 4\/4 {2}loss \d\.\d{4} {2}val_loss \d\.\d{4} {2}tf 0\.50 {2}lr 0\.0100 {2}\d+ tok\/s {2}\d+\.\ds\n$/);
});

test('trainSeq2Seq resumes exactly, from an epoch boundary and from inside an epoch', async () => {
  const straight = tinyModel();
  const hStraight = await trainSeq2Seq(straight, data, base);

  // Stopped after epoch 1, resumed from its checkpoint.
  const path1 = join(dir, 'epoch.recur');
  const a = tinyModel();
  await trainSeq2Seq(a, data, { ...base, epochs: 1, checkpoint: { path: path1 } });
  const a2 = tinyModel();
  const hA = await trainSeq2Seq(a2, data, { ...base, resumeFrom: path1 });
  assert.deepEqual(weightsOf(a2), weightsOf(straight));
  assert.deepEqual(hA.stepLosses, hStraight.stepLosses);

  // Aborted at step 3 of epoch 2 (signal), resumed from the checkpoint written on abort.
  const path2 = join(dir, 'abort.recur');
  const controller = new AbortController();
  const b = tinyModel();
  const hAborted = await trainSeq2Seq(b, data, {
    ...base, checkpoint: { path: path2 }, signal: controller.signal,
    onStep: (s) => {
      if (s.epoch === 2 && s.batch === 3) controller.abort();
    },
  });
  assert.equal(hAborted.stopReason, 'aborted');
  assert.equal(hAborted.stepLosses.length, 6 + 3);
  const b2 = tinyModel();
  const hB = await trainSeq2Seq(b2, data, { ...base, resumeFrom: path2 });
  assert.equal(hB.stopReason, 'completed');
  assert.deepEqual(weightsOf(b2), weightsOf(straight));
  assert.deepEqual(hB.stepLosses, hStraight.stepLosses);
  assert.deepEqual(hB.epochs.map((e) => e.loss), hStraight.epochs.map((e) => e.loss));
  assert.deepEqual(hB.epochs.map((e) => e.valLoss), hStraight.epochs.map((e) => e.valLoss));

  // Aborted after the last batch of epoch 1: the epoch is finished (validated, recorded) first.
  const path3 = join(dir, 'abort-last.recur');
  const controller3 = new AbortController();
  const c = tinyModel();
  const hC = await trainSeq2Seq(c, data, {
    ...base, checkpoint: { path: path3 }, signal: controller3.signal,
    onStep: (s) => {
      if (s.epoch === 1 && s.batch === 6) controller3.abort();
    },
  });
  assert.equal(hC.epochs.length, 1);
  const c2 = tinyModel();
  await trainSeq2Seq(c2, data, { ...base, resumeFrom: path3 });
  assert.deepEqual(weightsOf(c2), weightsOf(straight));

  // The checkpoint also loads as a translator.
  const { model: loaded } = loadSeq2Seq(path2);
  const src = [[4, 5, 6], [7, 8]];
  const opts = { strategy: { kind: 'beam', width: 3 }, maxLength: 8 } as const;
  assert.deepEqual(loaded.translate(src, opts), b.translate(src, opts));
});

test('trainSeq2Seq rejects bad data and options with messages that say what is wrong', async () => {
  const model = tinyModel();
  await assert.rejects(trainSeq2Seq(model, { src: [[4, 5]], tgt: [[4, 5, EOS]] }, base), /training data target 0 is \[4, 5, 3\], expected \[<bos>=2, …, <eos>=3\]/);
  await assert.rejects(trainSeq2Seq(model, { src: [[4, 50]], tgt: [[BOS, 4, EOS]] }, base), /training data source 0 has id 50, expected an id in 0\.\.11/);
  await assert.rejects(trainSeq2Seq(model, { src: [[4]], tgt: [] }, base), /has 1 sources and 0 targets/);
  await assert.rejects(trainSeq2Seq(model, data, { ...base, epoch: 3 } as Seq2SeqTrainOptions), /unknown option 'epoch'/);
  const other = new Seq2Seq({ ...tinyModel().spec, attention: { kind: 'none' }, inputFeeding: false });
  await assert.rejects(trainSeq2Seq(other, data, { ...base, resumeFrom: join(dir, 'epoch.recur') }), /was trained with spec/);
});

test('the Tatoeba split keeps every English and every Korean sentence in one split', () => {
  const pairs = readTatoeba();
  assert.equal(pairs.length, 5749);
  assert.deepEqual(pairs[0], { en: 'Go.', ko: '가.' });
  const [train, val, test] = splitByGroup(groupPairs(pairs), 3);
  assert.equal(train.length + val.length + test.length, pairs.length);
  assert.ok(Math.abs(test.length - 287) <= 10 && Math.abs(val.length - 287) <= 10, `test ${test.length}, validation ${val.length}: about 5% each`);
  const where = new Map<string, number>();
  [train, val, test].forEach((part, k) => {
    for (const i of part) {
      for (const key of [`en:${pairs[i].en}`, `ko:${pairs[i].ko}`]) {
        const seen = where.get(key);
        assert.ok(seen === undefined || seen === k, `${key} is in splits ${seen} and ${k}`);
        where.set(key, k);
      }
    }
  });
  // Tatoeba has English sentences with several translations: they must exist and stay together.
  const counts = new Map<string, number>();
  for (const p of pairs) counts.set(p.en, (counts.get(p.en) ?? 0) + 1);
  assert.ok([...counts.values()].filter((c) => c > 1).length > 300);
});

test('translate quick run: beats the most common translation, attention ≥ none (English → Korean)', async () => {
  const r = await run({ quick: true, quiet: true, outDir: dir });
  const score = (model: string, decoding: string): number => {
    const s = r.scores.find((x) => x.model === model && x.decoding === decoding);
    assert.ok(s !== undefined);
    return s.chrf;
  };
  const margin = 2; // chrF points
  assert.ok(score('attention', 'greedy') > r.baselineChrf.mostCommon + margin, `greedy chrF ${score('attention', 'greedy')} vs baseline ${r.baselineChrf.mostCommon}`);
  assert.ok(r.chrf > r.baselineChrf.mostCommon + margin, `beam chrF ${r.chrf} vs baseline ${r.baselineChrf.mostCommon}`);
  assert.ok(score('attention', 'greedy') >= score('no attention', 'greedy'), 'greedy: attention ≥ none');
  assert.ok(score('attention', 'beam') >= score('no attention', 'beam'), 'beam: attention ≥ none');
  assert.equal(r.value, r.chrf);
  assert.ok(r.split.testSources > 50 && r.split.train > 1000);
  assert.ok(r.samples.length > 0 && r.samples.every((s) => s.references.length > 0));
  // The saved model translates as the trained one did.
  const { model, checkpoint } = loadSeq2Seq(r.checkpointPath);
  assert.equal((checkpoint.data as { direction: string }).direction, 'en-ko');
  assert.ok(model.spec.attention.kind === 'general');
});
