/**
 * Metrics, as pure functions of (predicted, actual) and as running statistics that `fit` adds
 * batch by batch (plain data, so a checkpoint taken mid-epoch resumes them exactly).
 *
 *   accuracy   = Σ [p_i = a_i] / n
 *   macroF1    = mean over classes c seen in a or p of F1_c = 2 TP_c / (2 TP_c + FP_c + FN_c)
 *                (scikit-learn's f1_score(average='macro'))
 *   MAE        = Σ |p_i − a_i| / n
 *   RMSE       = √(Σ (p_i − a_i)² / n)
 *   MAPE       = 100 · Σ |(a_i − p_i) / a_i| / n′, over the n′ elements with a_i ≠ 0
 *                (a percentage; zero targets are skipped rather than dividing by zero; NaN if n′ = 0)
 *   perplexity = exp(mean negative log-likelihood per token)
 * Sums run in float64.
 */

export type MetricName = 'accuracy' | 'macroF1' | 'mae' | 'rmse' | 'mape' | 'perplexity';

export const METRIC_NAMES: readonly MetricName[] = ['accuracy', 'macroF1', 'mae', 'rmse', 'mape', 'perplexity'];

/** Metrics over class predictions (argmax of logits). */
export const CLASS_METRICS: readonly MetricName[] = ['accuracy', 'macroF1', 'perplexity'];
/** Metrics over real-valued predictions. */
export const VALUE_METRICS: readonly MetricName[] = ['mae', 'rmse', 'mape'];

/** Whether a larger value is better (decides early stopping's and plateau's direction). */
export function higherIsBetter(name: MetricName): boolean {
  return name === 'accuracy' || name === 'macroF1';
}

/** Counts of (actual, predicted) class pairs: confusion[a * C + p]. */
export interface ClassStats {
  kind: 'classes';
  numClasses: number;
  confusion: number[];
}

/** Running sums over real-valued predictions. */
export interface ValueStats {
  kind: 'values';
  n: number;
  sumAbs: number;
  sumSq: number;
  sumApe: number;
  nApe: number;
}

export type MetricStats = ClassStats | ValueStats;

function checkPair(what: string, p: ArrayLike<number>, a: ArrayLike<number>): void {
  if (p.length !== a.length) throw new Error(`${what}: ${p.length} predictions for ${a.length} actual values`);
  if (p.length === 0) throw new Error(`${what}: no values`);
}

export function emptyClassStats(numClasses: number): ClassStats {
  return { kind: 'classes', numClasses, confusion: new Array<number>(numClasses * numClasses).fill(0) };
}

export function emptyValueStats(): ValueStats {
  return { kind: 'values', n: 0, sumAbs: 0, sumSq: 0, sumApe: 0, nApe: 0 };
}

/** Add class predictions to `s`. */
export function addClasses(s: ClassStats, predicted: ArrayLike<number>, actual: ArrayLike<number>): void {
  const C = s.numClasses;
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i];
    const a = actual[i];
    if (!Number.isInteger(a) || a < 0 || a >= C) throw new Error(`metrics: actual class ${a} at ${i} is not in 0..${C - 1}`);
    if (!Number.isInteger(p) || p < 0 || p >= C) throw new Error(`metrics: predicted class ${p} at ${i} is not in 0..${C - 1}`);
    s.confusion[a * C + p]++;
  }
}

/** Add real-valued predictions to `s`. */
export function addValues(s: ValueStats, predicted: ArrayLike<number>, actual: ArrayLike<number>): void {
  for (let i = 0; i < predicted.length; i++) {
    const e = predicted[i] - actual[i];
    s.n++;
    s.sumAbs += Math.abs(e);
    s.sumSq += e * e;
    if (actual[i] !== 0) {
      s.sumApe += Math.abs(e / actual[i]);
      s.nApe++;
    }
  }
}

