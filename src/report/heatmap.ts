/**
 * Heat-maps: the confusion matrix of a classifier and the attention weights of a translator.
 *
 * Both are a grid of square cells, row labels on the left, column labels above or below (turned
 * 45° when they do not fit across a cell, cut to 16 characters), a colour key on the right.
 * Colours run from white to dark blue on a fixed [0, 1] scale:
 *   confusion matrix  cell [actual a, predicted p] shaded by count / (row a's total), so every
 *                     class reads as its recall whatever its size; the count is written in the cell
 *   attention         cell [target step i, source step j] shaded by the weight itself (rows of a
 *                     softmax sum to 1); weights are written in cells of 30 px or more
 */
import { MUTED, chartTitle, el, emptyMessage, inkOn, px, sequentialColor, svgDocument, text, textWidth, truncate } from './svg.ts';

type Matrix = readonly (readonly number[])[];

interface HeatmapSpec {
  title: string;
  rowLabels: readonly string[];
  colLabels: readonly string[];
  rowTitle: string;
  colTitle: string;
  /** Column labels above the grid (attention: source tokens read left to right) or below. */
  colsOnTop: boolean;
  cell: number;
  /** Shade of cell (r, c) in [0, 1]. */
  shade(r: number, c: number): number;
  /** Lines written in cell (r, c) (none: []). */
  cellText(r: number, c: number): readonly string[];
  keyLabels: readonly [string, string];
}

const MAX_LABEL = 16;
const FONT = 11;

function heatmap(spec: HeatmapSpec): string {
  const R = spec.rowLabels.length;
  const C = spec.colLabels.length;
  const cell = spec.cell;
  const rowLabels = spec.rowLabels.map((l) => truncate(l, MAX_LABEL));
  const colLabels = spec.colLabels.map((l) => truncate(l, MAX_LABEL));
  const rowW = Math.max(0, ...rowLabels.map((l) => textWidth(l, FONT)));
  const colW = Math.max(0, ...colLabels.map((l) => textWidth(l, FONT)));
  const turned = colW > cell - 4;
  // Height of the column-label band; turned labels stand at 45°, so they take 0.71 of their width.
  const band = (turned ? colW * 0.71 + 6 : 14) + 6;
  const hasTitle = spec.title !== '';

  const gridLeft = 24 + rowW + 8;
  const gridTop = 12 + (hasTitle ? 24 : 0) + (spec.colsOnTop ? 18 + band : 0);
  const gridW = C * cell;
  const gridH = R * cell;
  const keyX = gridLeft + gridW + (spec.colsOnTop && turned ? colW * 0.71 : 0) + 20;
  const keyW = 16 + Math.max(...spec.keyLabels.map((l) => textWidth(l, 10))) + 8;
  const W = Math.max(keyX + keyW, hasTitle ? textWidth(spec.title, 14) + 40 : 0);
  const H = gridTop + gridH + (spec.colsOnTop ? 0 : band + 18) + 12;

  let s = hasTitle ? chartTitle(W, spec.title) : '';
  if (R === 0 || C === 0) s += emptyMessage(W / 2, H / 2, 'no data');
  let cells = '';
  for (let r = 0; r < R; r++) {
    for (let c = 0; c < C; c++) {
      const t = spec.shade(r, c);
      const x = gridLeft + c * cell;
      const y = gridTop + r * cell;
      cells += el('rect', { x, y, width: cell, height: cell, fill: sequentialColor(t), stroke: '#ffffff', 'stroke-width': 1 });
      const lines = spec.cellText(r, c);
      const fs = Math.min(12, Math.max(8, Math.floor(cell * 0.3)));
      lines.forEach((line, k) => {
        const cy = y + cell / 2 + (k - (lines.length - 1) / 2) * (fs + 1) + fs * 0.35;
        cells += text(x + cell / 2, cy, line, {
          'text-anchor': 'middle', 'font-size': k === 0 ? fs : fs - 2, fill: Number.isNaN(t) ? MUTED : inkOn(t),
        });
      });
    }
  }
  s += el('g', { class: 'cells' }, cells);

  // Row labels, right-aligned against the grid; the row axis title turned along the left edge.
  rowLabels.forEach((l, r) => {
    s += text(gridLeft - 6, gridTop + r * cell + cell / 2 + 4, l, { 'text-anchor': 'end', 'font-size': FONT });
  });
  const midY = gridTop + gridH / 2;
  s += text(12, midY, spec.rowTitle, { 'text-anchor': 'middle', fill: MUTED, transform: `rotate(-90 12 ${px(midY)})` });

  // Column labels and their axis title.
  const labelY = spec.colsOnTop ? gridTop - 6 : gridTop + gridH + 14;
  colLabels.forEach((l, c) => {
    const cx = gridLeft + c * cell + cell / 2;
    if (!turned) {
      s += text(cx, labelY, l, { 'text-anchor': 'middle', 'font-size': FONT });
    } else {
      const ty = spec.colsOnTop ? labelY : gridTop + gridH + 8;
      s += text(cx, ty, l, {
        'text-anchor': spec.colsOnTop ? 'start' : 'end', 'font-size': FONT, transform: `rotate(-45 ${px(cx)} ${px(ty)})`,
      });
    }
  });
  const colTitleY = spec.colsOnTop ? gridTop - band - 6 : gridTop + gridH + band + 12;
  s += text(gridLeft + gridW / 2, colTitleY, spec.colTitle, { 'text-anchor': 'middle', fill: MUTED });

  // Colour key: ten steps from 1 (top) to 0 (bottom).
  const keyH = Math.min(gridH, 160);
  let key = '';
  for (let k = 0; k < 10; k++) {
    key += el('rect', { x: keyX, y: gridTop + (k * keyH) / 10, width: 12, height: keyH / 10, fill: sequentialColor(1 - (k + 0.5) / 10) });
  }
  key += el('rect', { x: keyX, y: gridTop, width: 12, height: keyH, fill: 'none', stroke: '#cccccc' });
  key += text(keyX + 16, gridTop + 9, spec.keyLabels[1], { 'font-size': 10, fill: MUTED });
  key += text(keyX + 16, gridTop + keyH, spec.keyLabels[0], { 'font-size': 10, fill: MUTED });
  if (R > 0 && C > 0) s += el('g', { class: 'key' }, key);
  return svgDocument(W, H, spec.title === '' ? `${spec.rowTitle} × ${spec.colTitle}` : spec.title, s);
}

