/**
 * The ways `recur train` reads data: which flags apply to which, and, for the three that train a
 * preset model with `fit`, one shape: the prepared datasets, the spec sizes the data decides,
 * and — after training — the held-out scores next to a naive baseline, as lines for the
 * terminal and values for the report. Sentence pairs train a translator (train-pairs.ts).
 *
 *   series   --data f.csv --target col                  forecast
 *   groups   --data f.csv --group-by k --label          classify | tag
 *   text     --text f.txt                               language-model
 *   pairs    --data f.tsv --source col --target col     seq2seq
 */
import { windowDataset, type SequenceDataset, type SequenceModel, type Task } from '../../index.ts';
import type { ForecastFigure, NamedValues } from '../../report/index.ts';
import { UsageError } from '../errors.ts';
import { num, pct, table } from '../output.ts';
import { groupDataset, prepareGroups, scoreGroups } from '../pipeline/groups.ts';
import type { DataPrep, Fractions, MissingSetting } from '../pipeline/prep.ts';
import { oneStepPredictions, prepareSeries, rowLabels, scoreWindows } from '../pipeline/series.ts';
import type { DataKeys, ModelFlags } from '../pipeline/spec.ts';
import type { VocabLevel } from '../../index.ts';
import { prepareText, scoreText } from '../pipeline/text.ts';

/** Every flag of `recur train`, as commander parses them (undefined when not given). */
export interface TrainFlags extends ModelFlags {
  data?: string;
  text?: string;
  target?: string[];
  source?: string;
  units?: VocabLevel;
  maxVocab?: number;
  maxTokens?: number;
  inputs?: string[];
  time?: string;
  window?: number;
  horizon?: number;
  groupBy?: string;
  label?: string;
  sortBy?: string;
  task?: Task | 'seq2seq';
  missing: MissingSetting;
  split: Fractions;
  scaling: 'standard' | 'minmax';
  epochs: number;
  batchSize: number;
  lr: number;
  clip: number | false;
  patience?: number;
  seed: number;
  out: string;
  resume?: boolean;
  report: string | false | undefined;
  progress: 'auto' | 'bar' | 'lines' | 'none';
}

export type Mode = 'series' | 'groups' | 'text' | 'pairs';

/** Flags that only some modes read, and a phrase naming those modes. */
const PAIRS = 'sentence pairs (--data with --source and --target)';
const ONLY: Readonly<Record<string, { modes: readonly Mode[]; flag: string; where: string }>> = {
  target: { modes: ['series', 'pairs'], flag: '--target', where: 'time series and sentence pairs (--data)' },
  source: { modes: ['pairs'], flag: '--source', where: PAIRS },
  units: { modes: ['pairs'], flag: '--units', where: PAIRS },
  maxVocab: { modes: ['pairs'], flag: '--max-vocab', where: PAIRS },
  maxTokens: { modes: ['pairs'], flag: '--max-tokens', where: PAIRS },
  attention: { modes: ['pairs'], flag: '--attention', where: PAIRS },
  patience: { modes: ['series', 'groups', 'text'], flag: '--patience', where: 'the preset models (seq2seq training has no early stopping)' },
  time: { modes: ['series'], flag: '--time', where: 'time series (--data with --target)' },
  horizon: { modes: ['series'], flag: '--horizon', where: 'time series (--data with --target)' },
  label: { modes: ['groups'], flag: '--label', where: 'sequences (--data with --group-by)' },
  sortBy: { modes: ['groups'], flag: '--sort-by', where: 'sequences (--data with --group-by)' },
  window: { modes: ['series', 'text'], flag: '--window', where: 'time series and text' },
  inputs: { modes: ['series', 'groups'], flag: '--inputs', where: 'CSV data (--data)' },
  embedding: { modes: ['text', 'pairs'], flag: '--embedding', where: 'text (--text)' },
};

