/**
 * The report: one self-contained HTML file (inline SVG charts, inline CSS, no script, nothing
 * fetched), readable offline in any browser and small enough to attach to a message.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { writeFileAtomic } from '../io/atomic.ts';
import { compactNumber } from './scale.ts';
import { FONT_FAMILY, escapeXml } from './svg.ts';

/** A table of values: numbers are printed compactly and right-aligned, null as '–'. */
export interface ReportTable {
  columns: readonly string[];
  rows: readonly (readonly (string | number | null)[])[];
}

export interface ReportSection {
  heading: string;
  /** Plain text (escaped); a blank line starts a new paragraph. */
  text?: string;
  /** Charts from this module (SVG markup, inserted as is); several are laid out side by side. */
  svg?: string | readonly string[];
  table?: ReportTable;
}

export interface Report {
  title: string;
  subtitle?: string;
  sections: readonly ReportSection[];
}

const CSS = `
body { font-family: ${FONT_FAMILY}; color: #222; background: #fafafa; margin: 0; }
main { max-width: 1360px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 26px; margin: 8px 0 4px; }
.subtitle { color: #666; margin: 0 0 16px; }
section { background: #fff; border: 1px solid #e3e3e3; border-radius: 6px; padding: 8px 20px 16px; margin: 16px 0; }
h2 { font-size: 18px; margin: 12px 0 8px; }
p { line-height: 1.45; margin: 6px 0; max-width: 80ch; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.charts svg { max-width: 100%; height: auto; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { padding: 4px 12px; border-bottom: 1px solid #e3e3e3; text-align: left; }
th { background: #f3f3f3; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
footer { color: #888; font-size: 12px; margin-top: 24px; }
`;

function cell(v: string | number | null): string {
  if (v === null) return '<td class="num">–</td>';
  if (typeof v === 'number') return `<td class="num">${escapeXml(compactNumber(v))}</td>`;
  return `<td>${escapeXml(v)}</td>`;
}

function table(t: ReportTable, where: string): string {
  t.rows.forEach((row, i) => {
    if (row.length !== t.columns.length) {
      throw new Error(`${where}: table row ${i} has ${row.length} cells, expected ${t.columns.length} (one per column)`);
    }
  });
  const head = `<tr>${t.columns.map((c) => `<th>${escapeXml(c)}</th>`).join('')}</tr>`;
  const body = t.rows.map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('\n');
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => `<p>${escapeXml(p)}</p>`)
    .join('\n');
}

function section(s: ReportSection, i: number): string {
  const where = `report section ${i + 1} ('${s.heading}')`;
  const parts = [`<h2>${escapeXml(s.heading)}</h2>`];
  if (s.text !== undefined) parts.push(paragraphs(s.text));
  const svgs = s.svg === undefined ? [] : typeof s.svg === 'string' ? [s.svg] : s.svg;
  for (const svg of svgs) {
    if (!svg.trimStart().startsWith('<svg')) throw new Error(`${where}: svg must be SVG markup starting with <svg, got '${svg.slice(0, 20)}'`);
  }
  if (svgs.length > 0) parts.push(`<div class="charts">\n${svgs.join('\n')}\n</div>`);
  if (s.table !== undefined) parts.push(table(s.table, where));
  return `<section>\n${parts.join('\n')}\n</section>`;
}

/**
 * The report as an HTML document (deterministic: the same report gives the same bytes).
 *
 * @example const html = renderReport({ title: 'Run 1', sections: [{ heading: 'Loss', svg: lineChart(series) }] });
 */
export function renderReport(report: Report): string {
  const sub = report.subtitle === undefined ? '' : `<p class="subtitle">${escapeXml(report.subtitle)}</p>\n`;
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${escapeXml(report.title)}</title>\n<style>${CSS}</style>\n</head>\n<body>\n<main>\n` +
    `<h1>${escapeXml(report.title)}</h1>\n${sub}` +
    report.sections.map(section).join('\n') +
    '\n<footer>Written by recur. Self-contained: no scripts, nothing loaded from the network.</footer>\n</main>\n</body>\n</html>\n'
  );
}

/**
 * Write the report to `path` as one HTML file, atomically (a temp file renamed over `path`, so
 * a reader never sees half a report). Creates the parent folder if needed.
 *
 * @example writeReport('runs/sunspots/report.html', trainingReport(history, { title: 'Sunspots' }));
 */
export function writeReport(path: string, report: Report): void {
  const html = renderReport(report);
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileAtomic(path, new TextEncoder().encode(html));
}
