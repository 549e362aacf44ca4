/**
 * Demo `translate`: English → Korean (or Korean → English) with a character-level encoder–decoder
 * on Tatoeba's sentence pairs (data/tatoeba_kor_eng; CC BY 2.0 FR, the per-pair attribution stays
 * in the file's third column and is never read into training).
 *
 * Legend: S source characters, T target characters, E embedding, H hidden, Vs / Vt vocabularies.
 *   source ids [S] → Embedding [Vs, E] → bidirectional GRU (H per direction) → outputs [S, 2H]
 *   final states → linear bridge → GRU decoder (H); with attention, Luong 'general' scores
 *   h_t · W · outputs_s with input feeding; → Linear → logits [Vt] per target step
 *
 * - Tokens are characters: Latin letters and punctuation for English, Hangul syllables (one
 *   code point each after NFC) for Korean. The target vocabulary keeps the `tgtVocab` − 4 most
 *   frequent training characters (rarer ones become <unk>, shown as □ in outputs).
 * - Held-out split without leaks: pairs that share an English or a Korean sentence are one group
 *   (Tatoeba often has several translations of one sentence); groups are shuffled with the seed
 *   and dealt into test (5%), validation (5%) and training (90%) by pairs. Pairs with a source
 *   longer than `maxSourceChars` are left out of every split.
 * - Test scores are per distinct source sentence, against all its translations in the test
 *   split as references: corpus BLEU (sacreBLEU's 13a tokenisation; for Korean this is words
 *   with their particles, so it runs low) and chrF (character 6-grams, β = 2).
 * - Compared on the same data and budget (epochs, batches, seed): the model with attention and
 *   the same model without it (the decoder sees the source only through the bridged final
 *   state), each decoded greedily and with beam search.
 * - Baselines: the most common training translation output for every sentence, and
 *   retrieval (the translation of the training source sharing the most character trigrams).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UNK, Vocabulary } from '../data/vocab.ts';
import type { JsonValue } from '../io/json.ts';
import { barChart } from '../report/bar-chart.ts';
import { writeReport } from '../report/html.ts';
import { lineChart } from '../report/line-chart.ts';
import { trainingReport } from '../report/training.ts';
import type { DecodeStrategy, Hypothesis } from '../seq2seq/decoding.ts';
import { Seq2Seq } from '../seq2seq/model.ts';
import {
  attentionHeatmap, decodeTarget, groupSharing, mostCommonText, nearestByTrigrams, readParallelText, referencesBySource, scoreTranslations,
  splitGroups, translateAll,
} from '../seq2seq/parallel-text.ts';
import type { DecoderAttentionSpec } from '../seq2seq/spec.ts';
import { saveSeq2Seq, trainSeq2Seq, type ParallelData, type Seq2SeqHistory } from '../seq2seq/train.ts';
import {
  Printer, dataPath, epochsOf, lossCurve, reportFile, secondsSince,
  type DemoOptions, type DemoResult,
} from './common.ts';

const DEFAULT_SEED = 3;
export type Direction = 'en-ko' | 'ko-en';

export interface TranslateConfig {
  /** Pairs whose source has more characters are left out. */
  maxSourceChars: number;
  /** Largest target vocabulary, the 4 specials included. */
  tgtVocab: number;
  embeddingDim: number;
  /** H, per encoder direction and in the decoder. */
  hiddenSize: number;
  /** Dropout on embeddings and before the output layer. */
  dropout: number;
  batchSize: number;
  lr: number;
  epochs: number;
  /** Beam width of the beam-search decoding. */
  beamWidth: number;
  /** Most generated target characters (<eos> included). */
  maxLength: number;
}

export const FULL: TranslateConfig = {
  maxSourceChars: 60, tgtVocab: 600, embeddingDim: 64, hiddenSize: 128, dropout: 0.2, batchSize: 32, lr: 3e-3, epochs: 12, beamWidth: 5, maxLength: 80,
};
export const QUICK: TranslateConfig = {
  maxSourceChars: 20, tgtVocab: 1000, embeddingDim: 32, hiddenSize: 64, dropout: 0, batchSize: 16, lr: 3e-3, epochs: 5, beamWidth: 4, maxLength: 40,
};

/** A pair as read: English, Korean (the attribution column is not read). */
export interface SentencePair {
  en: string;
  ko: string;
}

export interface TranslationScore {
  model: 'attention' | 'no attention';
  decoding: 'greedy' | 'beam';
  bleu: number;
  chrf: number;
}

