/**
 * The actions of `eval`, `predict`, `forecast` and `generate` (flags in use.ts); `eval` of a
 * translator is translate-run.ts's.
 */
import { Vocabulary, type LanguageModel } from '../../index.ts';
import { taskText } from '../describe.ts';
import { CliError, EXIT_OK, UsageError } from '../errors.ts';
import { num, pct, say, table } from '../output.ts';
import { formatCsvNumber, writeCsv } from '../pipeline/files.ts';
import { classProbabilities, readGroupsForModel, scoreGroups } from '../pipeline/groups.ts';
import { argmaxRow } from '../pipeline/infer.ts';
import { openModel, openModelFile, savedOf, type ModelFile } from '../pipeline/model-file.ts';
import { vocabularyOf, type DataPrep, type PairsPrep, type SeriesPrep } from '../pipeline/prep.ts';
import { evaluateSeries, forecastSeries, predictSeries, readForModel } from '../pipeline/series.ts';
import { readTextForModel, scoreText } from '../pipeline/text.ts';
import type { DataFlags, ForecastFlags, GenerateFlags, PredictFlags } from './use.ts';

/** The preparation of a preset model (a translator's is translate-run.ts's). */
type PresetPrep = Exclude<DataPrep, PairsPrep>;

/** Flags that only translators read. */
const TRANSLATOR_FLAGS = { source: '--source', beam: '--beam', greedy: '--greedy', maxLength: '--max-length' } as const;

/** The model file and its preparation, checking that the data flag fits its kind. */
function open(f: DataFlags, command: string, file: ModelFile = openModel(f.model, command)): { file: ModelFile; prep: PresetPrep } {
  const { prep } = savedOf(file);
  for (const [key, flag] of Object.entries(TRANSLATOR_FLAGS)) {
    if (f[key as keyof typeof TRANSLATOR_FLAGS] !== undefined) throw new UsageError(`${flag} applies to sequence-to-sequence models; ${f.model} is a ${taskText(file.spec)}`, command);
  }
  if (prep.kind === 'text' && f.data !== undefined) throw new UsageError(`${f.model} is a language model; give it a text file with --text, not --data`, command);
  if (prep.kind !== 'text' && f.text !== undefined) throw new UsageError(`${f.model} reads CSV data; give it with --data, not --text`, command);
  if (prep.kind === 'text' ? f.text === undefined : f.data === undefined) {
    throw new UsageError(`missing ${prep.kind === 'text' ? '--text <file.txt>' : '--data <file.csv>'}: the data to run ${f.model} on`, command);
  }
  if (prep.kind !== 'series' && (f.inputs !== undefined || f.target !== undefined)) {
    throw new UsageError(`--inputs and --target map CSV columns for time-series models; ${f.model} is a ${prep.kind === 'groups' ? 'sequence' : 'language'} model`, command);
  }
  return { file, prep };
}

function seriesOf(prep: PresetPrep, f: DataFlags, command: string): SeriesPrep {
  if (prep.kind !== 'series') throw new UsageError(`${command} needs a time-series model (trained with --target); ${f.model} is a ${prep.kind === 'groups' ? 'sequence' : 'language'} model`, command);
  return prep;
}

export async function runEval(f: DataFlags): Promise<number> {
  const opened = openModelFile(f.model);
  if (opened.kind === 'seq2seq') return (await import('./translate-run.ts')).runEvalPairs(opened, f);
  const { file, prep } = open(f, 'eval', opened);
  if (prep.kind === 'series') {
    const t = readForModel(f.data as string, prep, { inputs: f.inputs ?? null, targets: f.target ?? null }, f.model, true);
    const { scores, windows } = evaluateSeries(file.model, prep, t);
    say(`${f.data}: ${windows} windows of ${prep.window} steps → ${prep.horizon} step${prep.horizon === 1 ? '' : 's'}, in ${prep.targets.join(', ')} units`);
    const rows = [['', 'MAE', 'RMSE']];
    for (const s of scores) {
      const name = scores.length > 1 ? ` (${s.column})` : '';
      rows.push([`model${name}`, num(s.model.mae), num(s.model.rmse)]);
      rows.push([`persistence${name}`, num(s.persistence.mae), num(s.persistence.rmse)]);
    }
    say(table(rows, '  '));
  } else if (prep.kind === 'groups') {
    const part = readGroupsForModel(f.data as string, prep, true);
    const sc = scoreGroups(file.model, prep, part);
    say(`${f.data}: ${part.keys.length} sequences, ${sc.n} ${prep.task === 'tag' ? 'rows' : 'labels'} scored`);
    say(table([['', 'accuracy', 'macro-F1'], ['model', pct(sc.accuracy), num(sc.macroF1)], [`majority (${sc.majority.label})`, pct(sc.majority.accuracy), num(sc.majority.macroF1)]], '  '));
  } else {
    const { ids, dataset } = readTextForModel(f.text as string, prep);
    const sc = scoreText(file.model, prep, dataset, ids);
    say(`${f.text}: ${sc.tokens} characters scored`);
    say(table([['', 'perplexity'], ['model', num(sc.perplexity)], ['unigram (character frequencies)', num(sc.unigram)]], '  '));
  }
  return EXIT_OK;
}

