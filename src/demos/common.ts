/**
 * What the demos share: their options and result, where the data lives, printing (silenced by
 * `quiet`), the result-against-baselines table, and the terminal curve printed at the end.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { asciiCurve, type CurveSeries } from '../report/terminal.ts';
import type { ProgressMode } from '../train/progress.ts';
import type { History } from '../train/state.ts';

export interface DemoOptions {
  /** A short configuration (for tests): fewer samples and epochs, same code path. Default false. */
  quick?: boolean;
  /** Seeds data sampling, initialisation, dropout and shuffling. Default: the demo's own (see each demo). */
  seed?: number;
  /** Folder for `<name>-report.html` (created if missing). Default 'reports'. */
  outDir?: string;
  /** Print nothing (no progress bar, no result lines). Default false. */
  quiet?: boolean;
  /** Training epochs, overriding the configuration's. */
  epochs?: number;
}

/** One number of a comparison: the model's, or a baseline's on the same data. */
export interface Score {
  name: string;
  value: number;
}

export interface DemoResult {
  demo: string;
  /** What `value` and the baselines measure, e.g. 'test RMSE (sunspot number)'. */
  metric: string;
  /** True for accuracy, false for errors (RMSE). */
  higherIsBetter: boolean;
  /** The trained model on the held-out data. */
  value: number;
  /** Simple predictors on the same held-out data, with the same metric. */
  baselines: Score[];
  /** The HTML report written. */
  reportPath: string;
  /** Wall-clock seconds of the whole demo (data, training, evaluation, report). */
  seconds: number;
}

export const DEFAULT_OUT_DIR = 'reports';

/** Absolute path of a file under the repository's data/ folder (from src/demos/ or dist/demos/). */
export function dataPath(relative: string): string {
  return fileURLToPath(new URL(`../../data/${relative}`, import.meta.url));
}

export function reportFile(options: DemoOptions, demo: string): string {
  return join(options.outDir ?? DEFAULT_OUT_DIR, `${demo}-report.html`);
}

/** Prints lines unless quiet; gives fit its progress mode. */
export class Printer {
  constructor(readonly quiet: boolean) {}

  line(text = ''): void {
    if (!this.quiet) console.log(text);
  }

  /** A live bar on a terminal, one line per epoch otherwise, nothing when quiet. */
  get progress(): ProgressMode {
    return this.quiet ? 'none' : 'auto';
  }
}

/** The options' epochs, else the configuration's (checked: a positive integer). */
export function epochsOf(options: DemoOptions, configured: number): number {
  const e = options.epochs ?? configured;
  if (!Number.isInteger(e) || e < 1) throw new Error(`demo: epochs is ${e}, expected a positive integer`);
  return e;
}

/**
 * The model's number next to its baselines, aligned, with the difference to each:
 *   test RMSE (sunspot number)
 *     LSTM                                  14.46
 *     persistence (next = this year)        29.89   (model 51.6% lower)
 */
export function comparisonLines(r: Pick<DemoResult, 'metric' | 'higherIsBetter' | 'value' | 'baselines'>, modelName: string, digits = 3): string[] {
  const width = Math.max(modelName.length, ...r.baselines.map((b) => b.name.length)) + 2;
  const fmt = (v: number): string => v.toFixed(digits).padStart(9);
  const lines = [r.metric, `  ${modelName.padEnd(width)}${fmt(r.value)}`];
  for (const b of r.baselines) {
    let diff: string;
    if (r.higherIsBetter) {
      const d = (r.value - b.value) * 100;
      diff = `model ${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} points`;
    } else {
      const d = b.value === 0 ? 0 : ((b.value - r.value) / b.value) * 100;
      diff = `model ${Math.abs(d).toFixed(1)}% ${d >= 0 ? 'lower' : 'higher'}`;
    }
    lines.push(`  ${b.name.padEnd(width)}${fmt(b.value)}   (${diff})`);
  }
  return lines;
}

/** Train (and validation) loss per epoch as a small terminal plot. */
export function lossCurve(history: History): string {
  const epochs = history.epochs;
  const series: CurveSeries[] = [{ name: 'train loss', values: epochs.map((e) => e.loss) }];
  if (epochs.some((e) => e.valLoss !== null)) series.push({ name: 'validation loss', values: epochs.map((e) => e.valLoss) });
  return asciiCurve(series, { width: Math.min(60, Math.max(10, epochs.length * 2)), height: 8, xLabel: 'epoch' });
}

/** Seconds since `start` (a performance.now() reading). */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

/** 0.1234 → '12.3%'. */
export function percent(v: number, digits = 1): string {
  return `${(v * 100).toFixed(digits)}%`;
}
