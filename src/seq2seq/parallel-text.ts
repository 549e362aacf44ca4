/**
 * Parallel text for sequence-to-sequence models, shared by the `translate` demo and the CLI
 * (`recur train --source/--target`, `recur translate`, `recur eval`): sentence pairs read from a
 * delimited file, a leak-free split by groups of shared sentences, references per distinct
 * source, decoding in batches, the retrieval baseline and attention heat-maps.
 *
 * Legend: P pairs, G groups, Q queries, S source tokens, T generated target tokens.
 *
 * Files: one pair per line, fields separated by tabs (when the first line holds a tab; no
 * quoting, as in Tatoeba's exports) or by commas (RFC 4180 quoting). Columns are named by the
 * header line, or numbered from 1 when the file has no header line (then every line is a pair).
 * Extra columns (an attribution, an id) are allowed and never read. Sentences are NFC-normalised
 * and trimmed; blank lines are skipped; an empty source or target is an error naming its line.
 * (readCsv is not used: it needs a header and the same field count on every line.)
 */
import { parse } from 'csv-parse/sync';
import { DataError } from '../data/errors.ts';
import { EOS, UNK, type Vocabulary } from '../data/vocab.ts';
import { corpusBleu } from '../metrics/bleu.ts';
import { corpusChrf } from '../metrics/chrf.ts';
import { attentionChart } from '../report/heatmap.ts';
import { Rng } from '../tensor/rng.ts';
import type { DecodeStrategy, Hypothesis } from './decoding.ts';
import type { Seq2Seq } from './model.ts';

/** One sentence pair and the file line it ends on. */
export interface TextPair {
  source: string;
  target: string;
  line: number;
}

/** A column: its name on the header line, or its number counting from 1 (the file then has no header). */
export type ColumnRef = string | number;

export interface ParallelTextOptions {
  source: ColumnRef;
  target: ColumnRef;
  /** The file's name, for messages (default 'parallel text'). */
  name?: string;
}

export type Delimiter = '\t' | ',';

export interface ParallelText {
  pairs: TextPair[];
  delimiter: Delimiter;
  /** The header line's column names, or null for numbered columns. */
  header: string[] | null;
}

/** Tab when the first non-blank line holds one, else comma. */
export function delimiterOf(text: string): Delimiter {
  const first = /[^\r\n]*\S[^\r\n]*/.exec(text)?.[0] ?? '';
  return first.includes('\t') ? '\t' : ',';
}

interface Row {
  fields: string[];
  line: number;
}