/** Flags that have defaults, and the modes that read them: given explicitly elsewhere they would be ignored. */
const WITH_DEFAULTS: Readonly<Record<string, { modes: readonly Mode[]; flag: string; where: string }>> = {
  missing: { modes: ['series', 'groups'], flag: '--missing', where: 'numeric CSV data (--data with --target or --group-by)' },
  scaling: { modes: ['series', 'groups'], flag: '--scaling', where: 'numeric CSV data (--data with --target or --group-by)' },
  split: { modes: ['series', 'groups', 'pairs'], flag: '--split', where: 'CSV data (--data)' },
};

/** Which mode the flags ask for, with a usage error for contradictions. */
export function modeOf(f: TrainFlags, explicit: ReadonlySet<string>): Mode {
  if (f.data !== undefined && f.text !== undefined) throw new UsageError('give --data <file.csv> or --text <file.txt>, not both', 'train');
  if (f.data === undefined && f.text === undefined) throw new UsageError('missing --data <file.csv> (a CSV file) or --text <file.txt> (a text file)', 'train');
  const mode: Mode = f.text !== undefined ? 'text' : f.source !== undefined ? 'pairs' : f.groupBy !== undefined ? 'groups' : 'series';
  if (f.text !== undefined && f.groupBy !== undefined) throw new UsageError('--group-by applies to CSV data (--data), not to --text', 'train');
  if (f.source !== undefined && f.groupBy !== undefined) throw new UsageError('--group-by applies to sequences of rows, not to sentence pairs (--source)', 'train');
  for (const [key, o] of Object.entries(ONLY)) {
    if ((f as unknown as Record<string, unknown>)[key] !== undefined && !o.modes.includes(mode)) {
      throw new UsageError(`${o.flag} applies to ${o.where}, not to ${describeMode(mode)}`, 'train');
    }
  }
  for (const [key, o] of Object.entries(WITH_DEFAULTS)) {
    if (explicit.has(key) && !o.modes.includes(mode)) throw new UsageError(`${o.flag} applies to ${o.where}, not to ${describeMode(mode)}`, 'train');
  }
  if (mode === 'series' && f.target === undefined) {
    throw new UsageError('missing --target <column>: the column(s) to forecast (or --group-by <column> --label <column> for one sequence per entity)', 'train');
  }
  if (mode === 'groups' && f.label === undefined) throw new UsageError('missing --label <column>: with --group-by, the class of each sequence', 'train');
  if (mode === 'pairs' && f.target === undefined) throw new UsageError('missing --target <column>: with --source, the column of the target sentences', 'train');
  if (mode === 'pairs' && (f.target as string[]).length !== 1) {
    throw new UsageError(`--target names ${(f.target as string[]).length} columns (${(f.target as string[]).join(', ')}); sentence pairs have one target column`, 'train');
  }
  if (f.task === 'seq2seq' && mode !== 'pairs') throw new UsageError(`--task seq2seq needs sentence pairs: --data pairs.tsv --source <column> --target <column>`, 'train');
  const tasks: Record<Mode, readonly (Task | 'seq2seq')[]> = { series: ['forecast'], groups: ['classify', 'tag'], text: ['language-model'], pairs: ['seq2seq'] };
  if (f.task !== undefined && !tasks[mode].includes(f.task)) {
    const fix = f.task === 'forecast' ? 'use --data with --target' : f.task === 'language-model' ? 'use --text <file.txt>' : f.task === 'classify' || f.task === 'tag' ? 'use --data with --group-by and --label' : 'this task is available from code (buildModel), not from the CLI yet';
    throw new UsageError(`--task ${f.task} does not fit ${describeMode(mode)}, which trains ${tasks[mode].join(' or ')}; ${fix}`, 'train');
  }
  return mode;
}

function describeMode(mode: Mode): string {
  return mode === 'series' ? 'a time series (--data with --target)' : mode === 'groups' ? 'sequences (--data with --group-by)' : mode === 'pairs' ? PAIRS : 'text (--text)';
}

/** What the held-out part says about the trained model, for the terminal and the report. */
export interface Assessment {
  lines: string[];
  test: NamedValues;
  baselines: { name: string; values: NamedValues }[];
  forecasts?: ForecastFigure[];
  confusion?: { matrix: number[][]; labels: string[] };
}

