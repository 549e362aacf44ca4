/**
 * Pieces of a chart frame shared by the line and bar charts: the y axis with grid lines, the
 * x axis, axis titles and the legend.
 */
import { type Scale, type Ticks } from './scale.ts';
import { GRID, INK, MUTED, el, px, text, textWidth } from './svg.ts';

/** Plot rectangle inside the SVG, in pixels. */
export interface Frame {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** Horizontal grid lines and labels for every y tick, and the axis line. */
export function yAxis(f: Frame, ticks: Ticks, y: Scale): string {
  let s = '';
  for (let i = 0; i < ticks.ticks.length; i++) {
    const py = y(ticks.ticks[i]);
    s += el('line', { x1: f.left, y1: py, x2: f.right, y2: py, stroke: GRID, 'stroke-width': 1 });
    s += text(f.left - 6, py + 4, ticks.labels[i], { 'text-anchor': 'end', fill: MUTED, 'font-size': 11 });
  }
  return s + el('line', { x1: f.left, y1: f.top, x2: f.left, y2: f.bottom, stroke: INK, 'stroke-width': 1 });
}

/** Tick marks and labels at the given x pixels, and the axis line. */
export function xAxis(f: Frame, at: readonly { x: number; label: string }[]): string {
  let s = el('line', { x1: f.left, y1: f.bottom, x2: f.right, y2: f.bottom, stroke: INK, 'stroke-width': 1 });
  for (const { x, label } of at) {
    s += el('line', { x1: x, y1: f.bottom, x2: x, y2: f.bottom + 4, stroke: INK, 'stroke-width': 1 });
    s += text(x, f.bottom + 16, label, { 'text-anchor': 'middle', fill: MUTED, 'font-size': 11 });
  }
  return s;
}

/** Axis titles: x under the tick labels, y rotated along the left edge. */
export function axisTitles(f: Frame, xLabel: string | undefined, yLabel: string | undefined): string {
  let s = '';
  if (xLabel !== undefined && xLabel !== '') {
    s += text((f.left + f.right) / 2, f.bottom + 32, xLabel, { 'text-anchor': 'middle', fill: INK });
  }
  if (yLabel !== undefined && yLabel !== '') {
    const cy = (f.top + f.bottom) / 2;
    s += text(14, cy, yLabel, { 'text-anchor': 'middle', fill: INK, transform: `rotate(-90 14 ${px(cy)})` });
  }
  return s;
}

export interface LegendItem {
  name: string;
  color: string;
  /** 'line' (optionally dashed) or 'box' (bars). */
  swatch: 'line' | 'box';
  dashed?: boolean;
}

const LEGEND_ROW = 18;

/** Where each legend item goes when laid out in rows from `x0` to `x1`. */
function legendPlaces(items: readonly LegendItem[], x0: number, x1: number): { x: number; row: number }[] {
  const places: { x: number; row: number }[] = [];
  let x = x0;
  let row = 0;
  for (const item of items) {
    const w = 22 + textWidth(item.name, 12) + 16;
    if (x > x0 && x + w > x1) {
      row += 1;
      x = x0;
    }
    places.push({ x, row });
    x += w;
  }
  return places;
}

/** Height the legend needs (0 for no items). */
export function legendHeight(items: readonly LegendItem[], x0: number, x1: number): number {
  if (items.length === 0) return 0;
  const places = legendPlaces(items, x0, x1);
  return (places[places.length - 1].row + 1) * LEGEND_ROW;
}

/** The legend, its first row's centre line at `y`. */
export function legend(items: readonly LegendItem[], x0: number, x1: number, y: number): string {
  const places = legendPlaces(items, x0, x1);
  let s = '';
  items.forEach((item, i) => {
    const { x, row } = places[i];
    const cy = y + row * LEGEND_ROW;
    s +=
      item.swatch === 'line'
        ? el('line', {
            x1: x, y1: cy, x2: x + 16, y2: cy, stroke: item.color, 'stroke-width': 2.5,
            'stroke-dasharray': item.dashed === true ? '5 3' : undefined,
          })
        : el('rect', { x: x + 3, y: cy - 5, width: 10, height: 10, fill: item.color });
    s += text(x + 22, cy + 4, item.name, { fill: INK });
  });
  return el('g', { class: 'legend' }, s);
}
