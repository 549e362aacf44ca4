/**
 * recur in a browser: the ESM bundle (dist/browser/recur.js) and the playground page, driven in
 * real Chromium (Debian's /usr/bin/chromium through playwright-core; .ci/run installs it).
 *
 * Without Chromium only the bundle checks run, and the page tests are skipped with a message.
 * With it, the test builds the page, serves it on a free localhost port and:
 *   - trains the sunspot forecaster in the page's Web Worker, checks that the loss chart redraws
 *     each epoch and the loss falls, and that the losses equal Node's for the same seed and
 *     settings bit for bit: the page and Node run the same code (playground/src/trainer.ts) on
 *     the same WebAssembly kernels, whose float32 arithmetic is deterministic, and the JS parts
 *     (losses, Adam) use V8's Math functions, the same fdlibm ports in Node and Chromium. (Were the
 *     two on different kernels, e.g. a browser without SIMD, the test would compare within 1e-5
 *     relative and say so.) The downloaded .recur is byte-identical to Node's encoding of Node's
 *     model, loads with loadCheckpoint, `recur predict` runs on it, and `recur train` with the same
 *     settings trains the same weights;
 *   - trains on a CSV dropped on the page;
 *   - opens models trained by `recur train` (a forecaster and a character language model) and
 *     shows `recur predict`'s predictions and `recur generate`'s text;
 *   - trains on Shakespeare, checks that the page's thread stays free (no long tasks, timers on
 *     time) while the worker trains, stops it, and hands the half-trained model to `recur generate`;
 *   - saves screenshots to tmp/browser-test/ (git-ignored).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ROOT, buildLibrary, buildPlayground, type NodeImport } from '../playground/build.ts';
import { serveStatic, type Served } from '../playground/serve.ts';
import { SHIPPED, textPrefix } from '../playground/src/datasets.ts';
import {
  SAMPLE_LENGTH, prepare, seriesPlot, tableFor, train, type DataSource, type TrainSettings, type View,
} from '../playground/src/trainer.ts';
import { savedFromJson, type SeriesPrep } from '../src/cli/pipeline/prep.ts';
import { getBackend } from '../src/kernels/backend.ts';
import { buildModel, loadCheckpoint, validateSpec, type SequenceModel } from '../src/index.ts';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic',
];
const SCREENSHOTS = join(ROOT, 'tmp', 'browser-test');

/**
 * Modules known to import Node built-ins that the browser entry reaches (each only on a file
 * path that a page cannot take); the bundler stubs them. A new one fails this test: keep Node
 * APIs out of code that browsers run, or add it here knowingly.
 */
const KNOWN_NODE_IMPORTS = new Set([
  'src/data/csv.ts node:fs',
  'src/io/checkpoint.ts node:fs',
  'src/io/checkpoint.ts node:path',
  'src/io/atomic.ts node:crypto',
  'src/io/atomic.ts node:fs',
  'src/io/atomic.ts node:path',
  'src/report/html.ts node:fs',
  'src/report/html.ts node:path',
  // The CLI's data preparation, shared with the playground so both write the same model files.
  'src/cli/pipeline/files.ts node:fs',
  'src/cli/pipeline/files.ts node:path',
]);
/** Exports of index.ts that need files, left out of browser.ts. */
const NODE_ONLY_EXPORTS = ['availableThreads', 'getThreads', 'loadCheckpoint', 'loadSeq2Seq', 'saveCheckpoint', 'saveSeq2Seq', 'setThreads', 'writeReport'];

function unknownNodeImports(found: readonly NodeImport[]): string[] {
  return [...new Set(found.map((i) => `${i.importer} ${i.builtin}`))].filter((k) => !KNOWN_NODE_IMPORTS.has(k));
}

