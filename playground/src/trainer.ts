/**
 * What the playground does with data and models, free of the DOM: the Web Worker runs it in the
 * browser and test/browser.test.ts runs the very same code in Node to compare the numbers.
 *
 * Model files are the CLI's: a `.recur` checkpoint whose `data` field is the preparation that
 * `recur train` saves (src/cli/pipeline/prep.ts), so a model trained here predicts with the CLI and
 * a model trained with the CLI opens here. The preparation is the CLI's too: a series is split in
 * time order (70/15/15), standardised on the training rows and cut into windows predicting the
 * next step; a text is cut into sequences of characters, 80% to train, 10% to validate, 10% held out.
 *
 * Legend: R rows, L window, V vocabulary, W windows.
 */
import {
  DataLoader, StandardScaler, Vocabulary, buildModel, chronologicalSplit, decodeCheckpoint, encodeCheckpoint,
  fit, readCsv, slidingWindows, validateSpec, windowDataset,
  type CellKind, type EpochRecord, type History, type JsonValue, type LanguageModel, type ModelSpec,
  type SequenceDataset, type SequenceModel, type StepInfo, type Table, type Windows,
} from '../../src/browser.ts';
import { savedFromJson, savedToJson, type DataPrep, type Fractions, type MissingSetting, type SeriesPrep, type TextPrep } from '../../src/cli/pipeline/prep.ts';
import type { RunSettings } from '../../src/cli/pipeline/run.ts';
import { forecastSeries, oneStepPredictions, scoreWindows, type TargetScores } from '../../src/cli/pipeline/series.ts';
import { textDataset } from '../../src/cli/pipeline/text.ts';

/** Data to train on or to predict with: CSV text with a target column, or plain text. */
export type DataSource =
  | {
      kind: 'series';
      /** Shown in the page and saved as the model's `source` (a repository path or a file name). */
      name: string;
      csv: string;
      target: string;
      /** Column labelling the rows (a year, a date), or null. */
      time: string | null;
      missing: MissingSetting;
    }
  | { kind: 'text'; name: string; text: string };

/** A CSV file's name and text. */
export interface CsvFile {
  name: string;
  csv: string;
}

export interface TrainSettings {
  cell: CellKind;
  hiddenSize: number;
  numLayers: number;
  /** Series: steps of history per window. Text: characters per training sequence. */
  window: number;
  /** Text only: embedding size. */
  embeddingDim: number;
  epochs: number;
  batchSize: number;
  lr: number;
  /** Gradient norm clip, or null. */
  clip: number | null;
  seed: number;
}

/** Defaults per kind of data: small enough to train in seconds in a browser tab. */
export const DEFAULTS: Record<DataSource['kind'], TrainSettings> = {
  series: { cell: 'lstm', hiddenSize: 16, numLayers: 1, window: 20, embeddingDim: 16, epochs: 20, batchSize: 16, lr: 0.01, clip: 1, seed: 7 },
  text: { cell: 'gru', hiddenSize: 64, numLayers: 1, window: 64, embeddingDim: 16, epochs: 3, batchSize: 32, lr: 0.005, clip: 1, seed: 7 },
};

/** How the CLI splits a series in time (its --split default). */
export const SERIES_SPLIT: Fractions = { train: 0.7, validation: 0.15, test: 0.15 };
/** Fraction of a text held out for validation, and again for test (the CLI's split). */
export const TEXT_HELD_OUT = 0.1;
/** Characters generated for a text sample (`recur generate --length`). */
export const SAMPLE_LENGTH = 240;
/** Sampling temperature of a text sample (`recur generate`'s default). */
export const SAMPLE_TEMPERATURE = 0.8;
/** Steps forecast past the end of a series, predictions fed back. */
const FORECAST_STEPS = 20;

/** A series with the model's one-step predictions, in the data's own units. */
export interface SeriesPlot {
  column: string;
  /** [R] row labels (the time column, else file lines). */
  labels: string[];
  /** What the labels are: the time column's name, or 'line'. */
  labelName: string;
  /** [R] the series. */
  actual: number[];
  /** [R] prediction of each row from the L rows before it; NaN for the first L rows. */
  predicted: number[];
  /** Rows [0, trainEnd) trained on, [trainEnd, validationEnd) validated on, the rest held out. */
  trainEnd: number;
  validationEnd: number;
  /** The next FORECAST_STEPS values after the data, predictions fed back as inputs. */
  forecast: { labels: string[]; values: number[] };
}