export function accuracyOf(s: ClassStats): number {
  const C = s.numClasses;
  let right = 0;
  let total = 0;
  for (let a = 0; a < C; a++) {
    for (let p = 0; p < C; p++) total += s.confusion[a * C + p];
    right += s.confusion[a * C + a];
  }
  return total === 0 ? NaN : right / total;
}

export function macroF1Of(s: ClassStats): number {
  const C = s.numClasses;
  let sum = 0;
  let classes = 0;
  for (let c = 0; c < C; c++) {
    const tp = s.confusion[c * C + c];
    let rowSum = 0; // TP + FN
    let colSum = 0; // TP + FP
    for (let k = 0; k < C; k++) {
      rowSum += s.confusion[c * C + k];
      colSum += s.confusion[k * C + c];
    }
    if (rowSum + colSum === 0) continue; // class absent from both: not counted (as scikit-learn)
    sum += (2 * tp) / (rowSum + colSum);
    classes++;
  }
  return classes === 0 ? NaN : sum / classes;
}

export function maeOf(s: ValueStats): number {
  return s.n === 0 ? NaN : s.sumAbs / s.n;
}

export function rmseOf(s: ValueStats): number {
  return s.n === 0 ? NaN : Math.sqrt(s.sumSq / s.n);
}

export function mapeOf(s: ValueStats): number {
  return s.nApe === 0 ? NaN : (100 * s.sumApe) / s.nApe;
}

function classStatsOf(what: string, predicted: ArrayLike<number>, actual: ArrayLike<number>): ClassStats {
  checkPair(what, predicted, actual);
  let C = 0;
  for (let i = 0; i < predicted.length; i++) C = Math.max(C, predicted[i] + 1, actual[i] + 1);
  const s = emptyClassStats(C);
  addClasses(s, predicted, actual);
  return s;
}

function valueStatsOf(what: string, predicted: ArrayLike<number>, actual: ArrayLike<number>): ValueStats {
  checkPair(what, predicted, actual);
  const s = emptyValueStats();
  addValues(s, predicted, actual);
  return s;
}

/**
 * Fraction of predicted class ids equal to the actual ones.
 * @example accuracy([0, 1, 1, 2], [0, 1, 2, 2]); // 0.75
 */
export function accuracy(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  return accuracyOf(classStatsOf('accuracy', predicted, actual));
}

/**
 * Unweighted mean of the per-class F1 scores, over the classes that occur in either array.
 * @example macroF1([0, 0, 1, 1], [0, 1, 1, 1]); // (2/3 + 4/5) / 2
 */
export function macroF1(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  return macroF1Of(classStatsOf('macroF1', predicted, actual));
}

/**
 * Confusion counts, rows = actual class, columns = predicted class.
 * @example confusionMatrix([0, 1, 1], [0, 0, 1], 2); // [[1, 1], [0, 1]]
 */
export function confusionMatrix(predicted: ArrayLike<number>, actual: ArrayLike<number>, numClasses: number): number[][] {
  checkPair('confusionMatrix', predicted, actual);
  const s = emptyClassStats(numClasses);
  addClasses(s, predicted, actual);
  return Array.from({ length: numClasses }, (_, a) => s.confusion.slice(a * numClasses, (a + 1) * numClasses));
}

/** @example mae([1, 2], [2, 4]); // 1.5 */
export function mae(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  return maeOf(valueStatsOf('mae', predicted, actual));
}

/** @example rmse([1, 2], [2, 4]); // √2.5 */
export function rmse(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  return rmseOf(valueStatsOf('rmse', predicted, actual));
}

/**
 * Mean absolute percentage error in percent, skipping zero actual values.
 * @example mape([110, 45], [100, 50]); // 10
 */
export function mape(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  return mapeOf(valueStatsOf('mape', predicted, actual));
}

/**
 * exp of the mean negative log-likelihood per token (the mean cross entropy in nats).
 * @example perplexity(Math.log(4)); // 4: as unsure as a uniform choice among 4 tokens
 */
export function perplexity(meanNll: number): number {
  return Math.exp(meanNll);
}