function checkMatrix(what: string, m: Matrix, cols: number): void {
  m.forEach((row, r) => {
    if (row.length !== cols) throw new Error(`${what}: row ${r} has ${row.length} values, expected ${cols}`);
  });
}

function checkLabels(what: string, kind: string, labels: readonly string[] | undefined, n: number): readonly string[] {
  if (labels === undefined) return Array.from({ length: n }, (_, i) => String(i));
  if (labels.length !== n) throw new Error(`${what}: ${labels.length} ${kind}, expected ${n}`);
  return labels;
}

export interface ConfusionMatrixOptions {
  /** Class names, one per row/column (default '0', '1', …). */
  labels?: readonly string[];
  title?: string;
  /** Cell side in pixels (default 480 / classes, within 24…64). */
  cellSize?: number;
}

/**
 * A confusion matrix: `matrix[actual][predicted]` counts (as `confusionMatrix` returns), each
 * cell coloured by its share of the row and labelled with its count (and that share, in cells of
 * 44 px or more).
 *
 * @example confusionMatrixChart([[50, 2], [5, 43]], { labels: ['negative', 'positive'], title: 'Test set' });
 */
export function confusionMatrixChart(matrix: Matrix, options: ConfusionMatrixOptions = {}): string {
  const C = matrix.length;
  checkMatrix('confusionMatrixChart', matrix, C);
  const labels = checkLabels('confusionMatrixChart', 'labels', options.labels, C);
  const rowSum = matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const cell = options.cellSize ?? Math.min(64, Math.max(24, Math.floor(480 / Math.max(1, C))));
  const share = (r: number, c: number): number => (rowSum[r] > 0 ? matrix[r][c] / rowSum[r] : 0);
  return heatmap({
    title: options.title ?? '',
    rowLabels: labels,
    colLabels: labels,
    rowTitle: 'actual',
    colTitle: 'predicted',
    colsOnTop: false,
    cell,
    shade: share,
    cellText: (r, c) => (cell >= 44 ? [String(matrix[r][c]), `${Math.round(share(r, c) * 100)}%`] : [String(matrix[r][c])]),
    keyLabels: ['0%', '100% of row'],
  });
}

export interface AttentionChartOptions {
  /** Tokens of the input sequence, one per column. */
  sourceTokens?: readonly string[];
  /** Tokens of the output sequence, one per row. */
  targetTokens?: readonly string[];
  title?: string;
  /** Cell side in pixels (default 480 / longest side, within 14…48). */
  cellSize?: number;
}

/**
 * Attention weights `weights[targetStep][sourceStep]` as a heat-map, source tokens along the
 * top, target tokens down the left.
 *
 * @example attentionChart([[0.9, 0.1], [0.2, 0.8]], { sourceTokens: ['je', 'suis'], targetTokens: ['I', 'am'] });
 */
export function attentionChart(weights: Matrix, options: AttentionChartOptions = {}): string {
  const T = weights.length;
  const S = T === 0 ? (options.sourceTokens?.length ?? 0) : weights[0].length;
  checkMatrix('attentionChart', weights, S);
  const source = checkLabels('attentionChart', 'source tokens', options.sourceTokens, S);
  const target = checkLabels('attentionChart', 'target tokens', options.targetTokens, T);
  const cell = options.cellSize ?? Math.min(48, Math.max(14, Math.floor(480 / Math.max(1, S, T))));
  return heatmap({
    title: options.title ?? '',
    rowLabels: target,
    colLabels: source,
    rowTitle: 'output',
    colTitle: 'input',
    colsOnTop: true,
    cell,
    shade: (r, c) => weights[r][c],
    cellText: (r, c) => (cell >= 30 && Number.isFinite(weights[r][c]) ? [weights[r][c].toFixed(2)] : []),
    keyLabels: ['0', '1'],
  });
}