/** What the page shows of a model's predictions. */
export type View = { kind: 'series'; plot: SeriesPlot } | { kind: 'text'; prompt: string; sample: string };

/** A dataset prepared for training. */
export interface Prepared {
  spec: ModelSpec;
  prep: SeriesPrep | TextPrep;
  train: SequenceDataset;
  validation: SequenceDataset;
  /** Series only: the table in its own units and the held-out windows. */
  table: Table | null;
  test: Windows | null;
  /** One line about the data, for the page. */
  summary: string;
}

/** The columns of a CSV's header line. */
export function csvColumns(csv: string): string[] {
  const end = csv.search(/\r?\n/);
  const first = end < 0 ? csv : csv.slice(0, end);
  return first.trim() === '' ? [] : [...readCsv(first).names];
}

/** The target column (and time column, if any) of a series file, in its own units. */
function readSeries(csv: string, inputs: readonly string[], time: string | null, missing: MissingSetting): Table {
  const names = [...new Set(inputs)];
  return readCsv(csv, {
    columns: time === null ? names : [time, ...names],
    stringColumns: time === null ? [] : [time],
    numberColumns: names,
    missing,
  });
}

function seriesWindows(scaled: Table, prep: SeriesPrep, rows: { start: number; end: number }): Windows {
  return slidingWindows(scaled, { inputColumns: prep.inputs, targetColumns: prep.targets, inputLength: prep.window, horizon: prep.horizon, targetRows: rows });
}

/**
 * Read, split, scale and window the data, and write the model's spec.
 * @example const p = prepare({ kind: 'text', name: 'x.txt', text }, DEFAULTS.text);
 */
export function prepare(source: DataSource, s: TrainSettings): Prepared {
  const recurrent = { cell: s.cell, hiddenSize: s.hiddenSize, numLayers: s.numLayers, seed: s.seed };
  if (source.kind === 'series') {
    const { target, time } = source;
    if (time === target) throw new Error(`the time column ${JSON.stringify(time)} labels the rows, so it cannot also be the target`);
    const table = readSeries(source.csv, [target], time, source.missing);
    const split = chronologicalSplit(table.rowCount, SERIES_SPLIT);
    const scaler = StandardScaler.fit(table, { columns: [target], rows: split.train });
    const prep: SeriesPrep = {
      kind: 'series', source: source.name, inputs: [target], targets: [target], window: s.window, horizon: 1,
      time, missing: source.missing, split: SERIES_SPLIT, scaler: scaler.toJSON(),
    };
    const scaled = scaler.transform(table);
    const part = (rows: { start: number; end: number }, name: string): Windows => {
      if (rows.end - rows.start < 1 || rows.end <= s.window) {
        throw new Error(`the ${name} part (rows ${rows.start + 1}–${rows.end} of ${table.rowCount}) holds no window of ${s.window} steps; use a smaller window or a longer series`);
      }
      return seriesWindows(scaled, prep, rows);
    };
    const train = part(split.train, 'training');
    const validation = part(split.validation, 'validation');
    const test = part(split.test, 'test');
    return {
      spec: validateSpec({ task: 'forecast', ...recurrent, inputSize: 1, outputSize: 1, horizon: 1 }),
      prep, table, test,
      train: windowDataset(train),
      validation: windowDataset(validation),
      summary: `${source.name}: ${table.rowCount} rows of ${target}; windows of ${s.window} → next value; ` +
        `train ${train.count}, validation ${validation.count}, test ${test.count} windows`,
    };
  }
  // As `recur train --text`: the first 80% trains, the next 10% validates, the last 10% is held out.
  const chars = Array.from(source.text.normalize('NFC'));
  const n = chars.length;
  const cuts = [Math.floor(n * (1 - 2 * TEXT_HELD_OUT)), Math.floor(n * (1 - TEXT_HELD_OUT))];
  const parts = [chars.slice(0, cuts[0]), chars.slice(cuts[0], cuts[1]), chars.slice(cuts[1])].map((part) => part.join(''));
  if (parts.some((part) => Array.from(part).length < 2)) throw new Error(`${source.name}: ${n} characters are too few; give a longer text`);
  const vocab = Vocabulary.build([parts[0]], { level: 'char' });
  const [trainIds, valIds] = parts.map((part) => vocab.encode(part));
  const tokenCounts = new Array<number>(vocab.size).fill(0);
  for (const id of trainIds) tokenCounts[id]++;
  const prep: TextPrep = { kind: 'text', source: source.name, window: s.window, vocabulary: vocab.toJSON(), tokenCounts, validation: TEXT_HELD_OUT };
  const train = textDataset(trainIds, s.window) as SequenceDataset;
  const validation = textDataset(valIds, s.window) as SequenceDataset;
  return {
    spec: validateSpec({ task: 'language-model', ...recurrent, vocabSize: vocab.size, embeddingDim: s.embeddingDim }),
    prep, table: null, test: null, train, validation,
    summary: `${source.name}: ${chars.length.toLocaleString('en')} characters, ${vocab.size} distinct (with 4 specials); ` +
      `${train.size} training and ${validation.size} validation sequences of ${s.window}`,
  };
}

