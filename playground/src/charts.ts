/**
 * Line charts on a canvas: the loss per epoch and the series with its predictions. Sized to the
 * canvas's CSS box at the device's pixel ratio; redrawn whole on every update (a few hundred
 * points, well under a millisecond).
 */

export interface Point {
  x: number;
  y: number;
}

export interface LineSeries {
  label: string;
  points: readonly Point[];
  color: string;
  width?: number;
  dash?: number[];
  /** Draw a dot at each point (few points). */
  dots?: boolean;
}

/** A shaded x range with a label at its top. */
export interface Band {
  from: number;
  to: number;
  label: string;
  color: string;
}

export interface ChartOptions {
  series: readonly LineSeries[];
  bands?: readonly Band[];
  xTitle: string;
  yTitle: string;
  /** Text of the tick at x (default: the number). */
  xTickLabel?: (x: number) => string;
  /** Only integer x ticks (epochs). */
  integerX?: boolean;
  /** Shown centred when there is nothing to draw. */
  empty?: string;
}

const FONT = '12px system-ui, sans-serif';
const AXIS = '#5b6170';
const GRID = '#e6e8ee';
const PAD = { left: 58, right: 14, top: 26, bottom: 40 };

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

/** Size the canvas's backing store to its CSS box; returns the context in CSS pixels. */
function prepare(canvas: HTMLCanvasElement): { ctx: CanvasRenderingContext2D; w: number; h: number } {
  const ratio = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 600;
  const h = canvas.clientHeight || 260;
  if (canvas.width !== Math.round(w * ratio) || canvas.height !== Math.round(h * ratio)) {
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
  }
  const ctx = canvas.getContext('2d');
  if (ctx === null) throw new Error('this browser gives no 2D canvas');
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, w, h);
  ctx.font = FONT;
  return { ctx, w, h };
}

/** Draw a line chart; returns the number of points drawn. */
export function drawChart(canvas: HTMLCanvasElement, o: ChartOptions): number {
  const { ctx, w, h } = prepare(canvas);
  const finite = o.series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.y) && Number.isFinite(p.x)));
  if (finite.length === 0) {
    ctx.fillStyle = AXIS;
    ctx.textAlign = 'center';
    ctx.fillText(o.empty ?? 'no data yet', w / 2, h / 2);
    return 0;
  }
  let x0 = Math.min(...finite.map((p) => p.x));
  let x1 = Math.max(...finite.map((p) => p.x));
  let y0 = Math.min(...finite.map((p) => p.y));
  let y1 = Math.max(...finite.map((p) => p.y));
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) {
    y0 -= Math.abs(y0) * 0.1 + 1e-3;
    y1 += Math.abs(y1) * 0.1 + 1e-3;
  }
  const margin = (y1 - y0) * 0.05;
  y0 -= margin;
  y1 += margin;
  if (o.integerX === true) x0 = Math.min(x0, Math.floor(x0));
  const xMargin = (x1 - x0) * 0.02; // room for the end points' dots
  x0 -= xMargin;
  x1 += xMargin;
  const plotW = w - PAD.left - PAD.right;
  const plotH = h - PAD.top - PAD.bottom;
  const px = (x: number): number => PAD.left + ((x - x0) / (x1 - x0)) * plotW;
  const py = (y: number): number => PAD.top + (1 - (y - y0) / (y1 - y0)) * plotH;

  for (const b of o.bands ?? []) {
    const a = px(Math.max(b.from, x0));
    const z = px(Math.min(b.to, x1));
    if (z <= a) continue;
    ctx.fillStyle = b.color;
    ctx.fillRect(a, PAD.top, z - a, plotH);
    ctx.fillStyle = AXIS;
    ctx.textAlign = 'left';
    ctx.fillText(b.label, a + 4, PAD.top + 13);
  }

  // Grid and axes.
  ctx.strokeStyle = GRID;
  ctx.lineWidth = 1;
  ctx.fillStyle = AXIS;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of niceTicks(y0, y1, 5)) {
    const y = Math.round(py(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(PAD.left, y);
    ctx.lineTo(w - PAD.right, y);
    ctx.stroke();
    ctx.fillText(formatTick(t), PAD.left - 6, y);
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const xCount = o.integerX === true ? Math.min(Math.ceil(x1 - x0), Math.floor(plotW / 36)) : Math.floor(plotW / 90);
  const xTicks = niceTicks(x0, x1, Math.max(2, xCount)).filter((t) => o.integerX !== true || Number.isInteger(t));
  for (const t of xTicks) {
    const x = Math.round(px(t)) + 0.5;
    ctx.strokeStyle = GRID;
    ctx.beginPath();
    ctx.moveTo(x, PAD.top);
    ctx.lineTo(x, h - PAD.bottom);
    ctx.stroke();
    ctx.fillText(o.xTickLabel?.(t) ?? formatTick(t), x, h - PAD.bottom + 5);
  }
  ctx.strokeStyle = AXIS;
  ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, plotW, plotH);
  ctx.fillText(o.xTitle, PAD.left + plotW / 2, h - 16);
  ctx.save();
  ctx.translate(13, PAD.top + plotH / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText(o.yTitle, 0, 0);
  ctx.restore();

  // Lines (a gap where a value is not finite), then the legend.
  ctx.save();
  ctx.beginPath();
  ctx.rect(PAD.left, PAD.top, plotW, plotH);
  ctx.clip();
  for (const s of o.series) {
    ctx.strokeStyle = s.color;
    ctx.fillStyle = s.color;
    ctx.lineWidth = s.width ?? 1.5;
    ctx.setLineDash(s.dash ?? []);
    ctx.beginPath();
    let pen = false;
    for (const p of s.points) {
      if (!Number.isFinite(p.y)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(px(p.x), py(p.y));
      else ctx.moveTo(px(p.x), py(p.y));
      pen = true;
    }
    ctx.stroke();
    if (s.dots === true) {
      for (const p of s.points) {
        if (!Number.isFinite(p.y)) continue;
        ctx.beginPath();
        ctx.arc(px(p.x), py(p.y), 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
  }
  ctx.restore();
  ctx.setLineDash([]);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  let lx = PAD.left;
  for (const s of o.series) {
    if (s.points.length === 0) continue;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.setLineDash(s.dash ?? []);
    ctx.beginPath();
    ctx.moveTo(lx, 12);
    ctx.lineTo(lx + 18, 12);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = AXIS;
    ctx.fillText(s.label, lx + 23, 12);
    lx += 23 + ctx.measureText(s.label).width + 16;
  }
  return finite.length;
}
