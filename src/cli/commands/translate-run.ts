/**
 * The actions of `recur translate` (flags in translate.ts) and of `recur eval` for translators:
 * sentences in (arguments, --input, stdin), decoded with the strategy the flags ask for,
 * translations out one per line; the attention heat-maps; BLEU, chrF and the loss on pairs.
 */
import { Vocabulary, type DecodeStrategy } from '../../index.ts';
import { writeReport } from '../../report/index.ts';
import { attentionHeatmap, decodeTarget, scoreTranslations, translateAll } from '../../seq2seq/parallel-text.ts';
import { CliError, EXIT_OK, UsageError } from '../errors.ts';
import { count, num, say, table } from '../output.ts';
import { readTextFile, writeOutputFile } from '../pipeline/files.ts';
import { openTranslator, translatorData, type TranslatorFile } from '../pipeline/model-file.ts';
import { DEFAULT_BEAM, defaultMaxLength, readPairs, scorePairs, strategyText } from '../pipeline/pairs.ts';
import type { DecodeFlags, TranslateFlags } from './translate.ts';
import type { DataFlags } from './use.ts';

/** The decoding strategy the flags ask for (beam search by default). */
export function strategyOf(f: DecodeFlags, command: string): DecodeStrategy {
  const chosen = [f.beam !== undefined ? '--beam' : '', f.greedy === true ? '--greedy' : '', f.sample === true ? '--sample' : ''].filter((x) => x !== '');
  if (chosen.length > 1) throw new UsageError(`${chosen.join(' and ')}: choose one way to decode`, command);
  if (f.sample !== true) {
    const sampling = { temperature: '--temperature', topK: '--top-k', topP: '--top-p', seed: '--seed' } as const;
    for (const [key, flag] of Object.entries(sampling)) {
      if (f[key as keyof typeof sampling] !== undefined) throw new UsageError(`${flag} applies to sampling; add --sample`, command);
    }
  }
  if (f.greedy === true) return { kind: 'greedy' };
  if (f.sample === true) return { kind: 'sample', temperature: f.temperature ?? 1, topK: f.topK ?? null, topP: f.topP ?? 1, seed: f.seed ?? 0 };
  return { kind: 'beam', width: f.beam ?? DEFAULT_BEAM };
}