/** The run's settings as `recur train` saves them. */
function runSettings(s: TrainSettings): RunSettings {
  return { epochs: s.epochs, batchSize: s.batchSize, lr: s.lr, clip: s.clip, patience: null, seed: s.seed };
}

/** Number of trainable values. */
export function parameterCount(model: SequenceModel): number {
  return model.parameters().reduce((n, p) => n + p.data.length, 0);
}

/**
 * Generated text, as `recur generate --length 240 --seed <seed>` prints it: after a line break (or,
 * in a text without one, the most frequent character), sampled at temperature 0.8.
 */
export function textSample(model: LanguageModel, prep: TextPrep, seed: number): { prompt: string; sample: string } {
  const vocab = Vocabulary.fromJSON(prep.vocabulary);
  const prompt = vocab.tokens.includes('\n') ? '\n' : vocab.tokens[Vocabulary.EOS + 1];
  const ids = model.generate(vocab.encode(prompt), { maxLength: SAMPLE_LENGTH, temperature: SAMPLE_TEMPERATURE, seed });
  return { prompt, sample: vocab.decode(ids) };
}

/** The series, the model's one-step predictions and a forecast past the end, for the plot. */
export function seriesPlot(model: SequenceModel, prep: SeriesPrep, table: Table): SeriesPlot {
  const column = prep.targets[0];
  const k = table.names.indexOf(column);
  const actual = Array.from(table.columns[k].values as Float64Array);
  const predicted = Array.from(oneStepPredictions(model, prep, table)[0]);
  const timeCol = prep.time === null ? -1 : table.names.indexOf(prep.time);
  const tc = table.columns[timeCol];
  const timed = tc !== undefined && tc.kind === 'string';
  const labels = timed ? [...tc.values] : Array.from(table.lines, String);
  const split = chronologicalSplit(table.rowCount, prep.split);
  const f = forecastSeries(model, prep, table, FORECAST_STEPS, prep.source);
  return {
    column, labels, labelName: timed ? tc.name : 'line', actual, predicted,
    trainEnd: split.train.end, validationEnd: split.validation.end,
    forecast: { labels: f.labels, values: Array.from(f.values) },
  };
}

/** What the page shows of a model on its data. */
export function viewOf(model: SequenceModel, prep: DataPrep, table: Table | null, seed: number): View | null {
  if (prep.kind === 'text') return { kind: 'text', ...textSample(model as LanguageModel, prep, seed) };
  if (prep.kind === 'series' && table !== null) return { kind: 'series', plot: seriesPlot(model, prep, table) };
  return null;
}

/** One finished epoch, as the page shows it. */
export interface EpochUpdate {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss: number | null;
  /** Training and validation time of this epoch. */
  seconds: number;
  steps: number;
  view: View | null;
}

export interface TrainResult {
  model: SequenceModel;
  history: History;
  /** Optimizer steps per second over the finished epochs (training and validation time only). */
  stepsPerSecond: number;
  /** Held-out scores in the data's units (series), model and persistence. */
  testScores: TargetScores[] | null;
  /** The `.recur` file. */
  bytes: Uint8Array;
}

export interface TrainCallbacks {
  /** The model is built; training starts. */
  onStart?(model: SequenceModel): void;
  onStep?(info: StepInfo): void;
  onEpoch?(update: EpochUpdate): void;
}

