/**
 * The standard report of a training run, assembled from `fit()`'s history:
 *   Summary     final train / validation (and best-epoch, test, baselines) loss and metrics in
 *               one table, and a table about the run (epochs, steps, stop reason, time)
 *   Loss        per epoch (train, validation, the best epoch marked) and per optimizer step;
 *               log scale when the loss falls by 10× or more ('auto')
 *   Metrics     one chart per metric, train against validation
 *   Learning rate, when a schedule changed it
 *   Forecasts   actual against predicted, when given
 *   Confusion matrix, when given
 *   then the caller's own sections.
 */
import type { MetricName } from '../train/metrics.ts';
import type { History } from '../train/state.ts';
import { confusionMatrixChart } from './heatmap.ts';
import type { Report, ReportSection, ReportTable } from './html.ts';
import { forecastChart, lineChart, type ChartSeries, type ForecastChartInput } from './line-chart.ts';
import { PALETTE, isPresent } from './svg.ts';

/** Named values, e.g. `{ loss: 0.31, rmse: 14.2 }`; keys become columns of the summary table. */
export type NamedValues = Readonly<Record<string, number | null | undefined>>;

export interface ForecastFigure extends ForecastChartInput {
  title?: string;
  xLabel?: string;
  yLabel?: string;
}

export interface TrainingReportExtras {
  title?: string;
  subtitle?: string;
  /** What was trained on what (plain text, shown first). */
  description?: string;
  /** The trained model on held-out data. */
  test?: NamedValues;
  /** Simple predictors to compare with (persistence, majority class, …), on the same data as `test`. */
  baselines?: readonly { name: string; values: NamedValues }[];
  forecasts?: readonly ForecastFigure[];
  confusion?: { matrix: readonly (readonly number[])[]; labels?: readonly string[]; title?: string };
  /** 'auto' (default): log when every loss is > 0 and the largest is 10× the smallest or more. */
  lossScale?: 'auto' | 'linear' | 'log';
  /** More sections, after the standard ones. */
  sections?: readonly ReportSection[];
}

/** How metric keys are shown in titles and table headers (other keys as they are). */
const SHOWN: Readonly<Record<string, string>> = {
  macroF1: 'macro-F1', mae: 'MAE', rmse: 'RMSE', mape: 'MAPE (%)',
};

function shown(key: string): string {
  return SHOWN[key] ?? key;
}

const HALF = 600; // width of charts shown two side by side
const FULL = 1216;
const MAX_STEP_POINTS = 1000;

function useLog(scale: 'auto' | 'linear' | 'log', values: readonly (number | null)[]): boolean {
  if (scale !== 'auto') return scale === 'log';
  const v = values.filter(isPresent);
  if (v.length === 0 || v.some((x) => x <= 0)) return false;
  return Math.max(...v) >= 10 * Math.min(...v);
}

/** Step losses averaged over buckets when there are more than MAX_STEP_POINTS of them. */
function stepSeries(losses: readonly number[]): ChartSeries {
  const k = Math.ceil(losses.length / MAX_STEP_POINTS);
  if (k <= 1) return { name: 'train (per step)', values: losses, x: losses.map((_, i) => i + 1) };
  const values: (number | null)[] = [];
  const x: number[] = [];
  for (let s = 0; s < losses.length; s += k) {
    const part = losses.slice(s, s + k).filter(isPresent);
    values.push(part.length === 0 ? null : part.reduce((a, b) => a + b, 0) / part.length);
    x.push(s + Math.min(k, losses.length - s) / 2 + 0.5);
  }
  return { name: `train (mean of ${k} steps)`, values, x };
}

function metricNames(history: History): MetricName[] {
  const names = new Set<MetricName>();
  for (const e of history.epochs) {
    for (const [k, v] of Object.entries(e.metrics)) if (v !== undefined) names.add(k as MetricName);
    for (const [k, v] of Object.entries(e.valMetrics ?? {})) if (v !== undefined) names.add(k as MetricName);
  }
  return [...names];
}

function summaryTable(history: History, names: readonly string[], extras: TrainingReportExtras): ReportTable {
  const rows: { label: string; values: NamedValues }[] = [];
  const last = history.epochs[history.epochs.length - 1];
  if (last !== undefined) {
    rows.push({ label: `train (epoch ${last.epoch})`, values: { loss: last.loss, ...last.metrics } });
    if (last.valLoss !== null || last.valMetrics !== null) {
      rows.push({ label: `validation (epoch ${last.epoch})`, values: { loss: last.valLoss, ...(last.valMetrics ?? {}) } });
    }
    const best = history.epochs.find((e) => e.epoch === history.bestEpoch);
    if (best !== undefined && best !== last) {
      rows.push({ label: `validation (best, epoch ${best.epoch})`, values: { loss: best.valLoss, ...(best.valMetrics ?? {}) } });
    }
  }
  if (extras.test !== undefined) rows.push({ label: 'test', values: extras.test });
  for (const b of extras.baselines ?? []) rows.push({ label: `baseline: ${b.name}`, values: b.values });
  const columns = ['loss', ...names];
  for (const r of rows) for (const k of Object.keys(r.values)) if (!columns.includes(k) && r.values[k] !== undefined) columns.push(k);
  return { columns: ['', ...columns.map(shown)], rows: rows.map((r) => [r.label, ...columns.map((c) => r.values[c] ?? null)]) };
}