function records(text: string, delimiter: Delimiter, toLine?: number): Row[] {
  let parsed: { record: string[]; info: { lines: number } }[];
  try {
    // With `info`, csv-parse returns { record, info } per record (its types do not say so).
    parsed = parse(text, {
      bom: true, delimiter, quote: delimiter === ',' ? '"' : false, relax_column_count: true, skip_empty_lines: true, info: true,
      ...(toLine === undefined ? {} : { to_line: toLine }),
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (e) {
    throw new DataError(`malformed ${delimiter === ',' ? 'CSV' : 'tab-separated text'}: ${(e as Error).message}`);
  }
  return parsed
    .filter((r) => !(r.record.length === 1 && r.record[0].trim() === ''))
    .map((r) => ({ fields: r.record, line: r.info.lines }));
}

/**
 * The delimiter and the fields of the first non-blank line (the header, when columns have names);
 * null for a file with no line.
 * @example firstFields('en\tko\nGo.\t가.\n') // { delimiter: '\t', fields: ['en', 'ko'], line: 1 }
 */
export function firstFields(text: string): { delimiter: Delimiter; fields: string[]; line: number } | null {
  const delimiter = delimiterOf(text);
  const lead = /^(?:[ \t]*\r?\n)*/.exec(text)?.[0] ?? '';
  const skipped = (lead.match(/\n/g) ?? []).length;
  const [first] = records(text.slice(lead.length), delimiter, 1);
  return first === undefined ? null : { delimiter, fields: first.fields, line: first.line + skipped };
}

/**
 * Sentence pairs of a delimited text (see the file header).
 * @example
 * const { pairs } = readParallelText(readFileSync('data/tatoeba_kor_eng/kor.txt', 'utf8'), { source: 1, target: 2 });
 * pairs[0]; // { source: 'Go.', target: '가.', line: 1 }
 */
export function readParallelText(text: string, options: ParallelTextOptions): ParallelText {
  const name = options.name ?? 'parallel text';
  const { source, target } = options;
  const delimiter = delimiterOf(text);
  const rows = records(text, delimiter);
  if (rows.length === 0) throw new DataError(`${name} holds no sentence pairs (it is empty)`);
  const numbered = typeof source === 'number';
  if (numbered !== (typeof target === 'number')) throw new DataError(`${name}: name both columns, or number both (got ${JSON.stringify(source)} and ${JSON.stringify(target)})`);
  let header: string[] | null = null;
  let at: [number, number];
  if (typeof source === 'number' && typeof target === 'number') {
    for (const c of [source, target]) if (!Number.isInteger(c) || c < 1) throw new DataError(`${name}: column ${c} is not a column number (they count from 1)`);
    at = [source - 1, target - 1];
  } else {
    header = rows.shift()?.fields ?? [];
    const k = [source, target].map((c) => header?.indexOf(c as string) ?? -1);
    const missing = k.findIndex((i) => i < 0);
    if (missing >= 0) {
      throw new DataError(`${name} has no column ${JSON.stringify([source, target][missing])}; its header line names ${header.map((h) => JSON.stringify(h)).join(', ')}`);
    }
    at = [k[0], k[1]];
  }
  if (at[0] === at[1]) throw new DataError(`${name}: the source and the target are the same column`);
  const need = Math.max(...at) + 1;
  const what = delimiter === '\t' ? 'tab-separated' : 'comma-separated';
  const pairs = rows.map(({ fields, line }) => {
    if (fields.length < need) throw new DataError(`${name} line ${line} has ${fields.length} ${what} field${fields.length === 1 ? '' : 's'}, expected at least ${need} (source and target columns)`);
    const [s, t] = at.map((i) => fields[i].normalize('NFC').trim());
    const empty = s === '' ? 'source' : t === '' ? 'target' : null;
    if (empty !== null) throw new DataError(`${name} line ${line}: the ${empty} sentence is empty; every pair needs a source and a target`);
    return { source: s, target: t, line };
  });
  if (pairs.length === 0) throw new DataError(`${name} holds a header line and no sentence pairs`);
  return { pairs, delimiter, header };
}

/**
 * Group id of every item: items sharing a text on the same side (a source, a target) are one
 * group (union–find), so that a sentence and all its translations land in one split.
 * @example groupSharing([['Go.', '가.'], ['Go!', '가.'], ['Hi.', '안녕.']]) // items 0 and 1 share an id
 */
export function groupSharing(sides: readonly (readonly string[])[]): Int32Array {
  const parent = Int32Array.from(sides, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const first = new Map<string, number>();
  sides.forEach((texts, i) => {
    texts.forEach((text, side) => {
      const key = `${side}\t${text}`;
      const j = first.get(key);
      if (j === undefined) first.set(key, i);
      else parent[find(i)] = find(j);
    });
  });
  return Int32Array.from(sides, (_, i) => find(i));
}

/** Item indices of each part of a split. */
export interface GroupSplit {
  train: number[];
  validation: number[];
  test: number[];
}

/**
 * Seeded split by groups: shuffled groups are dealt into test until it holds round(P · test)
 * items, then into validation likewise, the rest into training.
 * @example const { train, validation, test } = splitGroups(groupSharing(sides), 3, { validation: 0.05, test: 0.05 });
 */
export function splitGroups(groups: Int32Array, seed: number, fractions: { validation: number; test: number }): GroupSplit {
  const members = new Map<number, number[]>();
  groups.forEach((g, i) => {
    const list = members.get(g);
    if (list === undefined) members.set(g, [i]);
    else list.push(i);
  });
  const order = new Rng(seed).shuffle([...members.keys()].sort((a, b) => a - b));
  const wantTest = Math.round(groups.length * fractions.test);
  const wantVal = Math.round(groups.length * fractions.validation);
  const out: GroupSplit = { train: [], validation: [], test: [] };
  for (const g of order) {
    const m = members.get(g) as number[];
    if (out.test.length < wantTest) out.test.push(...m);
    else if (out.validation.length < wantVal) out.validation.push(...m);
    else out.train.push(...m);
  }
  return out;
}

/**
 * Each distinct source once, in order of first appearance, with all its targets as references.
 * @example referencesBySource([{ source: 'Hi.', target: '안녕.' }, { source: 'Hi.', target: '안녕하세요.' }])
 * // { sources: ['Hi.'], references: [['안녕.', '안녕하세요.']] }
 */
export function referencesBySource(pairs: readonly { source: string; target: string }[]): { sources: string[]; references: string[][] } {
  const refs = new Map<string, string[]>();
  for (const p of pairs) {
    const list = refs.get(p.source);
    if (list === undefined) refs.set(p.source, [p.target]);
    else list.push(p.target);
  }
  return { sources: [...refs.keys()], references: [...refs.values()] };
}

/**
 * The most frequent text (the first in code-unit order on ties): the constant baseline's answer.
 * @example mostCommonText(['네.', '아니요.', '네.']) // '네.'
 */
export function mostCommonText(texts: Iterable<string>): string {
  const counts = new Map<string, number>();
  for (const t of texts) counts.set(t, (counts.get(t) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  if (sorted.length === 0) throw new Error('mostCommonText: no texts');
  return sorted[0][0];
}

/**
 * Corpus BLEU (sacreBLEU's defaults, 13a tokenisation) and chrF of hypotheses, each against all
 * of its sentence's references.
 * @example scoreTranslations(['사랑해.'], [['사랑해.', '사랑해요.']]) // { bleu: 100, chrf: 100 }
 */
export function scoreTranslations(hypotheses: readonly string[], references: readonly (readonly string[])[]): { bleu: number; chrf: number } {
  const streams = referenceStreams(references);
  return { bleu: corpusBleu(hypotheses, streams).score, chrf: corpusChrf(hypotheses, streams).score };
}

/** Reference streams for sacreBLEU-style scoring: stream k holds each sentence's k-th reference or ''. */
export function referenceStreams(refs: readonly (readonly string[])[]): string[][] {
  const K = refs.reduce((m, r) => Math.max(m, r.length), 0);
  return Array.from({ length: K }, (_, k) => refs.map((r) => r[k] ?? ''));
}

/** Character trigrams of a text, padded with a space at both ends. */
function trigrams(text: string): Set<string> {
  const c = Array.from(` ${text.toLowerCase()} `);
  const out = new Set<string>();
  for (let i = 0; i + 3 <= c.length; i++) out.add(c.slice(i, i + 3).join(''));
  return out;
}

/**
 * For each query, the index of the source sharing the most character trigrams (Dice, the first
 * on ties): the retrieval baseline answers with that source's translation.
 * @example nearestByTrigrams(['I am hungry.'], ['I am tired.', 'Are you hungry?']) // [1]
 */
export function nearestByTrigrams(queries: readonly string[], sources: readonly string[]): number[] {
  const grams = sources.map(trigrams);
  const index = new Map<string, number[]>();
  grams.forEach((g, j) => {
    for (const t of g) {
      const list = index.get(t);
      if (list === undefined) index.set(t, [j]);
      else list.push(j);
    }
  });
  const shared = new Int32Array(sources.length);
  return queries.map((q) => {
    const qg = trigrams(q);
    shared.fill(0);
    for (const t of qg) for (const j of index.get(t) ?? []) shared[j]++;
    let best = 0;
    let bestScore = -1;
    for (let j = 0; j < sources.length; j++) {
      const dice = (2 * shared[j]) / (qg.size + grams[j].size);
      if (dice > bestScore) {
        bestScore = dice;
        best = j;
      }
    }
    return best;
  });
}

/** Sources decoded per call: bounds the padded encoder outputs [64, S, dirs·H] and the beams. */
const CHUNK = 64;

/**
 * Decode every source, 64 at a time. Sampling seeds chunk c with `seed + c`, so each source's
 * draw depends only on the seed and its position.
 * @example const hyps = translateAll(model, src, { kind: 'beam', width: 5 }, 80);
 */
export function translateAll(model: Seq2Seq, src: readonly (readonly number[])[], strategy: DecodeStrategy, maxLength: number): Hypothesis[] {
  const out: Hypothesis[] = [];
  for (let s = 0; s < src.length; s += CHUNK) {
    const chunk = strategy.kind === 'sample' ? { ...strategy, seed: (strategy.seed ?? 0) + s / CHUNK } : strategy;
    out.push(...model.translate(src.slice(s, s + CHUNK) as number[][], { strategy: chunk, maxLength }));
  }
  return out;
}

/**
 * Target text of generated ids: <pad>, <bos> and <eos> left out, <unk> shown as □, characters
 * joined as they are and words with single spaces.
 */
export function decodeTarget(vocab: Vocabulary, ids: readonly number[]): string {
  const tokens: string[] = [];
  for (const id of ids) {
    if (id === UNK) tokens.push('□');
    else {
      const text = vocab.decode([id]);
      if (text !== '') tokens.push(text);
    }
  }
  return tokens.join(vocab.level === 'char' ? '' : ' ');
}

/** A token as a heat-map label: a space as ␣. */
function label(token: string): string {
  return token === ' ' ? '␣' : token;
}

/**
 * The attention heat-map (SVG) of one translation: a row per generated token (the last is
 * <eos> when it finished), a column per source token.
 * @example writeFileSync('a.svg', attentionHeatmap(hyp, 'I love you.', srcVocab, tgtVocab, 'I love you. → 사랑해.'));
 */
export function attentionHeatmap(h: Hypothesis, source: string, srcVocab: Vocabulary, tgtVocab: Vocabulary, title: string): string {
  const srcTokens = srcVocab.tokenize(source).map(label);
  const weights = (h.attention ?? []).map((row) => row.slice(0, srcTokens.length));
  const tgtTokens = h.ids.map((id) => (id === EOS ? '<eos>' : id === UNK ? '□' : label(tgtVocab.tokenOf(id))));
  return attentionChart(weights, { sourceTokens: srcTokens, targetTokens: tgtTokens, title });
}