export function runPredict(f: PredictFlags): number {
  const { file, prep } = open(f, 'predict');
  const out = f.out ?? null;
  if (prep.kind === 'series') {
    const t = readForModel(f.data as string, prep, { inputs: f.inputs ?? null, targets: null }, f.model, false);
    const p = predictSeries(file.model, prep, t);
    const O = prep.targets.length;
    const h = p.horizon;
    const names = h === 1 ? prep.targets : Array.from({ length: h }, (_, k) => prep.targets.map((c) => `${c}+${k + 1}`)).flat();
    const rows = p.labels.map((label, w) => [label, ...Array.from(p.values.subarray(w * h * O, (w + 1) * h * O), formatCsvNumber)]);
    writeCsv(out, [p.labelName, ...names], rows);
  } else if (prep.kind === 'groups') {
    const part = readGroupsForModel(f.data as string, prep, false);
    const probs = classProbabilities(file.model, part);
    const pcols = prep.classes.map((c) => `p_${c}`);
    if (prep.task === 'classify') {
      writeCsv(out, [prep.groupBy, 'predicted', ...pcols], part.keys.map((k, g) => [k, prep.classes[argmaxRow(probs[g][0])], ...probs[g][0].map(formatCsvNumber)]));
    } else {
      const rows = part.keys.flatMap((k, g) => probs[g].map((p, t) => [k, String(part.lines[g][t]), prep.classes[argmaxRow(p)], ...p.map(formatCsvNumber)]));
      writeCsv(out, [prep.groupBy, 'line', 'predicted', ...pcols], rows);
    }
  } else {
    throw new UsageError(`${f.model} is a language model; use 'recur generate --model ${f.model}' to write text with it`, 'predict');
  }
  if (out !== null) say(`predictions written to ${out}`);
  return EXIT_OK;
}

export function runForecast(f: ForecastFlags): number {
  const { file, prep } = open(f, 'forecast');
  const series = seriesOf(prep, f, 'forecast');
  const t = readForModel(f.data as string, series, { inputs: f.inputs ?? null, targets: null }, f.model, false);
  const fc = forecastSeries(file.model, series, t, f.steps, f.model);
  const O = series.targets.length;
  const rows = fc.labels.map((label, k) => [label, ...Array.from(fc.values.subarray(k * O, (k + 1) * O), formatCsvNumber)]);
  writeCsv(f.out ?? null, [fc.labelName === 'line' ? 'step' : fc.labelName, ...series.targets], rows);
  if (f.out !== undefined) say(`forecast of ${f.steps} steps written to ${f.out}`);
  return EXIT_OK;
}

export function runGenerate(f: GenerateFlags): number {
  const file = openModel(f.model, 'generate');
  const { prep } = savedOf(file);
  if (prep.kind !== 'text') throw new UsageError(`${f.model} is not a language model (it reads CSV data); use 'recur predict' with it`, 'generate');
  const vocab = vocabularyOf(prep);
  const prompt = f.prompt ?? (vocab.tokens.includes('\n') ? '\n' : vocab.tokens[Vocabulary.EOS + 1]);
  const ids = vocab.encode(prompt);
  if (ids.length === 0) throw new UsageError('--prompt is empty; give at least one character', 'generate');
  const unknown = vocab.tokenize(prompt).filter((t) => vocab.idOf(t) === Vocabulary.UNK);
  if (unknown.length > 0) throw new CliError(`--prompt: ${unknown.map((c) => JSON.stringify(c)).join(', ')} never occurred in the training text; ${f.model} knows ${vocab.size - 4} characters`);
  const out = (file.model as LanguageModel).generate(ids, { maxLength: f.length, temperature: f.temperature, seed: f.seed, ...(f.topK === undefined ? {} : { topK: f.topK }) });
  // The four specials never occur in training text, but an undertrained model may still sample
  // one; they are not characters, so they are left out (decode drops all but <unk>).
  process.stdout.write(`${prompt}${vocab.decode(out.filter((id) => id !== Vocabulary.UNK))}\n`);
  return EXIT_OK;
}