export interface TranslationSample {
  source: string;
  references: string[];
  /** attention + beam, attention + greedy, no attention + beam. */
  attentionBeam: string;
  attentionGreedy: string;
  noAttentionBeam: string;
}

export interface TranslateResult extends DemoResult {
  demo: 'translate';
  direction: Direction;
  /** chrF of attention + beam search (= `value`). */
  chrf: number;
  bleu: number;
  scores: TranslationScore[];
  baselineChrf: { mostCommon: number; retrieval: number };
  baselineBleu: { mostCommon: number; retrieval: number };
  /** Pairs per split, and distinct test sources scored. */
  split: { train: number; validation: number; test: number; testSources: number };
  samples: TranslationSample[];
  histories: { attention: Seq2SeqHistory; none: Seq2SeqHistory };
  /** Target tokens per second of training (attention model, then without). */
  tokensPerSecond: { attention: number; none: number };
  /** CPU seconds of this process while each model trained (validation included). */
  trainCpuSeconds: { attention: number; none: number };
  /** The trained attention model with its vocabularies (`loadSeq2Seq`). */
  checkpointPath: string;
  config: TranslateConfig;
}

export interface TranslateOptions extends DemoOptions {
  /** Default 'en-ko'. */
  direction?: Direction;
  /** Fields replacing those of the configuration `quick` selects. */
  config?: Partial<TranslateConfig>;
}

/**
 * Every pair of the Tatoeba file, NFC-normalised and trimmed; the attribution column is left in the file.
 * @example const pairs = readTatoeba(); pairs[0]; // { en: 'Go.', ko: '가.' }
 */
export function readTatoeba(path = dataPath('tatoeba_kor_eng/kor.txt')): SentencePair[] {
  const { pairs } = readParallelText(readFileSync(path, 'utf8'), { source: 1, target: 2, name: path });
  return pairs.map((p) => ({ en: p.source, ko: p.target }));
}

/** Group id of every pair: pairs sharing an English or a Korean sentence are one group. */
export function groupPairs(pairs: readonly SentencePair[]): Int32Array {
  return groupSharing(pairs.map((p) => [p.en, p.ko]));
}

/**
 * Seeded split by groups into [train, validation, test] pair indices, dealing shuffled groups into
 * test until it holds `fraction` of the pairs, then validation likewise, the rest to training.
 */
export function splitByGroup(groups: Int32Array, seed: number, fraction = 0.05): [number[], number[], number[]] {
  const s = splitGroups(groups, seed, { validation: fraction, test: fraction });
  return [s.train, s.validation, s.test];
}

/** A JSON copy of plain data (a vocabulary's toJSON). */
function asJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

/** +1.23 or −1.23 (chrF points). */
function signed(v: number): string {
  return `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(2)}`;
}

/**
 * Train the translators with and without attention, score them on the held-out sources, and write
 * the report (scores, samples, attention heat-maps).
 * @example const r = await run({ quick: true, quiet: true }); r.chrf > r.baselineChrf.mostCommon;
 */
