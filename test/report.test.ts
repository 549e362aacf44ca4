/**
 * Pictures: SVG charts (well-formed XML, pixel positions of simple inputs, escaping, missing
 * points), the HTML report (written whole, every section present, nothing external), the
 * standard training report, and terminal curves (exact strings).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  asciiCurve,
  attentionChart,
  barChart,
  compactNumber,
  confusionMatrixChart,
  escapeXml,
  forecastChart,
  lineChart,
  linearTicks,
  logTicks,
  renderReport,
  sparkline,
  trainingReport,
  writeReport,
} from '../src/report/index.ts';
import { sequentialColor } from '../src/report/svg.ts';
import type { EpochRecord, History } from '../src/train/state.ts';

const dir = mkdtempSync(join(tmpdir(), 'recur-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// --- A minimal XML checker: balanced tags, quoted attributes, one root, only known entities. ---

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  /** Text directly inside the element (entities left as written). */
  text: string;
}

const ENTITY = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;

/** Every element of `src`, in document order; throws on anything that is not well-formed XML. */
function parseXml(src: string): XmlElement[] {
  const stack: XmlElement[] = [];
  const all: XmlElement[] = [];
  let roots = 0;
  let i = 0;
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const chunk = lt < 0 ? src.slice(i) : src.slice(i, lt);
    if (ENTITY.test(chunk)) throw new Error(`bare '&' in text near '${chunk.slice(0, 40)}'`);
    if (chunk.includes('>')) throw new Error(`bare '>' in text near '${chunk.slice(0, 40)}'`);
    if (chunk.trim() !== '') {
      if (stack.length === 0) throw new Error(`text outside the root: '${chunk.slice(0, 40)}'`);
      stack[stack.length - 1].text += chunk;
    }
    if (lt < 0) break;
    let gt = lt + 1;
    let quote = false;
    while (gt < src.length && (quote || src[gt] !== '>')) {
      if (src[gt] === '"') quote = !quote;
      if (src[gt] === '<') throw new Error(`'<' inside a tag at ${gt}`);
      gt++;
    }
    if (gt >= src.length) throw new Error(`unclosed tag at ${lt}`);
    const tag = src.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('/')) {
      const open = stack.pop();
      if (open === undefined || open.name !== tag.slice(1).trim()) {
        throw new Error(`</${tag.slice(1)}> closes <${open?.name ?? 'nothing'}>`);
      }
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const m = /^([A-Za-z][\w:.-]*)/.exec(tag);
    if (m === null) throw new Error(`bad tag <${tag.slice(0, 20)}>`);
    const rest = tag.slice(m[1].length, selfClosing ? -1 : undefined);
    const attrs: Record<string, string> = {};
    const consumed = rest.replace(/\s+([\w:.-]+)="([^"<]*)"/g, (_, k: string, v: string) => {
      if (k in attrs) throw new Error(`attribute ${k} twice in <${m[1]}>`);
      if (ENTITY.test(v)) throw new Error(`bare '&' in attribute ${k}`);
      attrs[k] = v;
      return '';
    });
    if (consumed.trim() !== '') throw new Error(`bad attributes in <${m[1]}>: '${consumed.trim()}'`);
    const e: XmlElement = { name: m[1], attrs, text: '' };
    if (stack.length === 0) roots++;
    all.push(e);
    if (!selfClosing) stack.push(e);
  }
  if (stack.length > 0) throw new Error(`<${stack[stack.length - 1].name}> never closed`);
  if (roots !== 1) throw new Error(`${roots} root elements, expected 1`);
  return all;
}

function elements(svg: string, name: string): XmlElement[] {
  return parseXml(svg).filter((e) => e.name === name);
}

function texts(svg: string): string[] {
  return elements(svg, 'text').map((e) => e.text);
}

/** The <svg>…</svg> parts of an HTML page. */
function svgsIn(html: string): string[] {
  return html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
}

