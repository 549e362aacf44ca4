/**
 * Demo `sunspots` (the default): an LSTM forecaster for the yearly mean sunspot number, 1700–2008.
 *
 * Legend: B batch, T window (years of history), H hidden, W windows.
 *   x [B, T, 1] standardised sunspot numbers of T consecutive years → ŷ [B, 1] the next year's.
 *
 * - Split by the year of the target: train ≤ 1940, validation 1941–1968, test 1969–2008 (the last
 *   40 years, three solar cycles). A window's inputs may reach back into earlier parts: those years
 *   were observed before the target, so nothing leaks.
 * - StandardScaler fitted on the training years only; predictions go back to sunspot units.
 * - fit(): Adam, gradient clipping, early stopping on the validation loss keeping the best weights.
 * - Baselines on the same test years, in the same units:
 *     persistence      next year = this year
 *     seasonal naive   next year = the year one solar cycle earlier, with the cycle taken as
 *                      11 years (the mean length of cycles 1–23 is about 11.0 years)
 */
import { readCsv, numberColumn } from '../data/csv.ts';
import { DataLoader, collate } from '../data/loader.ts';
import { StandardScaler } from '../data/scaler.ts';
import { slidingWindows, windowDataset, type RowRange } from '../data/timeseries.ts';
import { buildModel } from '../models/build.ts';
import { writeReport } from '../report/html.ts';
import { trainingReport } from '../report/training.ts';
import { noGrad } from '../tensor/tensor.ts';
import { fit } from '../train/fit.ts';
import { rmse } from '../train/metrics.ts';
import type { History } from '../train/state.ts';
import {
  Printer, comparisonLines, dataPath, epochsOf, lossCurve, reportFile, secondsSince,
  type DemoOptions, type DemoResult,
} from './common.ts';

/** The seasonal-naive period: one solar cycle, in years. */
export const SOLAR_CYCLE_YEARS = 11;

const COLUMN = 'sunactivity';
const UNITS_RMSE = 'RMSE (sunspot number)';

interface SunspotsConfig {
  /** Years of history per window (T). */
  window: number;
  hiddenSize: number;
  batchSize: number;
  lr: number;
  epochs: number;
  /** Early stopping patience (epochs without a better validation loss). */
  patience: number;
}

const FULL: SunspotsConfig = { window: 20, hiddenSize: 32, batchSize: 16, lr: 1e-2, epochs: 60, patience: 15 };
const QUICK: SunspotsConfig = { window: 20, hiddenSize: 16, batchSize: 16, lr: 1e-2, epochs: 12, patience: 12 };

const LAST_TRAIN_YEAR = 1940;
const LAST_VALIDATION_YEAR = 1968;
const DEFAULT_SEED = 7;

export interface SunspotsResult extends DemoResult {
  demo: 'sunspots';
  persistenceRmse: number;
  seasonalNaiveRmse: number;
  /** Test years (targets), first and last. */
  testYears: [number, number];
  /** [test years] the model's one-year-ahead forecasts, in sunspot units. */
  predictions: number[];
  history: History;
}

/** Rows whose year lies in [from, to]. */
function yearRows(years: Float64Array, from: number, to: number): RowRange {
  let start = 0;
  while (start < years.length && years[start] < from) start++;
  let end = start;
  while (end < years.length && years[end] <= to) end++;
  return { start, end };
}

/**
 * Train the sunspot forecaster and compare it with persistence and seasonal naive on 1969–2008.
 * @example const r = await runSunspots({ quick: true, quiet: true }); r.value < r.persistenceRmse;
 */
