/**
 * Early stopping, as Keras' `EarlyStopping`: after each epoch the monitored value v counts as an
 * improvement when v < best − minDelta (v > best + minDelta when higher is better); after
 * `patience` epochs in a row without one, training stops. With patience p and the best value at
 * epoch k, the last epoch run is k + p.
 */
import { METRIC_NAMES, higherIsBetter, type MetricName } from './metrics.ts';

/** A quantity of the epoch record: the loss or a metric, on the training or the validation set. */
export type Monitor = 'loss' | 'val_loss' | MetricName | `val_${MetricName}`;

export interface EarlyStoppingConfig {
  /** Epochs without improvement before stopping (≥ 1). */
  patience: number;
  /** Smallest change that counts as improvement (default 0). */
  minDelta?: number;
  /** What to watch (default 'val_loss' with a validation set, else 'loss'). */
  monitor?: Monitor;
  /** Put the weights of the best epoch back into the model at the end (default true). */
  restoreBest?: boolean;
}

export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number | null;
  wait: number;
}

/** The metric a monitor names, or null for the loss. */
export function monitorMetric(m: Monitor): MetricName | null {
  const name = m.startsWith('val_') ? m.slice(4) : m;
  return name === 'loss' ? null : (name as MetricName);
}

export function isMonitor(m: string): m is Monitor {
  const name = m.startsWith('val_') ? m.slice(4) : m;
  return name === 'loss' || (METRIC_NAMES as readonly string[]).includes(name);
}

export function monitorHigherIsBetter(m: Monitor): boolean {
  const metric = monitorMetric(m);
  return metric !== null && higherIsBetter(metric);
}

export class EarlyStopping {
  private best: number | null = null;
  private bestEpoch: number | null = null;
  private wait = 0;
  private readonly patience: number;
  private readonly minDelta: number;
  private readonly higher: boolean;

  constructor(patience: number, minDelta: number, higher: boolean) {
    if (!Number.isInteger(patience) || patience < 1) throw new Error(`earlyStopping: patience is ${patience}, expected a positive integer`);
    if (!(minDelta >= 0) || !Number.isFinite(minDelta)) throw new Error(`earlyStopping: minDelta is ${minDelta}, expected a finite number ≥ 0`);
    this.patience = patience;
    this.minDelta = minDelta;
    this.higher = higher;
  }

  /**
   * Record epoch `epoch`'s value (1-based epoch). Returns 'improved' (a new best: keep these
   * weights), 'wait', or 'stop'. A NaN value never improves.
   */
  update(value: number, epoch: number): 'improved' | 'wait' | 'stop' {
    const improved =
      !Number.isNaN(value) &&
      (this.best === null || (this.higher ? value - this.minDelta > this.best : value + this.minDelta < this.best));
    if (improved) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      return 'improved';
    }
    this.wait++;
    return this.wait >= this.patience ? 'stop' : 'wait';
  }

  get bestEpochSoFar(): number | null {
    return this.bestEpoch;
  }

  state(): EarlyStoppingState {
    return { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait };
  }

  load(s: EarlyStoppingState): void {
    this.best = s.best;
    this.bestEpoch = s.bestEpoch;
    this.wait = s.wait;
  }
}