export interface Prepared {
  prep: DataPrep;
  dataKeys: DataKeys;
  train: SequenceDataset;
  validation: SequenceDataset;
  /** Lines describing the data, printed before training. */
  summary: string[];
  assess(model: SequenceModel): Assessment;
}

/** Read and prepare the data of one mode. */
export function prepare(mode: Exclude<Mode, 'pairs'>, f: TrainFlags): Prepared {
  if (mode === 'series') return prepareSeriesMode(f);
  if (mode === 'groups') return prepareGroupsMode(f);
  return prepareTextMode(f);
}

function prepareSeriesMode(f: TrainFlags): Prepared {
  const targets = f.target as string[];
  const s = prepareSeries({
    path: f.data as string, targets, inputs: f.inputs ?? null, time: f.time ?? null, window: f.window ?? 24, horizon: f.horizon ?? 1,
    missing: f.missing, split: f.split, scaling: f.scaling,
  });
  const { prep, table: data, split } = s;
  const { name: timeName, labels } = rowLabels(data, prep);
  const span = (r: { start: number; end: number }): string => `${r.end - r.start} rows (${labels[r.start]}–${labels[r.end - 1]})`;
  const dropped = data.missing.length > 0 ? `; missing values: ${data.missing.map((m) => `${m.column} ${m.count}`).join(', ')} (${typeof f.missing === 'string' ? f.missing : `fill ${f.missing.fill}`})` : '';
  return {
    prep,
    dataKeys: {
      task: { value: 'forecast', from: '--target' },
      inputSize: { value: prep.inputs.length, from: `--inputs (${prep.inputs.join(', ')})` },
      outputSize: { value: targets.length, from: `--target (${targets.join(', ')})` },
      horizon: { value: prep.horizon, from: '--horizon' },
    },
    train: windowDataset(s.train),
    validation: windowDataset(s.validation),
    summary: [
      `data: ${prep.source}, ${data.rowCount} rows; reads ${prep.inputs.join(', ')} over ${prep.window} steps, predicts ${prep.targets.join(', ')} ${prep.horizon === 1 ? 'one step' : `${prep.horizon} steps`} ahead${dropped}`,
      `split in time order: train ${span(split.train)}, validation ${span(split.validation)}, test ${span(split.test)}; ${f.scaling} scaling fitted on the training rows`,
      `windows: ${s.train.count} train, ${s.validation.count} validation, ${s.test.count} test; loss and metrics during training are on scaled values, the test scores in the data's units`,
    ],
    assess(model) {
      const scores = scoreWindows(model, prep, data, s.test);
      const rows = [['', 'MAE', 'RMSE']];
      for (const t of scores) {
        const name = scores.length > 1 ? ` (${t.column})` : '';
        rows.push([`model${name}`, num(t.model.mae), num(t.model.rmse)]);
        rows.push([`persistence${name}`, num(t.persistence.mae), num(t.persistence.rmse)]);
      }
      const one = oneStepPredictions(model, prep, data);
      const first = scores[0];
      // Keys name the unit: fit's own metrics (train, validation rows) are on scaled values.
      const inUnits = (v: { mae: number; rmse: number }): NamedValues => ({ [`MAE (${first.column})`]: v.mae, [`RMSE (${first.column})`]: v.rmse });
      const test = inUnits(first.model);
      return {
        lines: ['', `test, ${s.test.count} windows, in ${prep.targets.join(', ')} units:`, table(rows, '  ')],
        test,
        baselines: [{ name: 'persistence', values: inUnits(first.persistence) }],
        forecasts: prep.targets.map((column, o) => ({
          title: `${column}: one step ahead`,
          actual: Array.from(data.columns[data.names.indexOf(column)].values as Float64Array),
          predictions: [{ name: 'model', values: Array.from(one[o], (v) => (Number.isNaN(v) ? null : v)) }],
          labels,
          splits: [{ x: split.validation.start, label: 'validation' }, { x: split.test.start, label: 'test' }],
          xLabel: timeName,
          yLabel: column,
        })),
      };
    },
  };
}