/**
 * Train the prepared model as `recur train` does (same loaders, optimizer, clipping and seeds, so
 * the same settings give the same weights); stops early, keeping what it learned, when `signal`
 * aborts.
 * @example const r = await train(prepare(source, DEFAULTS.series), DEFAULTS.series, { onEpoch: (u) => draw(u) });
 */
export async function train(p: Prepared, s: TrainSettings, cb: TrainCallbacks = {}, signal?: AbortSignal): Promise<TrainResult> {
  const model = buildModel(p.spec);
  cb.onStart?.(model);
  const history = await fit(model, new DataLoader(p.train, { batchSize: s.batchSize, shuffle: true, seed: s.seed }), {
    epochs: s.epochs,
    optimizer: { kind: 'adam', lr: s.lr },
    validation: new DataLoader(p.validation, { batchSize: Math.max(s.batchSize, 64) }), // as recur train
    ...(s.clip === null ? {} : { clipGradNorm: s.clip }),
    seed: s.seed,
    signal,
    progress: 'none',
    callbacks: {
      onStep: cb.onStep,
      onEpochEnd: (r: EpochRecord) => {
        if (cb.onEpoch === undefined) return;
        cb.onEpoch({ epoch: r.epoch, epochs: s.epochs, loss: r.loss, valLoss: r.valLoss, seconds: r.seconds, steps: r.steps, view: viewOf(model, p.prep, p.table, s.seed) });
      },
    },
  });
  const steps = history.epochs.reduce((n, r) => n + r.steps, 0);
  const seconds = history.epochs.reduce((n, r) => n + r.seconds, 0);
  const testScores = p.prep.kind === 'series' && p.table !== null && p.test !== null ? scoreWindows(model, p.prep, p.table, p.test) : null;
  return { model, history, stepsPerSecond: seconds > 0 ? steps / seconds : 0, testScores, bytes: encodeModel(model, p.prep, s) };
}

/** The `.recur` file of a trained model, with the preparation the CLI needs to use it. */
export function encodeModel(model: SequenceModel, prep: DataPrep, s: TrainSettings): Uint8Array {
  return encodeCheckpoint({ spec: JSON.parse(JSON.stringify(model.spec)) as JsonValue, weights: model.stateDict(), data: savedToJson(prep, runSettings(s)) });
}

/** A model file opened in the page. */
export interface Opened {
  model: SequenceModel;
  spec: ModelSpec;
  prep: DataPrep;
  run: RunSettings | null;
  /** Epoch losses saved by fit's checkpoints (CLI runs), when present. */
  losses: { epoch: number; loss: number; valLoss: number | null }[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Epoch losses from a checkpoint's `training` field (fit's format), or none. */
function savedLosses(training: JsonValue | undefined): Opened['losses'] {
  if (!isRecord(training) || !isRecord(training.history) || !Array.isArray(training.history.epochs)) return [];
  return training.history.epochs.flatMap((e) =>
    isRecord(e) && typeof e.epoch === 'number' && typeof e.loss === 'number'
      ? [{ epoch: e.epoch, loss: e.loss, valLoss: typeof e.valLoss === 'number' ? e.valLoss : null }]
      : []);
}

/**
 * Decode a `.recur` file, rebuild its model and read the preparation saved with it. Throws with
 * the checkpoint's own message for a damaged or foreign file.
 */
export function openModel(bytes: Uint8Array, name: string): Opened {
  const ckpt = decodeCheckpoint(bytes, name);
  const spec = validateSpec(ckpt.spec);
  const model = buildModel(spec);
  model.loadStateDict(ckpt.weights);
  const { prep, run } = savedFromJson(ckpt.data, name);
  return { model, spec, prep, run, losses: savedLosses(ckpt.training) };
}

/**
 * The first series among `candidates` that holds the columns a series model reads, read as the
 * model reads it; null when none does.
 */
export function tableFor(prep: SeriesPrep, candidates: readonly CsvFile[]): { source: CsvFile; table: Table } | null {
  for (const c of candidates) {
    const header = csvColumns(c.csv);
    if (!prep.inputs.every((n) => header.includes(n)) || !prep.targets.every((n) => header.includes(n))) continue;
    const time = prep.time !== null && header.includes(prep.time) ? prep.time : null;
    return { source: c, table: readSeries(c.csv, [...prep.inputs, ...prep.targets], time, prep.missing) };
  }
  return null;
}