export async function run(options: TranslateOptions = {}): Promise<TranslateResult> {
  const started = performance.now();
  const cfg: TranslateConfig = { ...(options.quick === true ? QUICK : FULL), ...options.config };
  const seed = options.seed ?? DEFAULT_SEED;
  const epochs = epochsOf(options, cfg.epochs);
  const direction: Direction = options.direction ?? 'en-ko';
  if (direction !== 'en-ko' && direction !== 'ko-en') throw new Error(`translate: direction is ${JSON.stringify(direction)}, expected 'en-ko' or 'ko-en'`);
  const out = new Printer(options.quiet === true);
  const [srcName, tgtName] = direction === 'en-ko' ? ['English', 'Korean'] : ['Korean', 'English'];

  // ---- Data: pairs, leak-free split, vocabularies from the training pairs only.
  const all = readTatoeba();
  const sourceOf = (p: SentencePair): string => (direction === 'en-ko' ? p.en : p.ko);
  const targetOf = (p: SentencePair): string => (direction === 'en-ko' ? p.ko : p.en);
  const pairs = all.filter((p) => Array.from(sourceOf(p)).length <= cfg.maxSourceChars);
  const [trainIdx, valIdx, testIdx] = splitByGroup(groupPairs(pairs), seed);
  const srcVocab = Vocabulary.build(trainIdx.map((i) => sourceOf(pairs[i])), { level: 'char' });
  const tgtVocab = Vocabulary.build(trainIdx.map((i) => targetOf(pairs[i])), { level: 'char', maxSize: cfg.tgtVocab });
  const encode = (idx: readonly number[]): ParallelData => ({
    src: idx.map((i) => srcVocab.encode(sourceOf(pairs[i]))),
    tgt: idx.map((i) => tgtVocab.encode(targetOf(pairs[i]), { bos: true, eos: true })),
  });
  const train = encode(trainIdx);
  const validation = encode(valIdx);
  // Test: each distinct source once, with all its translations in the test split.
  const { sources: testSources, references: testRefs } = referencesBySource(testIdx.map((i) => ({ source: sourceOf(pairs[i]), target: targetOf(pairs[i]) })));
  const testSrc = testSources.map((s) => srcVocab.encode(s));
  const unkShare = train.tgt.reduce((a, t) => a + t.filter((id) => id === UNK).length, 0) / train.tgt.reduce((a, t) => a + t.length - 2, 0);

  out.line(`translate ${direction}: Tatoeba ${srcName} → ${tgtName}, ${pairs.length.toLocaleString('en-US')} pairs with a source of ≤ ${cfg.maxSourceChars} characters (of ${all.length.toLocaleString('en-US')})`);
  out.line(`  split by sentence groups: train ${trainIdx.length}, validation ${valIdx.length}, test ${testIdx.length} pairs (${testSources.length} distinct sources)`);
  out.line(`  characters: source ${srcVocab.size - 4}, target ${tgtVocab.size - 4} kept (${(unkShare * 100).toFixed(2)}% of training target characters become <unk>)`);

  // ---- Baselines.
  const mostCommon = mostCommonText(trainIdx.map((i) => targetOf(pairs[i])));
  const trainSources = trainIdx.map((i) => sourceOf(pairs[i]));
  const retrieved = nearestByTrigrams(testSources, trainSources).map((j) => targetOf(pairs[trainIdx[j]]));
  const score = (hyps: readonly string[]): { bleu: number; chrf: number } => scoreTranslations(hyps, testRefs);
  const constant = score(testSources.map(() => mostCommon));
  const retrieval = score(retrieved);

  // ---- The two models, same data, budget and seed.
  const spec = (attention: DecoderAttentionSpec) => ({
    task: 'seq2seq', srcVocabSize: srcVocab.size, tgtVocabSize: tgtVocab.size, embeddingDim: cfg.embeddingDim,
    encoder: { cell: 'gru', hiddenSize: cfg.hiddenSize, bidirectional: true }, decoder: { hiddenSize: cfg.hiddenSize },
    attention, dropout: cfg.dropout, seed,
  } as const);
  const trainOne = async (name: string, attention: DecoderAttentionSpec): Promise<{ model: Seq2Seq; history: Seq2SeqHistory; cpuSeconds: number }> => {
    const model = new Seq2Seq(spec(attention));
    const n = model.parameters().reduce((a, p) => a + p.size, 0);
    out.line();
    out.line(`${name}: ${n.toLocaleString('en-US')} parameters; Adam lr ${cfg.lr}, clip 1, batch ${cfg.batchSize}, dropout ${cfg.dropout}, ${epochs} epochs`);
    const cpuStart = process.cpuUsage();
    const history = await trainSeq2Seq(model, train, {
      epochs, batchSize: cfg.batchSize, optimizer: { kind: 'adam', lr: cfg.lr }, clipGradNorm: 1, validation, seed, progress: out.progress,
    });
    const cpu = process.cpuUsage(cpuStart);
    return { model, history, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  };
  const att = await trainOne('with attention (Luong general, input feeding)', { kind: 'general' });
  const none = await trainOne('without attention (bridged final state only)', { kind: 'none' });

  const beam: DecodeStrategy = { kind: 'beam', width: cfg.beamWidth, lengthPenalty: 1 };
  const decodeWith = (model: Seq2Seq, strategy: DecodeStrategy): { hyps: Hypothesis[]; texts: string[] } => {
    const hyps = translateAll(model, testSrc, strategy, cfg.maxLength);
    return { hyps, texts: hyps.map((h) => decodeTarget(tgtVocab, h.ids)) };
  };
  const outputs = {
    attGreedy: decodeWith(att.model, { kind: 'greedy' }),
    attBeam: decodeWith(att.model, beam),
    noneGreedy: decodeWith(none.model, { kind: 'greedy' }),
    noneBeam: decodeWith(none.model, beam),
  };
  const scores: TranslationScore[] = [
    { model: 'attention', decoding: 'greedy', ...score(outputs.attGreedy.texts) },
    { model: 'attention', decoding: 'beam', ...score(outputs.attBeam.texts) },
    { model: 'no attention', decoding: 'greedy', ...score(outputs.noneGreedy.texts) },
    { model: 'no attention', decoding: 'beam', ...score(outputs.noneBeam.texts) },
  ];
  const best = scores[1];

  const checkpointPath = join(options.outDir ?? 'reports', `translate-${direction}.recur`);
  mkdirSync(dirname(checkpointPath), { recursive: true }); // the report would create it, but it is written later
  saveSeq2Seq(checkpointPath, att.model, {
    kind: 'translate', direction, src: asJson(srcVocab.toJSON()), tgt: asJson(tgtVocab.toJSON()),
  });

  // Samples: the first test sources, and a few short ones for the heat-maps.
  const samples: TranslationSample[] = testSources.slice(0, 12).map((source, k) => ({
    source, references: testRefs[k],
    attentionBeam: outputs.attBeam.texts[k], attentionGreedy: outputs.attGreedy.texts[k], noAttentionBeam: outputs.noneBeam.texts[k],
  }));
  const mapIdx = testSources
    .map((s, k) => ({ k, len: Array.from(s).length }))
    .filter((e) => e.len >= 8 && e.len <= 30)
    .slice(0, 3)
    .map((e) => e.k);
  const heatmaps = mapIdx.map((k) =>
    attentionHeatmap(outputs.attBeam.hyps[k], testSources[k], srcVocab, tgtVocab, `${testSources[k]} → ${outputs.attBeam.texts[k]}`));

  const tps = (h: Seq2SeqHistory): number => h.epochs.reduce((a, e) => a + e.tokens, 0) / h.epochs.reduce((a, e) => a + e.tokens / e.tokensPerSecond, 0);
  const result: TranslateResult = {
    demo: 'translate',
    direction,
    metric: `test chrF (${tgtName}, ${testSources.length} sources), attention + beam ${cfg.beamWidth}`,
    higherIsBetter: true,
    value: best.chrf,
    baselines: [
      { name: 'no attention + beam', value: scores[3].chrf },
      { name: 'retrieval (nearest training source)', value: retrieval.chrf },
      { name: `most common training translation`, value: constant.chrf },
    ],
    reportPath: reportFile(options, 'translate'),
    seconds: 0,
    chrf: best.chrf,
    bleu: best.bleu,
    scores,
    baselineChrf: { mostCommon: constant.chrf, retrieval: retrieval.chrf },
    baselineBleu: { mostCommon: constant.bleu, retrieval: retrieval.bleu },
    split: { train: trainIdx.length, validation: valIdx.length, test: testIdx.length, testSources: testSources.length },
    samples,
    histories: { attention: att.history, none: none.history },
    tokensPerSecond: { attention: tps(att.history), none: tps(none.history) },
    trainCpuSeconds: { attention: att.cpuSeconds, none: none.cpuSeconds },
    checkpointPath,
    config: cfg,
  };

  // ---- Report.
  const scoreRows = scores.map((s) => [`${s.model} + ${s.decoding}${s.decoding === 'beam' ? ` ${cfg.beamWidth}` : ''}`, s.bleu, s.chrf]);
  scoreRows.push(['retrieval (nearest training source)', retrieval.bleu, retrieval.chrf], [`most common translation: ${mostCommon}`, constant.bleu, constant.chrf]);
  const epochX = att.history.epochs.map((e) => e.epoch);
  writeReport(
    result.reportPath,
    trainingReport(att.history, {
      title: `Translation ${srcName} → ${tgtName}: character-level GRU encoder–decoder`,
      subtitle: `Tatoeba; test chrF ${best.chrf.toFixed(1)}, BLEU ${best.bleu.toFixed(1)} (attention, beam ${cfg.beamWidth})`,
      description:
        `${pairs.length} Tatoeba pairs with a source of at most ${cfg.maxSourceChars} characters, split by sentence groups (pairs sharing an English or a Korean ` +
        `sentence stay together) into ${trainIdx.length} training, ${valIdx.length} validation and ${testIdx.length} test pairs; ` +
        `the ${testSources.length} distinct test sources are scored against all their test translations.\n\n` +
        `Model: character embeddings (${cfg.embeddingDim}), a bidirectional GRU encoder and a GRU decoder of ${cfg.hiddenSize} units, Luong 'general' attention ` +
        `with input feeding; the comparison model is the same without attention. Adam (lr ${cfg.lr}), gradient norm clipped at 1, batch ${cfg.batchSize}, dropout ${cfg.dropout}, ` +
        `${epochs} epochs, teacher forcing 1, seed ${seed}. Losses are nats per target character. BLEU is sacreBLEU's (13a tokenisation, which splits ` +
        `${tgtName} ${tgtName === 'Korean' ? 'only at spaces and punctuation, so particles stay on their words and BLEU runs low' : 'into words'}); chrF is character 6-grams with β = 2.`,
      test: { 'chrF (beam)': best.chrf, 'BLEU (beam)': best.bleu, 'chrF (greedy)': scores[0].chrf, 'BLEU (greedy)': scores[0].bleu },
      baselines: [
        { name: 'no attention', values: { 'chrF (beam)': scores[3].chrf, 'BLEU (beam)': scores[3].bleu, 'chrF (greedy)': scores[2].chrf, 'BLEU (greedy)': scores[2].bleu } },
        { name: 'retrieval', values: { 'chrF (beam)': retrieval.chrf, 'BLEU (beam)': retrieval.bleu } },
        { name: 'most common translation', values: { 'chrF (beam)': constant.chrf, 'BLEU (beam)': constant.bleu } },
      ],
      sections: [
        { heading: 'Test scores', table: { columns: ['system', 'BLEU', 'chrF'], rows: scoreRows } },
        {
          heading: 'Attention against none',
          svg: [
            barChart(
              { categories: ['greedy', `beam ${cfg.beamWidth}`], series: [
                { name: 'attention', values: [scores[0].chrf, scores[1].chrf] },
                { name: 'no attention', values: [scores[2].chrf, scores[3].chrf] },
              ] },
              { title: 'Test chrF', width: 600 },
            ),
            lineChart(
              [
                { name: 'attention', values: att.history.epochs.map((e) => e.valLoss), x: epochX },
                { name: 'no attention', values: none.history.epochs.map((e) => e.valLoss), x: epochX },
              ],
              { title: 'Validation loss (nats per target character)', xLabel: 'epoch', width: 600 },
            ),
          ],
        },
        {
          heading: 'Sample translations (test)',
          table: {
            columns: ['source', 'reference(s)', 'attention, beam', 'attention, greedy', 'no attention, beam'],
            rows: samples.map((s) => [s.source, s.references.join(' | '), s.attentionBeam, s.attentionGreedy, s.noAttentionBeam]),
          },
        },
        {
          heading: 'Where the decoder looks',
          text: 'Attention weights of the beam-search translation, one row per generated character (the last is <eos>), one column per source character (␣ is a space).',
          svg: heatmaps,
        },
      ],
    }),
  );

  result.seconds = secondsSince(started);
  out.line();
  out.line(lossCurve(att.history));
  out.line();
  out.line(`test (${testSources.length} distinct ${srcName} sources)      BLEU    chrF`);
  for (const r of scoreRows) out.line(`  ${String(r[0]).slice(0, 36).padEnd(36)} ${Number(r[1]).toFixed(2).padStart(6)}  ${Number(r[2]).toFixed(2).padStart(6)}`);
  out.line();
  out.line(`chrF of attention + beam ${best.chrf.toFixed(2)}: ${signed(best.chrf - scores[3].chrf)} against no attention, ` +
    `${signed(best.chrf - retrieval.chrf)} against retrieval, ${signed(best.chrf - constant.chrf)} against the most common translation`);
  out.line();
  for (const s of samples.slice(0, 6)) {
    out.line(`  ${s.source}`);
    out.line(`    reference  ${s.references.join(' | ')}`);
    out.line(`    attention  ${s.attentionBeam}`);
    out.line(`    none       ${s.noAttentionBeam}`);
  }
  out.line();
  const trained = (h: Seq2SeqHistory): number => h.epochs.reduce((a, e) => a + e.seconds, 0);
  out.line(
    `training: ${Math.round(result.tokensPerSecond.attention)} target chars/s with attention (${trained(att.history).toFixed(0)} s, ${att.cpuSeconds.toFixed(0)} s of CPU), ` +
      `${Math.round(result.tokensPerSecond.none)} without (${trained(none.history).toFixed(0)} s, ${none.cpuSeconds.toFixed(0)} s of CPU)`,
  );
  out.line(`model: ${checkpointPath}   report: ${result.reportPath}  (${result.seconds.toFixed(1)} s)`);
  return result;
}

export { run as runTranslate };