describe('browser bundle', () => {
  test('browser.ts exports the public API minus the file functions', async () => {
    const index = Object.keys(await import('../src/index.ts')).sort();
    const browser = Object.keys(await import('../src/browser.ts')).sort();
    assert.deepEqual(
      index.filter((k) => !browser.includes(k)), NODE_ONLY_EXPORTS,
      'index.ts and browser.ts differ: export the new name from src/browser.ts too, or, if it needs files, list it in NODE_ONLY_EXPORTS here',
    );
    const extra = browser.filter((k) => !index.includes(k));
    const backendSwitch = ['getBackend', 'setBackend', 'initBackend']; // not (yet) in index.ts
    assert.deepEqual(extra.filter((k) => !backendSwitch.includes(k)), [], 'browser.ts exports what index.ts does not');
  });

  test('dist/browser/recur.js builds as one ESM file with no Node imports left, and runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recur-bundle-'));
    try {
      const file = join(dir, 'recur.js');
      const built = await buildLibrary(file);
      assert.deepEqual(unknownNodeImports(built.nodeImports), [], 'new Node built-in imports reach the browser bundle');
      const code = readFileSync(file, 'utf8');
      assert.doesNotMatch(code, /^\s*import\s.*from\s*["']node:/m, 'a node: import is left in the bundle');
      assert.doesNotMatch(code, /\brequire\(/, 'a require() is left in the bundle');
      // The bundle is plain ESM: Node can load it too. Build, encode, decode.
      const lib = (await import(pathToFileURL(file).href)) as typeof import('../src/browser.ts');
      const model = lib.buildModel({ task: 'forecast', cell: 'gru', inputSize: 1, hiddenSize: 4, outputSize: 1, horizon: 1, seed: 1 });
      const ckpt = lib.decodeCheckpoint(lib.encodeCheckpoint({ spec: { ...model.spec }, weights: model.stateDict() }));
      assert.deepEqual(ckpt.spec, { ...model.spec });
      assert.throws(() => lib.readCsv({ path: 'x.csv' }), /readFileSync from node:fs is not available in browsers \(called by src\/data\/csv\.ts\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- The page in Chromium.

const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent, so the page tests are skipped; install it with 'apt-get install -y chromium' (.ci/run does)`;

/** A sunspot run small enough for a test, the same in the page and in Node. */
const SUNSPOTS: TrainSettings = { cell: 'gru', hiddenSize: 12, numLayers: 1, window: 20, embeddingDim: 16, epochs: 6, batchSize: 16, lr: 0.01, clip: 1, seed: 3 };
const YEARLY = SHIPPED[0];
const YEARLY_CSV = readFileSync(join(ROOT, YEARLY.path), 'utf8');

/** `recur` from the TypeScript source, in the repository root (so data/... paths are as a user types them). */
function recur(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), join(ROOT, 'src', 'cli', 'main.ts'), ...args], {
      cwd: ROOT, env: { ...process.env, TERM: 'dumb', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function recurOk(args: readonly string[]): Promise<string> {
  const r = await recur(args);
  assert.equal(r.code, 0, `recur ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** `recur predict`'s CSV: the prediction for each row label. */
function predictionsOf(csv: string): Map<string, number> {
  const lines = csv.trim().split('\n').slice(1);
  return new Map(lines.map((l) => {
    const [label, value] = l.split(',');
    return [label, Number(value)];
  }));
}

/** Every one-step prediction of the plot equals the CLI's (printed to 7 significant digits). */
function assertSamePredictions(plot: { labels: readonly string[]; predicted: readonly (number | null)[] }, cli: Map<string, number>): void {
  let compared = 0;
  plot.labels.forEach((label, row) => {
    const v = plot.predicted[row];
    if (v === null || !Number.isFinite(v)) return;
    const c = cli.get(label) ?? assert.fail(`recur predict has no row ${label}`);
    assert.ok(Math.abs(v - c) <= 5e-7 * Math.max(1, Math.abs(v)), `row ${label}: page ${v}, recur predict ${c}`);
    compared++;
  });
  assert.ok(compared > 200, `only ${compared} predictions compared`);
}

function sunspotsSource(): DataSource {
  return { kind: 'series', name: YEARLY.path, csv: YEARLY_CSV, target: 'sunactivity', time: 'year', missing: 'error' };
}

async function setControls(page: Page, s: TrainSettings): Promise<void> {
  await page.selectOption('#cell', s.cell);
  const values: [string, number][] = [
    ['#hidden', s.hiddenSize], ['#layers', s.numLayers], ['#window', s.window],
    ['#epochs', s.epochs], ['#batch', s.batchSize], ['#lr', s.lr], ['#clip', s.clip ?? 0], ['#seed', s.seed],
  ];
  for (const [sel, v] of values) await page.fill(sel, String(v));
}

async function waitForState(page: Page, states: string[], timeout = 30_000): Promise<string> {
  await page.waitForSelector(states.map((s) => `#status[data-state="${s}"]`).join(', '), { timeout });
  return (await page.getAttribute('#status', 'data-state')) ?? '';
}

async function epochLosses(page: Page): Promise<{ loss: number; valLoss: number | null }[]> {
  return page.$$eval('#epoch-table tbody tr', (rows) =>
    rows.map((r) => {
      const d = (r as HTMLElement).dataset;
      return { loss: Number(d.loss), valLoss: d.valLoss === '' || d.valLoss === undefined ? null : Number(d.valLoss) };
    }));
}

async function shownView(page: Page): Promise<View> {
  const json = await page.getAttribute('#prediction', 'data-view');
  assert.ok(json !== null && json !== '', 'the page shows no predictions');
  return JSON.parse(json) as View;
}

/** NaN as JSON writes it (null), for comparing with a view read back from the page. */
function asJson(values: readonly number[]): (number | null)[] {
  return values.map((v) => (Number.isFinite(v) ? v : null));
}

async function download(page: Page, dir: string, name: string): Promise<string> {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  const path = join(dir, name);
  await dl.saveAs(path);
  return path;
}

/** A model file opened with the Node API. */
function openInNode(path: string): { model: SequenceModel; prep: ReturnType<typeof savedFromJson>['prep']; run: ReturnType<typeof savedFromJson>['run'] } {
  const ckpt = loadCheckpoint(path);
  const model = buildModel(validateSpec(ckpt.spec));
  model.loadStateDict(ckpt.weights);
  return { model, ...savedFromJson(ckpt.data, path) };
}

describe('playground in Chromium', { skip }, () => {
  let dir = '';
  let served: Served | null = null;
  let context: BrowserContext | null = null;
  let page: Page;
  let pageBackend = '';
  const pageErrors: string[] = [];
  /** Models trained by `recur train` while the page starts. */
  let cliTrained: Promise<void> = Promise.resolve();
  const cliSeries = (): string => join(dir, 'cli-sunspots.recur');
  const cliSame = (): string => join(dir, 'cli-same-as-page.recur');
  const cliText = (): string => join(dir, 'cli-shakespeare.recur');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'recur-playground-'));
    const text = join(dir, 'shakespeare-6k.txt');
    const shakespeare = SHIPPED.find((s) => s.kind === 'text') ?? assert.fail('no shipped text');
    writeFileSync(text, textPrefix(readFileSync(join(ROOT, shakespeare.path), 'utf8'), 6000));
    const quiet = ['--no-report', '--progress', 'none'];
    const s = SUNSPOTS;
    cliTrained = Promise.all([
      recurOk(['train', '--data', YEARLY.path, '--target', 'sunactivity', '--time', 'year', '--window', String(s.window), '--cell', s.cell,
        '--hidden', String(s.hiddenSize), '--epochs', String(s.epochs), '--batch-size', String(s.batchSize), '--lr', String(s.lr),
        '--clip', String(s.clip), '--seed', String(s.seed), '--out', cliSame(), ...quiet]),
      recurOk(['train', '--data', YEARLY.path, '--target', 'sunactivity', '--time', 'year', '--window', '20', '--cell', 'lstm', '--hidden', '10',
        '--epochs', '3', '--batch-size', '16', '--lr', '0.01', '--seed', '11', '--out', cliSeries(), ...quiet]),
      recurOk(['train', '--text', text, '--window', '32', '--cell', 'gru', '--hidden', '24', '--embedding', '8',
        '--epochs', '1', '--batch-size', '16', '--lr', '0.01', '--seed', '5', '--out', cliText(), ...quiet]),
    ]).then(() => undefined);
    cliTrained.catch(() => undefined); // awaited (and reported) by the tests that need it

    const built = await buildPlayground(join(dir, 'site'));
    assert.deepEqual(unknownNodeImports(built.nodeImports), [], 'new Node built-in imports reach the playground bundle');
    served = await serveStatic(join(dir, 'site'));
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, acceptDownloads: true, viewport: { width: 1400, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => pageErrors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(`console error: ${m.text()}`);
    });
    await page.goto(served.url);
    await page.waitForSelector('#backend[data-backend]', { timeout: 10_000 });
    pageBackend = (await page.getAttribute('#backend', 'data-backend')) ?? '';
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async () => {
    await cliTrained.catch(() => undefined);
    await context?.close();
    await served?.close();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  test('trains the sunspot forecaster in a worker: the chart follows, the loss falls, the numbers equal Node\'s', async (t) => {
    await page.selectOption('#dataset', YEARLY.id);
    await setControls(page, SUNSPOTS);
    // Record every redraw of the loss chart.
    await page.evaluate(() => {
      const canvas = document.getElementById('loss-chart') as HTMLCanvasElement;
      const log: string[] = [];
      (window as unknown as { chartLog: string[] }).chartLog = log;
      new MutationObserver(() => log.push(canvas.dataset.points ?? '')).observe(canvas, { attributes: true, attributeFilter: ['data-points'] });
    });
    const blank = await page.$eval('#loss-chart', (c) => (c as HTMLCanvasElement).toDataURL());
    await page.click('#train');
    assert.equal(await waitForState(page, ['done', 'error']), 'done', (await page.textContent('#status')) ?? '');

    const losses = await epochLosses(page);
    assert.equal(losses.length, SUNSPOTS.epochs);
    assert.ok(losses[SUNSPOTS.epochs - 1].loss < 0.5 * losses[0].loss, `training loss did not fall: ${losses.map((l) => l.loss).join(', ')}`);
    const log = await page.evaluate(() => (window as unknown as { chartLog: string[] }).chartLog.map(Number));
    const growing = log.filter((n, i) => i > 0 && n > log[i - 1]).length;
    assert.ok(growing >= SUNSPOTS.epochs, `the loss chart gained points ${growing} times, expected at least once per epoch (${SUNSPOTS.epochs}): ${log.join(' ')}`);
    assert.notEqual(await page.$eval('#loss-chart', (c) => (c as HTMLCanvasElement).toDataURL()), blank, 'the loss chart is blank');
    const view = await shownView(page);
    assert.ok(view.kind === 'series');
    const pageSpeed = Number(await page.getAttribute('#speed', 'data-steps-per-second'));
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-sunspots.png'), fullPage: true });

    // The same run in Node.
    const nodeRun = await train(prepare(sunspotsSource(), SUNSPOTS), SUNSPOTS);
    const nodeLosses = nodeRun.history.epochs.map((e) => ({ loss: e.loss, valLoss: e.valLoss }));
    const nodeBackend = getBackend().name;
    t.diagnostic(`kernels: page worker ${pageBackend}, Node ${nodeBackend}; steps/s: Chromium ${pageSpeed.toFixed(1)}, Node ${nodeRun.stepsPerSecond.toFixed(1)}`);
    const downloaded = await download(page, dir, 'page-sunspots.recur');
    if (pageBackend === nodeBackend) {
      assert.deepEqual(losses, nodeLosses, 'the page and Node ran the same kernels on the same seed, so the losses must be equal bit for bit');
      assert.deepEqual(new Uint8Array(readFileSync(downloaded)), nodeRun.bytes, 'the downloaded .recur differs from Node\'s encoding of the same model');
    } else {
      t.diagnostic(`different kernels (page ${pageBackend}, Node ${nodeBackend}): comparing losses within 1e-5 relative`);
      losses.forEach((l, i) => assert.ok(Math.abs(l.loss - nodeLosses[i].loss) <= 1e-5 * Math.max(1, Math.abs(l.loss)), `epoch ${i + 1}: ${l.loss} vs ${nodeLosses[i].loss}`));
    }

    // The page's file in Node: loadCheckpoint, the CLI's reader of its preparation, `recur predict`.
    const opened = openInNode(downloaded);
    assert.equal(opened.prep.kind, 'series');
    assert.deepEqual(opened.run, { epochs: SUNSPOTS.epochs, batchSize: SUNSPOTS.batchSize, lr: SUNSPOTS.lr, clip: SUNSPOTS.clip, patience: null, seed: SUNSPOTS.seed });
    const cli = predictionsOf(await recurOk(['predict', '--model', downloaded, '--data', YEARLY.path]));
    assertSamePredictions(view.plot, cli);

    // `recur train` with the same settings trains the same model.
    await cliTrained;
    const fromCli = loadCheckpoint(cliSame());
    const fromPage = loadCheckpoint(downloaded);
    assert.deepEqual(fromCli.spec, fromPage.spec);
    assert.deepEqual(savedFromJson(fromCli.data, cliSame()), savedFromJson(fromPage.data, downloaded));
    if (pageBackend === nodeBackend) {
      for (const [name, w] of Object.entries(fromPage.weights)) {
        assert.deepEqual(fromCli.weights[name].data, w.data, `weight ${name} differs between the page and recur train`);
      }
      const history = (fromCli.training as { history: { epochs: { loss: number; valLoss: number | null }[] } }).history;
      assert.deepEqual(history.epochs.map((e) => ({ loss: e.loss, valLoss: e.valLoss })), losses);
    }
  });

  test('trains on a CSV dropped on the page', async () => {
    const rows = ['date,value,noise'];
    for (let i = 0; i < 160; i++) {
      const d = new Date(Date.UTC(2000, 0, 1 + i)).toISOString().slice(0, 10);
      rows.push(`${d},${i === 37 ? '' : (10 + 5 * Math.sin(i / 4)).toFixed(3)},${(i % 7) - 3}`);
    }
    const text = `${rows.join('\n')}\n`;
    const dataTransfer = await page.evaluateHandle((csv) => {
      const dt = new DataTransfer();
      dt.items.add(new File([csv], 'my-series.csv', { type: 'text/csv' }));
      return dt;
    }, text);
    await page.dispatchEvent('#drop', 'drop', { dataTransfer });
    await page.waitForFunction(() => (document.getElementById('dataset') as HTMLSelectElement).value === 'user-csv');
    assert.equal(await page.inputValue('#time'), 'date');
    await page.selectOption('#target', 'value');
    await page.selectOption('#missing', 'ffill');
    await page.fill('#window', '12');
    await page.fill('#epochs', '4');
    await page.click('#train');
    assert.equal(await waitForState(page, ['done', 'error']), 'done', (await page.textContent('#status')) ?? '');
    const losses = await epochLosses(page);
    assert.ok(losses[3].loss < losses[0].loss, `training loss did not fall on the CSV: ${losses.map((l) => l.loss).join(', ')}`);
    const view = await shownView(page);
    assert.ok(view.kind === 'series' && view.plot.column === 'value' && view.plot.labels[0] === '2000-01-01');
    assert.ok(Number(await page.getAttribute('#prediction-chart', 'data-points')) > 100);
  });

  test('opens a forecaster trained by recur train and shows recur predict\'s predictions', async () => {
    await cliTrained;
    await page.setInputFiles('#open-model', cliSeries());
    assert.equal(await waitForState(page, ['opened', 'error']), 'opened', (await page.textContent('#status')) ?? '');
    const info = (await page.textContent('#model-info')) ?? '';
    assert.match(info, /LSTM, hidden 10, 1 layer/);
    assert.ok(info.includes(`shown on${YEARLY.path}`), `the model is not shown on ${YEARLY.path}: ${info}`);
    const view = await shownView(page);
    assert.ok(view.kind === 'series');
    assertSamePredictions(view.plot, predictionsOf(await recurOk(['predict', '--model', cliSeries(), '--data', YEARLY.path])));
    // Bit for bit against the same code in Node, and the loss curve saved by recur train is drawn.
    const node = openInNode(cliSeries());
    const expected = seriesPlot(node.model, node.prep as SeriesPrep, (tableFor(node.prep as SeriesPrep, [{ name: YEARLY.path, csv: YEARLY_CSV }]) ?? assert.fail('no table')).table);
    if (pageBackend === getBackend().name) assert.deepEqual(view.plot.predicted, asJson(expected.predicted));
    const saved = loadCheckpoint(cliSeries()).training as { history: { epochs: { loss: number }[] } };
    assert.deepEqual((await epochLosses(page)).map((l) => l.loss), saved.history.epochs.map((e) => e.loss));
  });

  test('opens a language model trained by recur train and generates recur generate\'s text', async () => {
    await cliTrained;
    await page.setInputFiles('#open-model', cliText());
    assert.equal(await waitForState(page, ['opened', 'error']), 'opened', (await page.textContent('#status')) ?? '');
    const view = await shownView(page);
    assert.ok(view.kind === 'text');
    assert.equal(await page.isVisible('#sample'), true);
    const cli = await recurOk(['generate', '--model', cliText(), '--length', String(SAMPLE_LENGTH), '--seed', '5']);
    assert.equal(`${view.prompt}${view.sample}\n`, cli, 'the page and recur generate wrote different text from the same model and seed');
  });

  test('trains on Shakespeare without freezing the page, stops on request, and hands the model to recur generate', async () => {
    await page.selectOption('#dataset', 'shakespeare');
    await page.selectOption('#chars', '20000');
    await page.fill('#epochs', '200');
    await page.click('#train');
    await page.waitForFunction(() => document.querySelectorAll('#epoch-table tbody tr').length >= 2, undefined, { timeout: 30_000 });
    // For a second of training, the page's own thread stays free: no long tasks (> 50 ms, which
    // training steps on this thread would be) and its timers fire on time.
    const { lag, longTasksMs } = await page.evaluate(async () => {
      let total = 0;
      const observer = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) total += e.duration;
      });
      observer.observe({ type: 'longtask' });
      let worst = 0;
      for (let i = 0; i < 40; i++) {
        const t0 = performance.now();
        await new Promise((r) => setTimeout(r, 25));
        worst = Math.max(worst, performance.now() - t0 - 25);
      }
      observer.disconnect();
      return { lag: worst, longTasksMs: total };
    });
    assert.equal(await page.getAttribute('#status', 'data-state'), 'training', 'training ended before the responsiveness check');
    assert.ok(longTasksMs < 200, `the page's thread was blocked ${longTasksMs.toFixed(0)} ms in long tasks during 1 s of training`);
    assert.ok(lag < 250, `a 25 ms timer on the page fired ${lag.toFixed(0)} ms late while the worker trained`);
    const sample = await shownView(page);
    assert.ok(sample.kind === 'text' && sample.sample.length === SAMPLE_LENGTH, 'no generated text after two epochs');
    const stopAt = Date.now();
    await page.click('#stop');
    assert.equal(await waitForState(page, ['stopped', 'error'], 10_000), 'stopped', (await page.textContent('#status')) ?? '');
    assert.ok(Date.now() - stopAt < 3000, `stopping took ${Date.now() - stopAt} ms`);
    await page.screenshot({ path: join(SCREENSHOTS, 'playground-shakespeare.png'), fullPage: true });
    const path = await download(page, dir, 'page-shakespeare.recur');
    assert.equal(openInNode(path).prep.kind, 'text');
    const text = await recurOk(['generate', '--model', path, '--length', '80']);
    assert.ok(text.startsWith('\n') && text.length > 40, `recur generate wrote ${JSON.stringify(text)}`);
    assert.deepEqual(pageErrors, []);
  });
});