export async function runSunspots(options: DemoOptions = {}): Promise<SunspotsResult> {
  const started = performance.now();
  const cfg = options.quick === true ? QUICK : FULL;
  const seed = options.seed ?? DEFAULT_SEED;
  const epochs = epochsOf(options, cfg.epochs);
  const out = new Printer(options.quiet === true);

  const table = readCsv({ path: dataPath('sunspots/sunspots_yearly_1700_2008.csv') }, { columns: ['year', COLUMN], numberColumns: ['year', COLUMN] });
  const years = numberColumn(table, 'year');
  const values = numberColumn(table, COLUMN);
  const first = years[0];
  const last = years[years.length - 1];
  const parts = {
    train: yearRows(years, first, LAST_TRAIN_YEAR),
    validation: yearRows(years, LAST_TRAIN_YEAR + 1, LAST_VALIDATION_YEAR),
    test: yearRows(years, LAST_VALIDATION_YEAR + 1, last),
  };
  const scaler = StandardScaler.fit(table, { columns: [COLUMN], rows: parts.train });
  const scaled = scaler.transform(table);
  const windows = (rows: RowRange) =>
    slidingWindows(scaled, { inputColumns: [COLUMN], targetColumns: [COLUMN], inputLength: cfg.window, targetRows: rows });
  const trainW = windows(parts.train);
  const valW = windows(parts.validation);
  const testW = windows(parts.test);

  out.line(`sunspots: yearly mean sunspot number ${first}–${last} (${table.rowCount} years), one year ahead from the last ${cfg.window}`);
  out.line(
    `  windows by target year: train ${trainW.count} (≤${LAST_TRAIN_YEAR}), validation ${valW.count} ` +
      `(${LAST_TRAIN_YEAR + 1}–${LAST_VALIDATION_YEAR}), test ${testW.count} (${LAST_VALIDATION_YEAR + 1}–${last})`,
  );
  out.line(`  scaler fitted on the training years: mean ${scaler.mean[0].toFixed(2)}, std ${scaler.std[0].toFixed(2)}`);

  const model = buildModel({ task: 'forecast', cell: 'lstm', inputSize: 1, hiddenSize: cfg.hiddenSize, outputSize: 1, horizon: 1, seed });
  out.line(`  model: LSTM(1 → ${cfg.hiddenSize}) → Linear(${cfg.hiddenSize} → 1); Adam lr ${cfg.lr}, clip 1, batch ${cfg.batchSize}, ≤${epochs} epochs, early stopping (patience ${cfg.patience})`);
  out.line('  loss: MSE on standardised values');
  const history = await fit(model, new DataLoader(windowDataset(trainW), { batchSize: cfg.batchSize, shuffle: true, seed }), {
    epochs,
    optimizer: { kind: 'adam', lr: cfg.lr },
    validation: new DataLoader(windowDataset(valW), { batchSize: 64 }),
    metrics: ['rmse'],
    clipGradNorm: 1,
    earlyStopping: { patience: cfg.patience, restoreBest: true },
    seed,
    progress: out.progress,
  });

  // Forecasts for every validation and test year (the model keeps the best epoch's weights).
  const predict = (w: ReturnType<typeof windows>): Float64Array => {
    const ds = windowDataset(w);
    const batch = collate(ds, Int32Array.from({ length: ds.size }, (_, i) => i));
    model.eval();
    const y = noGrad(() => model.forward(batch.x)); // [W, 1] standardised
    return scaler.inverseTransformValues(y.data, [COLUMN]);
  };
  const testPred = Array.from(predict(testW));
  const valPred = Array.from(predict(valW));
  const testRows = Array.from(testW.targetStart);
  const actual = testRows.map((r) => values[r]);
  const persistence = testRows.map((r) => values[r - 1]);
  const seasonal = testRows.map((r) => values[r - SOLAR_CYCLE_YEARS]);
  const modelRmse = rmse(testPred, actual);
  const persistenceRmse = rmse(persistence, actual);
  const seasonalNaiveRmse = rmse(seasonal, actual);

  const result: SunspotsResult = {
    demo: 'sunspots',
    metric: `test RMSE, sunspot number, ${LAST_VALIDATION_YEAR + 1}–${last} (${testRows.length} years)`,
    higherIsBetter: false,
    value: modelRmse,
    baselines: [
      { name: 'persistence (next year = this year)', value: persistenceRmse },
      { name: `seasonal naive (year − ${SOLAR_CYCLE_YEARS}, one cycle)`, value: seasonalNaiveRmse },
    ],
    reportPath: reportFile(options, 'sunspots'),
    seconds: 0,
    persistenceRmse,
    seasonalNaiveRmse,
    testYears: [years[testRows[0]], years[testRows[testRows.length - 1]]],
    predictions: testPred,
    history,
  };

  // Report: the whole series with the forecasts of the validation and test years.
  const n = table.rowCount;
  const along = (rows: readonly number[], v: readonly number[]): (number | null)[] => {
    const s = new Array<number | null>(n).fill(null);
    rows.forEach((r, k) => (s[r] = v[k]));
    return s;
  };
  const valRows = Array.from(valW.targetStart);
  const lstmSeries = along([...valRows, ...testRows], [...valPred, ...testPred]);
  const bestEpoch = history.bestEpoch ?? history.epochs.length;
  // The chart starts a few cycles before the validation years, so the forecasts stay readable.
  const from = Math.max(0, parts.validation.start - 4 * SOLAR_CYCLE_YEARS);
  writeReport(
    result.reportPath,
    trainingReport(history, {
      title: 'Sunspots: LSTM one-year-ahead forecast',
      subtitle: `yearly mean sunspot number ${first}–${last}; test ${result.testYears[0]}–${result.testYears[1]}`,
      description:
        `Each sample is ${cfg.window} consecutive years of the yearly mean sunspot number (standardised with the mean and standard deviation ` +
        `of the training years) and its target is the next year. Targets up to ${LAST_TRAIN_YEAR} train, ${LAST_TRAIN_YEAR + 1}–${LAST_VALIDATION_YEAR} ` +
        `validate (early stopping, best epoch ${bestEpoch}), ${LAST_VALIDATION_YEAR + 1}–${last} test.\n\n` +
        `Model: LSTM with ${cfg.hiddenSize} hidden units, a linear head on the last hidden state; Adam (lr ${cfg.lr}), gradient norm clipped at 1, seed ${seed}. ` +
        `Test RMSE in sunspot units: LSTM ${modelRmse.toFixed(2)}, persistence ${persistenceRmse.toFixed(2)}, ` +
        `seasonal naive with an ${SOLAR_CYCLE_YEARS}-year period ${seasonalNaiveRmse.toFixed(2)}. Losses in the charts are MSE, and RMSE is, on standardised values; the test and baseline RMSE are in sunspot units.`,
      // A column of its own: the training curves' RMSE is in standardised units.
      test: { [UNITS_RMSE]: modelRmse },
      baselines: [
        { name: 'persistence', values: { [UNITS_RMSE]: persistenceRmse } },
        { name: `seasonal naive (${SOLAR_CYCLE_YEARS} years)`, values: { [UNITS_RMSE]: seasonalNaiveRmse } },
      ],
      forecasts: [
        {
          title: `Forecasts against the observed series, ${years[from]}–${last}`,
          xLabel: 'year',
          yLabel: 'sunspot number',
          actual: Array.from(values.subarray(from)),
          labels: Array.from(years.subarray(from), String),
          predictions: [
            { name: 'LSTM (one year ahead)', values: lstmSeries.slice(from) },
            { name: 'persistence', values: along(testRows, persistence).slice(from) },
            { name: `seasonal naive (${SOLAR_CYCLE_YEARS} y)`, values: along(testRows, seasonal).slice(from) },
          ],
          splits: [
            { x: parts.validation.start - from, label: 'validation' },
            { x: parts.test.start - from, label: 'test' },
          ],
        },
      ],
    }),
  );

  result.seconds = secondsSince(started);
  out.line();
  out.line(lossCurve(history));
  out.line();
  out.line(`kept the weights of epoch ${bestEpoch} (lowest validation loss)`);
  for (const l of comparisonLines(result, 'LSTM', 2)) out.line(l);
  out.line(`report: ${result.reportPath}  (${result.seconds.toFixed(1)} s)`);
  return result;
}
