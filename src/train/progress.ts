/**
 * Training progress on a terminal or in a log.
 *
 * - 'bar' (default on a TTY): one line redrawn in place with '\r', at most every `minIntervalMs`:
 *     epoch 3/20 [########------------]  12/30  ETA 0:04  loss 0.4123  accuracy 0.8100
 *   and, when the epoch ends, its summary on a line of its own.
 * - 'lines' (default when not a TTY: CI, pipes, files): only the summary, one line per epoch:
 *     epoch 3/20  loss 0.4123  accuracy 0.8100  val_loss 0.4500  val_accuracy 0.8200  lr 0.001  2.1s
 * - 'none': nothing.
 */

export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

/** Where progress goes (process.stdout fits). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** Terminal width; the bar line is cut to it. */
  readonly columns?: number;
}

/** One value to show: a label and a number (null is shown as '-'). */
export type Shown = readonly [string, number | null];

/** Compact number: 4 decimals in the usual range, exponent outside it. */
export function formatNumber(v: number | null): string {
  if (v === null || Number.isNaN(v)) return '-';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(3);
  return v.toFixed(4);
}

/** m:ss, or h:mm:ss past an hour. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

function values(shown: readonly Shown[]): string {
  return shown.map(([k, v]) => `${k} ${formatNumber(v)}`).join('  ');
}

export class ProgressReporter {
  private readonly mode: 'bar' | 'lines' | 'none';
  private epochLabel = '';
  private total: number | null = null;
  private epochStart = 0;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(
    mode: ProgressMode,
    private readonly out: ProgressOutput,
    private readonly now: () => number = () => performance.now(),
    private readonly minIntervalMs = 100,
  ) {
    this.mode = mode === 'auto' ? (out.isTTY === true ? 'bar' : 'lines') : mode;
  }

  /** A new epoch (1-based) of `epochs`, with `total` batches when known. */
  startEpoch(epoch: number, epochs: number, total: number | null): void {
    this.epochLabel = `epoch ${epoch}/${epochs}`;
    this.total = total;
    this.epochStart = this.now();
    this.lastDraw = -Infinity;
    this.drawn = false;
  }

  /**
   * After `done` batches of the epoch; redraws the bar when due (or when the epoch is complete).
   * `shown` is only called when the bar is drawn.
   */
  step(done: number, shown: () => readonly Shown[]): void {
    if (this.mode !== 'bar') return;
    const t = this.now();
    if (t - this.lastDraw < this.minIntervalMs && done !== this.total) return;
    this.lastDraw = t;
    const elapsed = (t - this.epochStart) / 1000;
    let head: string;
    if (this.total !== null && this.total > 0) {
      const width = 20;
      const filled = Math.min(width, Math.round((width * done) / this.total));
      const eta = done > 0 ? (elapsed / done) * Math.max(0, this.total - done) : null;
      head = `${this.epochLabel} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(done).padStart(String(this.total).length)}/${this.total}  ETA ${eta === null ? '-:--' : formatDuration(eta)}`;
    } else {
      head = `${this.epochLabel} ${done} batches  ${formatDuration(elapsed)}`;
    }
    let line = `${head}  ${values(shown())}`;
    const cols = this.out.columns;
    if (cols !== undefined && cols > 10 && line.length > cols - 1) line = line.slice(0, cols - 1);
    this.out.write(`\r${line}\x1b[K`);
    this.drawn = true;
  }

  /** The epoch's summary line. */
  endEpoch(shown: readonly Shown[]): void {
    if (this.mode === 'none') return;
    const seconds = (this.now() - this.epochStart) / 1000;
    const line = `${this.epochLabel}  ${values(shown)}  ${seconds.toFixed(1)}s`;
    this.out.write(this.mode === 'bar' && this.drawn ? `\r${line}\x1b[K\n` : `${line}\n`);
    this.drawn = false;
  }

  /** End a bar line in progress, so that what is printed next starts on a line of its own. */
  breakLine(): void {
    if (this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  /** A message on its own line (e.g. why training stopped). */
  note(text: string): void {
    if (this.mode === 'none') return;
    this.out.write(this.drawn ? `\r\x1b[K${text}\n` : `${text}\n`);
    this.drawn = false;
  }
}
