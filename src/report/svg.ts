/**
 * SVG building blocks shared by the charts: escaping, coordinate formatting, colours, documents.
 *
 * Every chart is a pure function returning an SVG string. Output is deterministic: coordinates
 * are rounded to 2 decimals and printed without exponent, no ids, no random names, no clock. All
 * styling is in attributes (no <style> element), so several charts inlined in one HTML page
 * cannot restyle one another, and a chart saved alone as a .svg file looks the same.
 */

/** Colour-blind-safe categorical palette (Okabe & Ito, 2008), yellow left out (too pale on white). */
export const PALETTE: readonly string[] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

/** Fonts installed on the reader's machine only: nothing is fetched. */
export const FONT_FAMILY =
  'system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, Apple SD Gothic Neo, Malgun Gothic, Noto Sans CJK KR, NanumGothic, sans-serif';

export const INK = '#222222';
export const MUTED = '#666666';
export const GRID = '#e5e5e5';

/**
 * Text for element content and attribute values: & < > " ' replaced by entities.
 *
 * @example escapeXml('a<b & c'); // 'a&lt;b &amp; c'
 */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A pixel coordinate: rounded to 2 decimals, no exponent, no "-0". */
export function px(v: number): string {
  const r = Math.round(v * 100) / 100;
  return r === 0 ? '0' : String(r);
}

/** Whether a value can be drawn (null, NaN and ±Infinity are missing points). */
export function isPresent(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** Whether a code point is drawn double-width (Hangul, CJK ideographs, kana, full-width forms). */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6)
  );
}

/** Rough width of a text in pixels: sans-serif averages about 0.6 em per character, 1 em for wide ones. */
export function textWidth(text: string, fontSize: number): number {
  let em = 0;
  for (const ch of text) em += isWide(ch.codePointAt(0) ?? 0) ? 1 : 0.6;
  return em * fontSize;
}

/** The text cut to `max` characters with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}

export type Attrs = Readonly<Record<string, string | number | undefined>>;

function attrs(a: Attrs): string {
  let s = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    s += ` ${k}="${typeof v === 'number' ? px(v) : escapeXml(v)}"`;
  }
  return s;
}

/** An element: `el('rect', { x: 1 })` → `<rect x="1"/>`; children are SVG markup, not escaped. */
export function el(tag: string, a: Attrs, children?: string): string {
  return children === undefined ? `<${tag}${attrs(a)}/>` : `<${tag}${attrs(a)}>${children}</${tag}>`;
}

/** A text element whose content is escaped. */
export function text(x: number, y: number, content: string, a: Attrs = {}): string {
  return el('text', { x, y, ...a }, escapeXml(content));
}

/** The outer <svg> element with a white background and an accessible <title>. */
export function svgDocument(width: number, height: number, title: string, body: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" ` +
    `viewBox="0 0 ${px(width)} ${px(height)}" role="img" font-family="${escapeXml(FONT_FAMILY)}" font-size="12" fill="${INK}">` +
    `<title>${escapeXml(title)}</title>` +
    el('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }) +
    body +
    '</svg>'
  );
}

/** The chart title, centred at the top (its baseline 20 px down). */
export function chartTitle(width: number, title: string): string {
  return text(width / 2, 20, title, { 'text-anchor': 'middle', 'font-size': 14, 'font-weight': 'bold' });
}

/** A message in the middle of an empty chart. */
export function emptyMessage(cx: number, cy: number, message: string): string {
  return text(cx, cy, message, { 'text-anchor': 'middle', fill: MUTED });
}

// Sequential colour scale for heat-maps: white → dark blue (ColorBrewer "Blues", 5 stops).
const BLUES: readonly (readonly [number, number, number])[] = [
  [247, 251, 255],
  [198, 219, 239],
  [107, 174, 214],
  [33, 113, 181],
  [8, 48, 107],
];

function hex2(v: number): string {
  return Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, '0');
}

/** Colour of `t` in [0, 1] on the sequential scale (clamped; NaN gives light grey). */
export function sequentialColor(t: number): string {
  if (Number.isNaN(t)) return '#eeeeee';
  const u = Math.min(1, Math.max(0, t)) * (BLUES.length - 1);
  const i = Math.min(BLUES.length - 2, Math.floor(u));
  const f = u - i;
  const a = BLUES[i];
  const b = BLUES[i + 1];
  return `#${hex2(a[0] + (b[0] - a[0]) * f)}${hex2(a[1] + (b[1] - a[1]) * f)}${hex2(a[2] + (b[2] - a[2]) * f)}`;
}

/** Text colour readable on a cell of the sequential scale at `t`. */
export function inkOn(t: number): string {
  return t > 0.55 ? '#ffffff' : INK;
}
