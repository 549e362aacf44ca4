/**
 * `recur train --data pairs.tsv --source <col> --target <col>`: a sequence-to-sequence translator
 * trained with `trainSeq2Seq` (teacher forcing, the validation loss after every epoch, a
 * checkpoint after every epoch that resumes exactly), then the distinct test sources translated
 * with beam search and scored (BLEU, chrF) next to two baselines: retrieval (the translation of
 * the training source sharing the most character trigrams) and the most common training
 * translation. The model file holds both vocabularies, so `recur translate` needs nothing else.
 */
import { existsSync } from 'node:fs';
import { Seq2Seq, Vocabulary, trainSeq2Seq, type Seq2SeqHistory } from '../../index.ts';
import { trainingReport, type ReportSection } from '../../report/index.ts';
import { attentionHeatmap, nearestByTrigrams, scoreTranslations } from '../../seq2seq/parallel-text.ts';
import { seq2seqText } from '../describe.ts';
import { EXIT_OK } from '../errors.ts';
import { count, num, pct, say, table } from '../output.ts';
import { DEFAULT_BEAM, PAIRS_SPLIT, columnText, defaultMaxLength, preparePairs, scorePairs, type PairScores, type PairsTraining } from '../pipeline/pairs.ts';
import { composeSeq2SeqSpec } from '../pipeline/spec.ts';
import { checkOutputFolder, checkResume, loopOptions, lossCurve, reportInterrupted, runSettings, withCtrlC, writeTrainingReport } from './train-common.ts';
import type { TrainFlags } from './train-modes.ts';

/** Lines describing the data, printed before training. */
function summary(d: PairsTraining): string[] {
  const { prep } = d;
  const unit = prep.units === 'char' ? 'characters' : 'words';
  const src = Vocabulary.fromJSON(prep.src);
  const tgt = Vocabulary.fromJSON(prep.tgt);
  const pairs = d.kept === d.read ? `${count(d.read)} sentence pairs` : `${count(d.kept)} of ${count(d.read)} sentence pairs`;
  const kept = prep.maxTokens === null ? '' : ` with at most ${prep.maxTokens} ${unit} a side`;
  const unknown = d.unknown.source > 0 || d.unknown.target > 0 ? `; outside the vocabularies: ${pct(d.unknown.source)} of source and ${pct(d.unknown.target)} of target tokens (<unk>)` : '';
  return [
    `data: ${prep.source}, ${pairs}${kept}; translates ${columnText(prep.sourceColumn)} into ${columnText(prep.targetColumn)}, as ${unit}`,
    `split by sentence groups (pairs sharing a source or a target stay together), seed ${prep.seed}: ` +
      `train ${count(d.trainPairs.length)}, validation ${count(d.validation.src.length)}, test ${count(d.testPairs.length)} pairs`,
    `vocabularies from the training pairs: source ${src.size}, target ${tgt.size} tokens (with 4 specials)${unknown}`,
  ];
}

/** The first 12 test translations as a report table, and heat-maps of the first 3 short ones. */
function reportSections(scores: PairScores, vocabs: { src: Vocabulary; tgt: Vocabulary }, attention: boolean): ReportSection[] {
  const n = Math.min(12, scores.sources.length);
  const sections: ReportSection[] = [{
    heading: 'Sample translations (test)',
    table: {
      columns: ['source', 'reference(s)', 'model'],
      rows: scores.sources.slice(0, n).map((s, k) => [s, scores.references[k].join(' | '), scores.translations[k]]),
    },
  }];
  if (attention) {
    const short = scores.sources.map((s, k) => ({ k, len: vocabs.src.tokenize(s).length })).filter((e) => e.len <= 30).slice(0, 3);
    sections.push({
      heading: 'Where the decoder looks',
      text: 'Attention weights of the translation, one row per generated token (the last is <eos>), one column per source token (␣ is a space).',
      svg: short.map(({ k }) => attentionHeatmap(scores.hypotheses[k], scores.sources[k], vocabs.src, vocabs.tgt, `${scores.sources[k]} → ${scores.translations[k]}`)),
    });
  }
  return sections;
}