function prepareGroupsMode(f: TrainFlags): Prepared {
  const task = f.task === 'tag' ? 'tag' : 'classify';
  const g = prepareGroups({
    path: f.data as string, groupBy: f.groupBy as string, sortBy: f.sortBy ?? null, label: f.label as string, inputs: f.inputs ?? null,
    task, missing: f.missing, split: f.split, seed: f.seed,
  });
  const { prep } = g;
  const steps = (p: typeof g.train): number => p.x.reduce((a, s) => a + s.length, 0);
  const lengths = g.train.x.map((s) => s.length);
  return {
    prep,
    dataKeys: {
      task: { value: task, from: task === 'tag' ? '--task tag' : '--label' },
      inputSize: { value: prep.inputs.length, from: `--inputs (${prep.inputs.join(', ')})` },
      numClasses: { value: prep.classes.length, from: `--label ${prep.label} (${prep.classes.length} classes)` },
    },
    train: groupDataset(g.train, task),
    validation: groupDataset(g.validation, task),
    summary: [
      `data: ${prep.source}, one sequence per ${prep.groupBy}${prep.sortBy === null ? '' : ` ordered by ${prep.sortBy}`}; reads ${prep.inputs.join(', ')}`,
      `labels (${prep.label}, ${task === 'tag' ? 'per row' : 'per sequence'}): ${prep.classes.map((c, i) => `${c} ${prep.classCounts[i]}`).join(', ')} in the training part`,
      `sequences: ${g.train.x.length} train (${steps(g.train)} steps, lengths ${Math.min(...lengths)}–${Math.max(...lengths)}), ${g.validation.x.length} validation, ${g.test.x.length} test (split at random, seed ${prep.seed})`,
    ],
    assess(model) {
      const sc = scoreGroups(model, prep, g.test);
      const unit = task === 'tag' ? 'rows' : 'sequences';
      return {
        lines: [
          '',
          `test, ${sc.n} ${unit}:`,
          table([['', 'accuracy', 'macro-F1'], ['model', pct(sc.accuracy), num(sc.macroF1)], [`majority (${sc.majority.label})`, pct(sc.majority.accuracy), num(sc.majority.macroF1)]], '  '),
        ],
        test: { accuracy: sc.accuracy, macroF1: sc.macroF1 },
        baselines: [{ name: `majority class (${sc.majority.label})`, values: { accuracy: sc.majority.accuracy, macroF1: sc.majority.macroF1 } }],
        confusion: { matrix: sc.confusion, labels: prep.classes },
      };
    },
  };
}

function prepareTextMode(f: TrainFlags): Prepared {
  const t = prepareText(f.text as string, f.window ?? 64, 0.1);
  const { prep, sizes } = t;
  const V = prep.vocabulary.tokens.length;
  return {
    prep,
    dataKeys: {
      task: { value: 'language-model', from: '--text' },
      vocabSize: { value: V, from: `--text (${V - 4} distinct characters and the 4 specials)` },
    },
    train: t.train,
    validation: t.validation,
    summary: [
      `data: ${prep.source}; characters: ${sizes.train} train, ${sizes.validation} validation, ${sizes.test} test (the last 10%); vocabulary ${V} (with 4 specials)`,
      `sequences of ${prep.window} characters: ${t.train.size} train, ${t.validation.size} validation, ${t.test.size} test`,
    ],
    assess(model) {
      const sc = scoreText(model, prep, t.test, t.testIds);
      return {
        lines: [
          '',
          `test, ${sc.tokens} characters:`,
          table([['', 'perplexity'], ['model', num(sc.perplexity)], ['unigram (character frequencies)', num(sc.unigram)]], '  '),
        ],
        test: { perplexity: sc.perplexity },
        baselines: [{ name: 'unigram', values: { perplexity: sc.unigram } }],
      };
    },
  };
}