function runTable(history: History): ReportTable {
  const e = history.epochs;
  const seconds = e.reduce((a, r) => a + r.seconds, 0);
  const rows: [string, string | number | null][] = [
    ['epochs', e.length],
    ['optimizer steps', e.reduce((a, r) => a + r.steps, 0)],
    ['stopped', history.stopReason],
    ['best epoch', history.bestEpoch],
    ['final learning rate', e.length > 0 ? e[e.length - 1].lr : null],
    ['training time (s)', Math.round(seconds * 10) / 10],
  ];
  return { columns: ['run', ''], rows };
}

/**
 * The standard report of a training run (see the file header); write it with `writeReport`.
 *
 * @example
 * const history = await fit(model, train, options);
 * writeReport('runs/sunspots/report.html', trainingReport(history, {
 *   title: 'Sunspots, LSTM 32', test: { rmse: 21.3 }, baselines: [{ name: 'persistence', values: { rmse: 26.4 } }],
 * }));
 */
export function trainingReport(history: History, extras: TrainingReportExtras = {}): Report {
  const epochs = history.epochs;
  const x = epochs.map((e) => e.epoch);
  const names = metricNames(history);
  const hasVal = epochs.some((e) => e.valLoss !== null || e.valMetrics !== null);
  const sections: ReportSection[] = [];
  if (extras.description !== undefined) sections.push({ heading: 'Run', text: extras.description });
  sections.push({ heading: 'Summary', table: summaryTable(history, names, extras) });
  sections.push({ heading: 'Run details', table: runTable(history) });

  const scale = extras.lossScale ?? 'auto';
  const lossSeries: ChartSeries[] = [{ name: 'train', values: epochs.map((e) => e.loss), x, color: PALETTE[0] }];
  if (hasVal) lossSeries.push({ name: 'validation', values: epochs.map((e) => e.valLoss), x, color: PALETTE[1] });
  const markers = history.bestEpoch === null ? [] : [{ x: history.bestEpoch, label: 'best' }];
  const lossCharts = [
    lineChart(lossSeries, {
      title: 'Loss per epoch', xLabel: 'epoch', width: HALF, markers,
      logY: useLog(scale, lossSeries.flatMap((s) => s.values)),
    }),
  ];
  if (history.stepLosses.length > epochs.length) {
    const steps = stepSeries(history.stepLosses);
    lossCharts.push(lineChart([{ ...steps, color: PALETTE[0] }], {
      title: 'Training loss per step', xLabel: 'optimizer step', width: HALF, logY: useLog(scale, steps.values),
    }));
  }
  sections.push({ heading: 'Loss', svg: lossCharts });

  if (names.length > 0) {
    const charts = names.map((name) => {
      const series: ChartSeries[] = [{ name: 'train', values: epochs.map((e) => e.metrics[name] ?? null), x }];
      if (hasVal) {
        series.push({ name: 'validation', values: epochs.map((e) => e.valMetrics?.[name] ?? null), x });
      }
      return lineChart(series, { title: shown(name), xLabel: 'epoch', width: HALF, markers });
    });
    sections.push({ heading: 'Metrics', svg: charts });
  }

  const lrs = epochs.map((e) => e.lr);
  if (lrs.some((v) => v !== lrs[0])) {
    sections.push({ heading: 'Learning rate', svg: lineChart([{ name: 'learning rate', values: lrs, x }], { xLabel: 'epoch', width: HALF }) });
  }
  for (const fc of extras.forecasts ?? []) {
    const { title, xLabel, yLabel, ...input } = fc;
    sections.push({ heading: title ?? 'Forecast', svg: forecastChart(input, { width: FULL, height: 380, xLabel, yLabel }) });
  }
  if (extras.confusion !== undefined) {
    const c = extras.confusion;
    sections.push({ heading: c.title ?? 'Confusion matrix', svg: confusionMatrixChart(c.matrix, { labels: c.labels }) });
  }
  sections.push(...(extras.sections ?? []));
  return { title: extras.title ?? 'Training report', subtitle: extras.subtitle, sections };
}