export async function runTrainPairs(f: TrainFlags, explicit: ReadonlySet<string>): Promise<number> {
  checkOutputFolder(f.out, '--out');
  const split = explicit.has('split') ? f.split : PAIRS_SPLIT;
  const d = preparePairs({
    path: f.data as string, sourceColumn: f.source as string, targetColumn: (f.target as string[])[0], units: f.units ?? 'char',
    maxVocab: f.maxVocab ?? null, maxTokens: f.maxTokens ?? null, split, seed: f.seed,
  });
  const { prep } = d;
  const vocabs = { src: Vocabulary.fromJSON(prep.src), tgt: Vocabulary.fromJSON(prep.tgt) };
  const what = (v: Vocabulary): string => `${v.size - 4} distinct ${prep.units === 'char' ? 'characters' : 'words'} and the 4 specials`;
  const spec = composeSeq2SeqSpec(f, {
    task: { value: 'seq2seq', from: '--source' },
    srcVocabSize: { value: vocabs.src.size, from: `--source (${what(vocabs.src)})` },
    tgtVocabSize: { value: vocabs.tgt.size, from: `--target (${what(vocabs.tgt)})` },
  }, f.seed);
  const run = runSettings(f);
  const resumeFrom = f.resume === true ? checkResume(f.out, spec, prep, run) : undefined;

  const model = new Seq2Seq(spec);
  for (const line of summary(d)) say(line);
  say(`model: ${seq2seqText(spec, model)}`);
  if (resumeFrom !== undefined) say(`resuming ${f.out} up to epoch ${run.epochs}`);
  else say(`training ${run.epochs} epochs, batches of ${run.batchSize}, Adam lr ${run.lr}, teacher forcing${existsSync(f.out) ? `; replacing the existing ${f.out}` : ''}`);

  const history: Seq2SeqHistory = await withCtrlC((signal) =>
    trainSeq2Seq(model, d.train, { ...loopOptions(f, run, prep, resumeFrom, signal), batchSize: run.batchSize, validation: d.validation }),
  );
  if (history.stopReason === 'aborted') return reportInterrupted(f.out);

  say();
  say(lossCurve(history));
  const strategy = { kind: 'beam', width: DEFAULT_BEAM } as const;
  const scores = scorePairs(model, vocabs, d.testPairs, strategy, defaultMaxLength(prep));
  const nearest = nearestByTrigrams(scores.sources, d.trainPairs.map((p) => p.source));
  const retrieval = scoreTranslations(nearest.map((j) => d.trainPairs[j].target), scores.references);
  const constant = scoreTranslations(scores.sources.map(() => prep.mostCommon), scores.references);
  say('');
  say(`test, ${count(scores.sources.length)} distinct sources (${count(d.testPairs.length)} pairs), beam ${DEFAULT_BEAM}:`);
  say(table([
    ['', 'loss', 'BLEU', 'chrF'],
    ['model', num(scores.loss), scores.bleu.toFixed(2), scores.chrf.toFixed(2)],
    ['retrieval (nearest training source)', '-', retrieval.bleu.toFixed(2), retrieval.chrf.toFixed(2)],
    ['most common training translation', '-', constant.bleu.toFixed(2), constant.chrf.toFixed(2)],
  ], '  '));
  say(`model written to ${f.out}`);
  writeTrainingReport(
    f,
    trainingReport(history, {
      title: `recur train: ${prep.source}`,
      subtitle: seq2seqText(spec, model),
      description: `${summary(d).join('\n\n')}\n\nLosses are nats per target token (teacher-forced). BLEU is sacreBLEU's (13a tokenisation); chrF is character 6-grams with β = 2.`,
      test: { BLEU: scores.bleu, chrF: scores.chrf },
      baselines: [
        { name: 'retrieval (nearest training source)', values: { BLEU: retrieval.bleu, chrF: retrieval.chrf } },
        { name: 'most common training translation', values: { BLEU: constant.bleu, chrF: constant.chrf } },
      ],
      sections: reportSections(scores, vocabs, spec.attention.kind !== 'none'),
    }),
  );
  return EXIT_OK;
}
