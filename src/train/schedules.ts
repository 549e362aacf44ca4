/**
 * Learning-rate schedules, stepped once per epoch as PyTorch's are in the usual loop
 * (`scheduler.step()` after each epoch). With e the number of finished epochs and lr₀ the
 * optimizer's initial learning rate, the learning rate of the next epoch is:
 *
 *   step               lr₀ · γ^⌊e / stepSize⌋                              (StepLR)
 *   cosine             η_min + (lr₀ − η_min) · (1 + cos(π e / tMax)) / 2    (CosineAnnealingLR's
 *                      closed form; past tMax the cosine climbs back, as PyTorch's does)
 *   reduce-on-plateau  lr · factor (not below minLr) once the monitored value has not improved
 *                      for more than `patience` epochs; then `cooldown` epochs without counting
 *                      (ReduceLROnPlateau; improvement: v < best·(1 − threshold) for 'rel',
 *                      v < best − threshold for 'abs', mirrored when higher is better)
 *
 * State is plain data so a resumed run continues the same sequence.
 */
import type { Monitor } from './early-stopping.ts';

export type LrScheduleConfig =
  | { kind: 'step'; stepSize: number; gamma?: number }
  | { kind: 'cosine'; tMax: number; etaMin?: number }
  | {
      kind: 'reduce-on-plateau';
      /** Multiply the lr by this on a plateau (default 0.1). */
      factor?: number;
      /** Epochs without improvement tolerated (default 10). */
      patience?: number;
      /** Smallest change that counts as improvement (default 1e-4). */
      threshold?: number;
      thresholdMode?: 'rel' | 'abs';
      /** Epochs after a reduction during which bad epochs are not counted (default 0). */
      cooldown?: number;
      minLr?: number;
      /** What to watch (default 'val_loss' with a validation set, else 'loss'). */
      monitor?: Monitor;
    };

export type ScheduleState =
  | { kind: 'step' | 'cosine'; baseLr: number; epoch: number }
  | { kind: 'reduce-on-plateau'; lr: number; best: number | null; numBad: number; cooldownCounter: number };

export interface LrScheduler {
  /** Learning rate for the epoch after the one just finished; `value` is the monitored quantity. */
  step(value: number): number;
  state(): ScheduleState;
  load(state: ScheduleState): void;
}

const KEYS: Record<LrScheduleConfig['kind'], readonly string[]> = {
  step: ['kind', 'stepSize', 'gamma'],
  cosine: ['kind', 'tMax', 'etaMin'],
  'reduce-on-plateau': ['kind', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'monitor'],
};

function positiveInt(v: number, name: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`lrSchedule: ${name} is ${v}, expected a positive integer`);
  return v;
}

function nonNegative(v: number, name: string): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new Error(`lrSchedule: ${name} is ${v}, expected a finite number ≥ 0`);
  return v;
}

/** Check a schedule config (unknown keys are errors). */
export function checkScheduleConfig(config: LrScheduleConfig): void {
  const known: readonly string[] | undefined = Object.hasOwn(KEYS, config.kind) ? KEYS[config.kind] : undefined;
  if (known === undefined) {
    throw new Error(`lrSchedule: unknown kind '${String(config.kind)}' (expected ${Object.keys(KEYS).map((k) => `'${k}'`).join(', ')})`);
  }
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) throw new Error(`lrSchedule: unknown option '${key}' for '${config.kind}' (allowed: ${known.join(', ')})`);
  }
}

class ClosedForm implements LrScheduler {
  private epoch = 0;
  constructor(
    private readonly kind: 'step' | 'cosine',
    private baseLr: number,
    private readonly lrAt: (baseLr: number, epoch: number) => number,
  ) {}

  step(): number {
    this.epoch++;
    return this.lrAt(this.baseLr, this.epoch);
  }

  state(): ScheduleState {
    return { kind: this.kind, baseLr: this.baseLr, epoch: this.epoch };
  }