describe('XML checker (the tests below rely on it)', () => {
  test('rejects what is not well-formed', () => {
    assert.doesNotThrow(() => parseXml('<svg a="1"><g><text>a &amp; b</text></g><rect/></svg>'));
    assert.throws(() => parseXml('<svg><g></svg>'), /closes <g>/);
    assert.throws(() => parseXml('<svg><text>a < b</text></svg>'), /'<' inside a tag|bad tag/);
    assert.throws(() => parseXml('<svg><text>a & b</text></svg>'), /bare '&'/);
    assert.throws(() => parseXml('<svg x=1/>'), /bad attributes/);
    assert.throws(() => parseXml('<svg/><svg/>'), /2 root/);
  });
});

describe('scales', () => {
  test('nice linear ticks', () => {
    assert.deepEqual(linearTicks(0, 1).ticks, [0, 0.2, 0.4, 0.6, 0.8, 1]);
    assert.deepEqual(linearTicks(0, 1).labels, ['0.0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    const t = linearTicks(3, 97);
    assert.deepEqual([t.lo, t.hi, t.ticks], [0, 100, [0, 20, 40, 60, 80, 100]]);
    // x axes keep the data's range; whole steps for epochs
    const x = linearTicks(1, 3, { integer: true, snap: false });
    assert.deepEqual([x.lo, x.hi, x.ticks], [1, 3, [1, 2, 3]]);
    // a constant is widened by 10%
    const c = linearTicks(2, 2);
    assert.deepEqual([c.lo, c.hi], [1.8, 2.2]);
  });

  test('log ticks add 2 and 5 when fewer than 3 decades show', () => {
    assert.deepEqual(logTicks(0.05, 2.3).labels, ['0.05', '0.1', '0.2', '0.5', '1', '2']);
    assert.deepEqual(logTicks(1e-4, 10).labels, ['0.0001', '0.001', '0.01', '0.1', '1', '10']);
  });

  test('compact numbers', () => {
    assert.equal(compactNumber(2.302585), '2.303');
    assert.equal(compactNumber(3), '3');
    assert.equal(compactNumber(0.5), '0.5');
    assert.equal(compactNumber(1234567), '1.235e6');
    assert.equal(compactNumber(0.00001234), '1.234e-5');
    assert.equal(compactNumber(NaN), 'NaN');
  });
});

describe('lineChart', () => {
  test('a line from (0,0) to (1,1) spans the plot from bottom-left to top-right', () => {
    // 400 × 300, no title, no labels, one series: plot x 60…380, y 12…264.
    const svg = lineChart([{ name: 'a', values: [0, 1] }], { width: 400, height: 300 });
    const paths = elements(svg, 'path');
    assert.equal(paths.length, 1);
    assert.equal(paths[0].attrs.d, 'M60 264 L380 12');
    const root = parseXml(svg)[0];
    assert.deepEqual([root.name, root.attrs.width, root.attrs.height, root.attrs.viewBox], ['svg', '400', '300', '0 0 400 300']);
    assert.equal(elements(svg, 'g').filter((g) => g.attrs.class === 'legend').length, 0, 'no legend for one series');
  });

  test('title, x label and a legend move the plot: y 60…248', () => {
    // top = 12 + 24 (title) + 18 (one legend row) + 6; bottom = 300 − 36 − 16 (x label)
    const svg = lineChart(
      [{ name: 'up', values: [0, 1] }, { name: 'down', values: [1, 0], dashed: true }],
      { width: 400, height: 300, title: 'T', xLabel: 'epoch' },
    );
    const d = elements(svg, 'path').map((p) => p.attrs.d);
    assert.deepEqual(d, ['M60 248 L380 60', 'M60 60 L380 248']);
    assert.equal(elements(svg, 'path')[1].attrs['stroke-dasharray'], '6 4');
    assert.ok(texts(svg).includes('up') && texts(svg).includes('down') && texts(svg).includes('epoch'));
  });

  test('missing points break the line; isolated points become dots', () => {
    const svg = lineChart([{ name: 's', values: [1, NaN, 3, null, 5, 6, Infinity] }]);
    const d = elements(svg, 'path')[0].attrs.d;
    assert.equal(d.match(/M/g)?.length, 1, 'lone points are not in the path');
    assert.equal(d.match(/L/g)?.length, 1);
    assert.equal(elements(svg, 'circle').length, 4, 'every point dotted when there are at most 40');
    // 50 points, one isolated: only that one gets a dot
    const long: (number | null)[] = Array.from({ length: 50 }, (_, i) => i);
    long[10] = null;
    long[12] = null;
    assert.equal(elements(lineChart([{ name: 's', values: long }]), 'circle').length, 1);
  });

  test('a single point is a dot in the middle; no data says so', () => {
    // 640 × 320: plot x 60…620, y 12…284; the domain is widened around the point
    const one = lineChart([{ name: 's', values: [2] }]);
    assert.equal(elements(one, 'path').length, 0);
    const dots = elements(one, 'circle');
    assert.deepEqual([dots.length, dots[0].attrs.cx, dots[0].attrs.cy], [1, '340', '148']);
    assert.ok(texts(lineChart([{ name: 's', values: [NaN, null] }])).includes('no data'));
    assert.ok(texts(lineChart([])).includes('no data'));
  });

  test('log y: decades are evenly spaced and values ≤ 0 are missing', () => {
    const svg = lineChart([{ name: 'loss', values: [100, 10, 1, 0] }], { logY: true });
    const ys = [...elements(svg, 'path')[0].attrs.d.matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => Number(m[1]));
    assert.equal(ys.length, 3);
    assert.ok(Math.abs(ys[1] - ys[0] - (ys[2] - ys[1])) < 0.02, `${ys}`);
    assert.ok(texts(svg).includes('10') && texts(svg).includes('100'));
  });

  test('names and titles are escaped; the output is deterministic', () => {
    const series = [{ name: 'a<b & "c"', values: [1, 2] }, { name: "it's", values: [2, 1] }];
    const svg = lineChart(series, { title: '<script>alert(1)</script>' });
    assert.ok(!svg.includes('<script>') && !svg.includes('a<b'));
    assert.ok(svg.includes('a&lt;b &amp; &quot;c&quot;'));
    assert.ok(texts(svg).includes('it&#39;s'));
    assert.equal(lineChart(series, { title: '<script>alert(1)</script>' }), svg);
  });

  test('yInclude widens the axis; x and values of different lengths are an error', () => {
    const svg = lineChart([{ name: 'acc', values: [0.5, 0.6] }], { yInclude: [0, 1] });
    assert.ok(texts(svg).includes('0.0') && texts(svg).includes('1.0'));
    assert.throws(() => lineChart([{ name: 'a', values: [1, 2], x: [1] }]), /series 'a' has 2 values but 1 x positions/);
  });
});

describe('forecastChart', () => {
  test('split line between steps, year labels on the x axis', () => {
    // 400 × 300, legend (actual + 1 prediction), x label 'time': plot x 60…380, y 36…248; x domain 0…4
    const svg = forecastChart(
      { actual: [5, 11, 16, 23, 36], predictions: [{ name: 'persistence', values: [null, 5, 11, 16, 23] }],
        labels: ['1700', '1701', '1702', '1703', '1704'], splits: [{ x: 2, label: 'test' }] },
      { width: 400, height: 300 },
    );
    const split = elements(svg, 'line').filter((l) => l.attrs['stroke-dasharray'] === '4 3');
    assert.equal(split.length, 1);
    assert.deepEqual([split[0].attrs.x1, split[0].attrs.y1, split[0].attrs.y2], ['180', '36', '248']);
    const t = texts(svg);
    for (const label of ['1700', '1701', '1702', '1703', '1704', 'test', 'actual', 'persistence', 'time']) assert.ok(t.includes(label), label);
    const d = elements(svg, 'path').map((p) => p.attrs.d);
    assert.equal(d[1].split(' L').length, 4, 'the prediction starts at step 1');
    assert.ok(d[1].startsWith('M140 '));
  });

  test('lengths must match the actual values', () => {
    assert.throws(() => forecastChart({ actual: [1, 2], predictions: [{ name: 'p', values: [1] }] }), /prediction 'p' has 1 values, expected 2/);
    assert.throws(() => forecastChart({ actual: [1, 2], predictions: [], labels: ['a'] }), /1 labels, expected 2/);
  });
});

describe('heat-maps', () => {
  test('confusion matrix: counts written, colour by share of the row, labels escaped', () => {
    const svg = confusionMatrixChart([[90, 10], [1, 9]], { labels: ['a<b', 'c'], title: 'Test' });
    const t = texts(svg);
    for (const c of ['90', '10', '1', '9']) assert.ok(t.includes(c), c);
    assert.ok(t.includes('90%') && t.includes('10%'), 'shares in cells of 44 px or more');
    assert.ok(t.includes('a&lt;b') && t.includes('predicted') && t.includes('actual'));
    const cells = parseXml(svg).filter((e) => e.name === 'rect' && e.attrs.stroke === '#ffffff');
    assert.equal(cells.length, 4);
    // [0][0] = 90 of 100 and [1][1] = 9 of 10: the same colour; the off-diagonal 10 and 1: the same too
    assert.equal(cells[0].attrs.fill, sequentialColor(0.9));
    assert.equal(cells[3].attrs.fill, cells[0].attrs.fill);
    assert.equal(cells[1].attrs.fill, cells[2].attrs.fill);
    assert.notEqual(cells[0].attrs.fill, cells[1].attrs.fill);
  });

  test('confusion matrix: an empty row, small cells, wrong shapes', () => {
    const svg = confusionMatrixChart([[0, 0], [3, 4]], { cellSize: 30 });
    const cells = parseXml(svg).filter((e) => e.name === 'rect' && e.attrs.stroke === '#ffffff');
    assert.equal(cells[0].attrs.fill, sequentialColor(0));
    assert.ok(!texts(svg).some((s) => s.endsWith('%') && s !== '0%'), 'no shares in small cells');
    assert.ok(texts(svg).includes('0') && texts(svg).includes('1'), 'default labels are class indices');
    assert.throws(() => confusionMatrixChart([[1, 2], [3]]), /row 1 has 1 values, expected 2/);
    assert.throws(() => confusionMatrixChart([[1]], { labels: ['a', 'b'] }), /2 labels, expected 1/);
  });

  test('attention: weights in cells, tokens on both axes', () => {
    const w = [[0.9, 0.1, 0], [0.2, 0.3, 0.5]];
    const svg = attentionChart(w, { sourceTokens: ['je', 'suis', '<eos>'], targetTokens: ['I', 'am'] });
    const t = texts(svg);
    for (const s of ['je', 'suis', '&lt;eos&gt;', 'I', 'am', '0.90', '0.50', 'input', 'output']) assert.ok(t.includes(s), s);
    const cells = parseXml(svg).filter((e) => e.name === 'rect' && e.attrs.stroke === '#ffffff');
    assert.equal(cells.length, 6);
    assert.equal(cells[0].attrs.fill, sequentialColor(0.9));
    assert.equal(cells[2].attrs.fill, sequentialColor(0));
    assert.throws(() => attentionChart(w, { sourceTokens: ['a'] }), /1 source tokens, expected 3/);
  });

  test('long labels are turned and cut; the picture stays well-formed', () => {
    const labels = ['a very long class name indeed', 'b', 'c'];
    const svg = confusionMatrixChart([[1, 0, 0], [0, 1, 0], [0, 0, 1]], { labels });
    assert.ok(texts(svg).includes('a very long cla…'));
    assert.ok(elements(svg, 'text').some((e) => (e.attrs.transform ?? '').startsWith('rotate(-45')));
  });
});

describe('barChart', () => {
  test('bars grow from 0 to their value', () => {
    // 400 × 300, one series: plot y 12…264, domain 0…1
    const svg = barChart({ categories: ['4', '16'], series: [{ name: 'acc', values: [0.5, 1] }] }, { width: 400, height: 300 });
    const bars = parseXml(svg).filter((e) => e.name === 'rect' && e.attrs.fill === '#0072B2');
    assert.deepEqual(bars.map((b) => [b.attrs.y, b.attrs.height]), [['138', '126'], ['12', '252']]);
    // bands of 160 px: the bar fills 80% of its band, starting 10% in
    assert.deepEqual(bars.map((b) => [b.attrs.x, b.attrs.width]), [['76', '128'], ['236', '128']]);
    assert.ok(texts(svg).includes('0.5') && texts(svg).includes('16'));
  });

  test('grouped bars, a missing value, a legend', () => {
    const svg = barChart({ categories: ['4', '16', '64'], series: [
      { name: 'no dropout', values: [0.8, 0.9, 0.95] }, { name: 'dropout', values: [0.7, null, NaN] },
    ] });
    const rects = parseXml(svg).filter((e) => e.name === 'rect' && e.attrs.width !== '10' && e.attrs.fill !== '#ffffff');
    assert.equal(rects.length, 4);
    assert.ok(texts(svg).includes('dropout'));
    assert.throws(() => barChart({ categories: ['a'], series: [{ name: 's', values: [1, 2] }] }), /series 's' has 2 values, expected 1/);
  });
});

function record(epoch: number, loss: number, valLoss: number | null, lr: number): EpochRecord {
  return {
    epoch, loss, metrics: { accuracy: 1 - loss / 2 }, valLoss,
    valMetrics: valLoss === null ? null : { accuracy: 1 - valLoss / 2 }, lr, steps: 2, seconds: 0.5,
  };
}

describe('HTML report', () => {
  test('writeReport writes one self-contained file with every section', () => {
    const path = join(dir, 'nested', 'report.html');
    const chart = lineChart([{ name: 'a', values: [1, 2, 3] }], { title: 'A chart' });
    writeReport(path, {
      title: 'Run <1>',
      subtitle: 'a & b',
      sections: [
        { heading: 'Text only', text: 'first paragraph\n\nsecond <paragraph>' },
        { heading: 'Chart', svg: chart },
        { heading: 'Two charts', svg: [chart, chart] },
        { heading: 'Table', table: { columns: ['name', 'rmse'], rows: [['persistence', 26.4321], ['model', null]] } },
      ],
    });
    const html = readFileSync(path, 'utf8');
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    assert.ok(html.includes('<title>Run &lt;1&gt;</title>') && html.includes('a &amp; b'));
    for (const h of ['Text only', 'Chart', 'Two charts', 'Table']) assert.ok(html.includes(`<h2>${h}</h2>`), h);
    assert.ok(html.includes('<p>first paragraph</p>') && html.includes('<p>second &lt;paragraph&gt;</p>'));
    assert.ok(html.includes('<td class="num">26.43</td>') && html.includes('<td class="num">–</td>'));
    assert.equal(svgsIn(html).length, 3);
    for (const svg of svgsIn(html)) parseXml(svg);
    assert.ok(!/<script|<link|<img|src=|@import|url\(/i.test(html), 'nothing external, no script');
    assert.deepEqual(readdirSync(join(dir, 'nested')), ['report.html'], 'no temp file left');
  });

  test('bad sections are reported by heading', () => {
    assert.throws(() => renderReport({ title: 't', sections: [{ heading: 'X', svg: 'hello' }] }), /section 1 \('X'\): svg must be SVG markup/);
    assert.throws(
      () => renderReport({ title: 't', sections: [{ heading: 'T', table: { columns: ['a', 'b'], rows: [['x']] } }] }),
      /table row 0 has 1 cells, expected 2/,
    );
  });
});

describe('trainingReport', () => {
  const history: History = {
    epochs: [record(1, 2, 2.2, 0.1), record(2, 1, 1.5, 0.1), record(3, 0.1, 1.2, 0.01), record(4, 0.05, 1.3, 0.01)],
    stepLosses: [2.1, 1.9, 1.1, 0.9, 0.12, 0.08, 0.06, 0.04],
    bestEpoch: 3,
    stopReason: 'early-stopping',
  };

  test('summary, loss, metrics, learning rate, confusion matrix, extra sections', () => {
    const report = trainingReport(history, {
      title: 'Classifier',
      test: { loss: 1.25, accuracy: 0.4 },
      baselines: [{ name: 'majority', values: { accuracy: 0.35 } }],
      confusion: { matrix: [[3, 1], [2, 4]], labels: ['no', 'yes'] },
      sections: [{ heading: 'Notes', text: 'hello' }],
    });
    assert.deepEqual(report.sections.map((s) => s.heading), [
      'Summary', 'Run details', 'Loss', 'Metrics', 'Learning rate', 'Confusion matrix', 'Notes',
    ]);
    const summary = report.sections[0].table;
    assert.ok(summary !== undefined);
    assert.deepEqual(summary.columns, ['', 'loss', 'accuracy']);
    assert.deepEqual(summary.rows, [
      ['train (epoch 4)', 0.05, 0.975],
      ['validation (epoch 4)', 1.3, 0.35],
      ['validation (best, epoch 3)', 1.2, 0.4],
      ['test', 1.25, 0.4],
      ['baseline: majority', null, 0.35],
    ]);
    // loss falls 44×: log scale; the best epoch is marked; the per-step loss has its own chart
    const loss = report.sections[2].svg;
    assert.ok(Array.isArray(loss) && loss.length === 2);
    assert.ok(texts(loss[0]).includes('best') && texts(loss[0]).includes('0.1'));
    const html = renderReport(report);
    for (const svg of svgsIn(html)) parseXml(svg);
    assert.ok(html.includes('early-stopping'));
  });

  test('forecast, linear loss, no validation, constant learning rate', () => {
    const h: History = { epochs: [record(1, 1, null, 0.1), record(2, 0.8, null, 0.1)], stepLosses: [1, 0.8], bestEpoch: null, stopReason: 'completed' };
    const report = trainingReport(h, {
      lossScale: 'linear',
      forecasts: [{ title: 'Forecast', actual: [1, 2, 3], predictions: [{ name: 'model', values: [null, 1.5, 2.5] }], labels: ['a', 'b', 'c'] }],
    });
    assert.deepEqual(report.sections.map((s) => s.heading), ['Summary', 'Run details', 'Loss', 'Metrics', 'Forecast']);
    assert.deepEqual(report.sections[0].table?.rows, [['train (epoch 2)', 0.8, 0.6]]);
    const loss = report.sections[2].svg;
    assert.ok(Array.isArray(loss) && loss.length === 1, 'one step per epoch: no per-step chart');
    assert.ok(texts(loss[0]).includes('0.80'), 'linear ticks');
  });

  test('the sunspots report: every chart well-formed, years on the axis', () => {
    const rows = readFileSync(new URL('../data/sunspots/sunspots_yearly_1700_2008.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
    const years = rows.map((r) => r.split(',')[0]);
    const actual = rows.map((r) => Number(r.split(',')[1]));
    const previous = actual.map((_, i) => (i === 0 ? null : actual[i - 1]));
    const report = trainingReport(history, {
      forecasts: [{ actual, predictions: [{ name: 'previous year', values: previous }], labels: years, splits: [{ x: 262, label: 'test' }] }],
    });
    const path = join(dir, 'sunspots.html');
    writeReport(path, report);
    const html = readFileSync(path, 'utf8');
    const svgs = svgsIn(html);
    for (const svg of svgs) parseXml(svg);
    const forecast = svgs[svgs.length - 1];
    // 1216 px wide: about 14 ticks over 309 years, so one every 20 years
    for (let y = 1700; y <= 2000; y += 20) assert.ok(texts(forecast).includes(String(y)), String(y));
    assert.ok(!texts(forecast).includes('1710'));
    assert.equal(elements(forecast, 'path').length, 2);
  });
});

describe('terminal', () => {
  test('sparkline maps [0, 1, 2, 3] to ▁▃▆█', () => {
    assert.equal(sparkline([0, 1, 2, 3], 4, { labels: false, ascii: false }), '▁▃▆█');
    assert.equal(sparkline([0, 1, 2, 3], 4, { ascii: false }), '▁▃▆█  min 0  max 3');
    assert.equal(sparkline([0, 1, 2, 3], 4, { labels: false, ascii: true }), '_-+#');
  });

  test('sparkline: missing values, constants, buckets, TERM=dumb', () => {
    assert.equal(sparkline([0, NaN, 3, null], 4, { labels: false, ascii: false }), '▁ █ ');
    assert.equal(sparkline([2, 2], 2, { labels: false, ascii: false }), '▄▄');
    assert.equal(sparkline([0, 0, 3, 3, 1, 1], 3, { labels: false, ascii: false }), '▁█▃');
    assert.equal(sparkline([NaN], 1, { ascii: false }), '   no data');
    assert.throws(() => sparkline([1], 0), /width must be a whole number ≥ 1/);
    const term = process.env.TERM;
    try {
      process.env.TERM = 'dumb';
      assert.equal(sparkline([0, 1, 2, 3], 4, { labels: false }), '_-+#');
      process.env.TERM = 'xterm-256color';
      assert.equal(sparkline([0, 1, 2, 3], 4, { labels: false }), '▁▃▆█');
    } finally {
      if (term === undefined) delete process.env.TERM;
      else process.env.TERM = term;
    }
  });

  test('asciiCurve draws an exact small plot', () => {
    const out = asciiCurve([{ name: 'loss', values: [3, 2, 1] }], { width: 3, height: 3, ascii: true });
    assert.equal(out, ['3 +*', '  | *', '1 +  *', '  +---', '   1 3', '   * loss'].join('\n'));
  });

  test('asciiCurve: interpolation, gaps, the first series on top, Unicode', () => {
    // 3 values over 5 columns: 0, 0.5, 1, 1.5, 2 → rows round(2 · v / 2) = 0, 1, 1, 2, 2 from the bottom
    const up = asciiCurve([{ name: 'a', values: [0, 1, 2] }], { width: 5, height: 3, ascii: true }).split('\n');
    assert.deepEqual(up.slice(0, 3), ['2 +   **', '  | **', '0 +*']);
    // a missing middle value leaves a gap on both sides of it
    const gap = asciiCurve([{ name: 'a', values: [0, null, 2] }], { width: 5, height: 3, ascii: true }).split('\n');
    assert.deepEqual(gap.slice(0, 3), ['2 +    *', '  |', '0 +*']);
    const both = asciiCurve([{ name: 'train', values: [1, 1] }, { name: 'val', values: [1, 1] }], { width: 2, height: 2, ascii: false });
    assert.ok(both.startsWith('1 ┤●●'), both);
    assert.ok(both.endsWith('● train   ○ val'));
    assert.throws(() => asciiCurve([], { width: 1 }), /width must be a whole number ≥ 2/);
  });

  test('asciiCurve log scale labels the real values', () => {
    const out = asciiCurve([{ name: 'loss', values: [100, 10, 1] }], { width: 3, height: 3, ascii: true, logY: true });
    assert.equal(out.split('\n').slice(0, 3).join('\n'), ['100 +*', '    | *', '  1 +  *'].join('\n'));
  });
});

test('escapeXml', () => {
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
});