/** Lines of a text, without a final line break's empty line. */
function lines(text: string): string[] {
  const all = text.split(/\r?\n/);
  if (all.length > 0 && all[all.length - 1] === '') all.pop();
  return all;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The sentences to translate, and how to name sentence k in messages. */
async function sentencesOf(f: TranslateFlags, args: readonly string[]): Promise<{ texts: string[]; name: (k: number) => string; from: string }> {
  if (args.length > 0 && f.input !== undefined) throw new UsageError('give sentences as arguments or with --input, not both', 'translate');
  if (args.length > 0) {
    const k = args.findIndex((a) => a.trim() === '');
    if (k >= 0) throw new UsageError(`sentence ${k + 1} (argument ${k + 1}) is empty; give a sentence to translate`, 'translate');
    return { texts: [...args], name: (i) => `sentence ${i + 1}`, from: 'the arguments' };
  }
  if (f.input !== undefined) {
    return { texts: lines(readTextFile(f.input, '--input')), name: (i) => `--input ${f.input} line ${i + 1}`, from: `--input ${f.input}` };
  }
  if (process.stdin.isTTY === true) {
    throw new UsageError('no sentences: give them as arguments, with --input <file>, or on standard input (one per line)', 'translate');
  }
  return { texts: lines(await readStdin()), name: (i) => `standard input line ${i + 1}`, from: 'standard input' };
}

/** Tokens that hold a letter or a digit (spaces and punctuation say nothing about the language). */
const WORDLIKE = /[\p{L}\p{N}]/u;

/**
 * Source ids of each text. A text none of whose letters the model knows is an error (a model for
 * the other direction, another language); unknown tokens otherwise are a note on stderr.
 */
function encodeSources(texts: readonly string[], name: (k: number) => string, src: Vocabulary, model: string): number[][] {
  const unit = src.level === 'char' ? 'character' : 'word';
  const letters = src.level === 'char' ? 'letters' : 'words';
  const unknown = new Set<string>();
  const ids = texts.map((text, k) => {
    const tokens = src.tokenize(text);
    const out = tokens.map((t) => src.idOf(t));
    const missing = tokens.filter((_, i) => out[i] === Vocabulary.UNK);
    const wordlike = tokens.filter((t) => WORDLIKE.test(t));
    if (missing.length === tokens.length || (wordlike.length > 0 && wordlike.every((t) => src.idOf(t) === Vocabulary.UNK))) {
      const known = src.tokens.slice(4).filter((t) => WORDLIKE.test(t)).slice(0, 10).map((t) => JSON.stringify(t)).join(', ');
      throw new CliError(
        `${name(k)} ${JSON.stringify(text)}: ${model} knows none of its ${letters} (it knows ${known}, …); is it the model for the other direction?`,
      );
    }
    for (const t of missing) unknown.add(t);
    return out;
  });
  if (unknown.size > 0) {
    const shown = [...unknown].slice(0, 10).map((t) => JSON.stringify(t)).join(', ');
    process.stderr.write(`recur: note: ${unknown.size} ${unit}${unknown.size === 1 ? '' : 's'} never seen in training read as <unk>: ${shown}${unknown.size > 10 ? ', …' : ''}\n`);
  }
  return ids;
}

/** Check --attention before decoding: a known extension, a model with attention, one sentence per SVG. */
function checkAttentionFlag(path: string, file: TranslatorFile, sentences: number): 'svg' | 'html' {
  const kind = path.toLowerCase().endsWith('.svg') ? 'svg' : path.toLowerCase().endsWith('.html') ? 'html' : null;
  if (kind === null) throw new UsageError(`--attention ${path}: expected a file ending in .svg (one sentence) or .html`, 'translate');
  if (file.spec.attention.kind === 'none') {
    throw new UsageError(`--attention: ${file.path} has no attention (its decoder sees the source through the bridged final state only), so there are no weights to draw`, 'translate');
  }
  if (kind === 'svg' && sentences !== 1) throw new UsageError(`--attention ${path}: an SVG holds one heat-map and there are ${sentences} sentences; write an .html file instead`, 'translate');
  return kind;
}

export async function runTranslate(f: TranslateFlags, args: readonly string[]): Promise<number> {
  const strategy = strategyOf(f, 'translate');
  const file = openTranslator(f.model, 'translate');
  const { src, tgt, prep } = translatorData(file);
  const { texts, name, from } = await sentencesOf(f, args);
  const rows = texts.map((t, k) => ({ k, text: t.normalize('NFC').trim() })).filter((r) => r.text !== '');
  if (rows.length === 0) {
    throw new CliError(`${from} holds no sentences${texts.length > 0 ? ` (${texts.length} blank line${texts.length === 1 ? '' : 's'})` : ''}; expected one sentence per line`);
  }
  const attention = f.attention === undefined ? null : checkAttentionFlag(f.attention, file, rows.length);
  const ids = encodeSources(rows.map((r) => r.text), (i) => name(rows[i].k), src, f.model);
  const hyps = translateAll(file.model, ids, strategy, f.maxLength ?? defaultMaxLength(prep));
  const out = texts.map(() => '');
  rows.forEach((r, i) => (out[r.k] = decodeTarget(tgt, hyps[i].ids)));
  const text = out.map((l) => `${l}\n`).join('');
  if (f.out === undefined) process.stdout.write(text);
  else writeOutputFile(f.out, text, '--out');

  if (attention !== null && f.attention !== undefined) {
    const maps = rows.map((r, i) => attentionHeatmap(hyps[i], r.text, src, tgt, `${r.text} → ${out[r.k]}`));
    if (attention === 'svg') writeOutputFile(f.attention, maps[0], '--attention');
    else {
      try {
        writeReport(f.attention, {
          title: `Attention of ${f.model}`,
          subtitle: `${rows.length} sentence${rows.length === 1 ? '' : 's'}, ${strategyText(strategy)}`,
          sections: [{
            heading: 'Where the decoder looks',
            text: 'One row per generated token (the last is <eos> when the translation finished), one column per source token (␣ is a space); darker is more weight.',
            svg: maps,
          }],
        });
      } catch (e) {
        throw new CliError(`--attention ${f.attention}: cannot write it (${(e as Error).message})`);
      }
    }
  }
  // Notes go to stdout only when the translations do not.
  const note = f.out === undefined ? (line: string): void => void process.stderr.write(`${line}\n`) : say;
  if (f.out !== undefined) note(`${rows.length} translation${rows.length === 1 ? '' : 's'} written to ${f.out}`);
  if (f.attention !== undefined) note(`attention written to ${f.attention}`);
  return EXIT_OK;
}

/** `recur eval` with a translator: loss, BLEU and chrF on sentence pairs. */
export function runEvalPairs(file: TranslatorFile, f: DataFlags): number {
  const model = file.path;
  if (f.text !== undefined) throw new UsageError(`${model} is a sequence-to-sequence model; give it sentence pairs with --data, not --text`, 'eval');
  if (f.data === undefined) throw new UsageError(`missing --data <file>: sentence pairs to score ${model} on`, 'eval');
  if (f.inputs !== undefined) throw new UsageError(`--inputs maps CSV columns for time-series models; name a translator's columns with --source and --target`, 'eval');
  if (f.target !== undefined && f.target.length !== 1) throw new UsageError(`--target names ${f.target.length} columns; sentence pairs have one target column`, 'eval');
  const v = translatorData(file);
  const sourceColumn = f.source ?? v.prep?.sourceColumn;
  const targetColumn = f.target?.[0] ?? v.prep?.targetColumn;
  if (sourceColumn === undefined || targetColumn === undefined) {
    throw new UsageError(`${model} was not trained by recur train, so it does not know the columns; name them with --source <col> --target <col>`, 'eval');
  }
  const pairs = readPairs(f.data, sourceColumn, targetColumn, 'eval');
  const strategy = strategyOf(f, 'eval');
  const sc = scorePairs(file.model, v, pairs, strategy, f.maxLength ?? defaultMaxLength(v.prep));
  say(`${f.data}: ${count(pairs.length)} pairs, ${count(sc.sources.length)} distinct sources; ${strategyText(strategy)}, loss teacher-forced in nats per target token`);
  const rows = [['', 'loss', 'BLEU', 'chrF'], ['model', num(sc.loss), sc.bleu.toFixed(2), sc.chrf.toFixed(2)]];
  if (v.prep !== null) {
    const mostCommon = v.prep.mostCommon;
    const c = scoreTranslations(sc.sources.map(() => mostCommon), sc.references);
    rows.push(['most common training translation', '-', c.bleu.toFixed(2), c.chrf.toFixed(2)]);
  }
  say(table(rows, '  '));
  return EXIT_OK;
}