  load(s: ScheduleState): void {
    if (s.kind !== this.kind) throw new Error(`lrSchedule: saved state is for '${s.kind}', this schedule is '${this.kind}'`);
    this.baseLr = s.baseLr;
    this.epoch = s.epoch;
  }
}

class Plateau implements LrScheduler {
  private best: number | null = null;
  private numBad = 0;
  private cooldownCounter = 0;
  constructor(
    private lr: number,
    private readonly o: { factor: number; patience: number; threshold: number; rel: boolean; cooldown: number; minLr: number; higherIsBetter: boolean },
  ) {}

  private isBetter(v: number, best: number): boolean {
    const { threshold, rel, higherIsBetter } = this.o;
    if (higherIsBetter) return rel ? v > best * (1 + threshold) : v > best + threshold;
    return rel ? v < best * (1 - threshold) : v < best - threshold;
  }

  step(value: number): number {
    if (this.best === null || this.isBetter(value, this.best)) {
      this.best = value;
      this.numBad = 0;
    } else {
      this.numBad++;
    }
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBad = 0;
    }
    if (this.numBad > this.o.patience) {
      const next = Math.max(this.lr * this.o.factor, this.o.minLr);
      if (this.lr - next > 1e-8) this.lr = next;
      this.cooldownCounter = this.o.cooldown;
      this.numBad = 0;
    }
    return this.lr;
  }

  state(): ScheduleState {
    return { kind: 'reduce-on-plateau', lr: this.lr, best: this.best, numBad: this.numBad, cooldownCounter: this.cooldownCounter };
  }

  load(s: ScheduleState): void {
    if (s.kind !== 'reduce-on-plateau') throw new Error(`lrSchedule: saved state is for '${s.kind}', this schedule is 'reduce-on-plateau'`);
    this.lr = s.lr;
    this.best = s.best;
    this.numBad = s.numBad;
    this.cooldownCounter = s.cooldownCounter;
  }
}

/**
 * A schedule starting from `baseLr`. `higherIsBetter` sets reduce-on-plateau's direction
 * (from its monitor).
 * @example
 * const s = createLrSchedule({ kind: 'step', stepSize: 2, gamma: 0.5 }, 0.1);
 * [s.step(0), s.step(0), s.step(0)]; // [0.1, 0.05, 0.05]: the lr of epochs 2, 3, 4
 */
export function createLrSchedule(config: LrScheduleConfig, baseLr: number, higherIsBetter = false): LrScheduler {
  checkScheduleConfig(config);
  switch (config.kind) {
    case 'step': {
      const stepSize = positiveInt(config.stepSize, 'stepSize');
      const gamma = nonNegative(config.gamma ?? 0.1, 'gamma');
      return new ClosedForm('step', baseLr, (lr0, e) => lr0 * gamma ** Math.floor(e / stepSize));
    }
    case 'cosine': {
      const tMax = positiveInt(config.tMax, 'tMax');
      const etaMin = nonNegative(config.etaMin ?? 0, 'etaMin');
      return new ClosedForm('cosine', baseLr, (lr0, e) => etaMin + ((lr0 - etaMin) * (1 + Math.cos((Math.PI * e) / tMax))) / 2);
    }
    case 'reduce-on-plateau': {
      const factor = nonNegative(config.factor ?? 0.1, 'factor');
      if (factor >= 1) throw new Error(`lrSchedule: factor is ${factor}, expected a number < 1`);
      const mode = config.thresholdMode ?? 'rel';
      if (mode !== 'rel' && mode !== 'abs') throw new Error(`lrSchedule: thresholdMode is '${String(mode)}', expected 'rel' or 'abs'`);
      return new Plateau(baseLr, {
        factor,
        patience: nonNegative(config.patience ?? 10, 'patience'),
        threshold: nonNegative(config.threshold ?? 1e-4, 'threshold'),
        rel: mode === 'rel',
        cooldown: nonNegative(config.cooldown ?? 0, 'cooldown'),
        minLr: nonNegative(config.minLr ?? 0, 'minLr'),
        higherIsBetter,
      });
    }
  }
}
