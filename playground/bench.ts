/**
 * Training speed of the playground in Chromium (its Web Worker) next to Node, for the same
 * configurations, seeds and code (playground/src/trainer.ts). Steps per second over all epochs,
 * training and validation time, excluding the per-epoch plot or text sample; each configuration
 * runs ROUNDS times alternating page and Node, and the best round of each is shown (on a shared
 * machine the best is the least disturbed).
 *
 * Usage: node --import tsx playground/bench.ts   (needs /usr/bin/chromium)
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { getBackend } from '../src/kernels/backend.ts';
import { ROOT, buildPlayground } from './build.ts';
import { serveStatic } from './serve.ts';
import { SHIPPED, textPrefix } from './src/datasets.ts';
import { prepare, train, type DataSource, type TrainSettings } from './src/trainer.ts';

interface Case {
  name: string;
  dataset: string;
  chars: number | null;
  settings: TrainSettings;
}

const ROUNDS = 3;

const CASES: Case[] = [
  {
    name: 'sunspots yearly, LSTM 32, window 20, batch 16, 10 epochs', dataset: 'sunspots-yearly', chars: null,
    settings: { cell: 'lstm', hiddenSize: 32, numLayers: 1, window: 20, embeddingDim: 16, epochs: 10, batchSize: 16, lr: 0.01, clip: 1, seed: 7 },
  },
  {
    name: 'Shakespeare 50k chars, GRU 64, seq 64, batch 32, 1 epoch', dataset: 'shakespeare', chars: 50_000,
    settings: { cell: 'gru', hiddenSize: 64, numLayers: 1, window: 64, embeddingDim: 16, epochs: 1, batchSize: 32, lr: 0.005, clip: 1, seed: 7 },
  },
  {
    name: 'Shakespeare 50k chars, LSTM 128, seq 64, batch 32, 1 epoch', dataset: 'shakespeare', chars: 50_000,
    settings: { cell: 'lstm', hiddenSize: 128, numLayers: 1, window: 64, embeddingDim: 16, epochs: 1, batchSize: 32, lr: 0.005, clip: 1, seed: 7 },
  },
];

function sourceOf(c: Case): DataSource {
  const d = SHIPPED.find((s) => s.id === c.dataset);
  if (d === undefined) throw new Error(`no dataset ${c.dataset}`);
  const text = readFileSync(join(ROOT, d.path), 'utf8');
  if (d.kind === 'series') return { kind: 'series', name: d.path, csv: text, target: d.target, time: d.time, missing: 'error' };
  const chars = c.chars ?? d.maxChars;
  return { kind: 'text', name: `${d.path} (first ${chars.toLocaleString('en')} characters)`, text: textPrefix(textPrefix(text, d.maxChars), chars) };
}

const dir = mkdtempSync(join(tmpdir(), 'recur-bench-'));
try {
  await buildPlayground(join(dir, 'site'));
  const served = await serveStatic(join(dir, 'site'));
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(served.url);
  await page.waitForSelector('#backend[data-backend]');
  const workerBackend = await page.getAttribute('#backend', 'data-backend');
  const mainBackend = await page.evaluate(async () => {
    const lib = (await import(new URL('recur.js', location.href).href)) as { getBackend(): { name: string } };
    return lib.getBackend().name;
  });
  const browser = await page.evaluate(() => navigator.userAgent);
  console.log(`Chromium: ${browser}\nkernels: page worker ${workerBackend}, page main thread ${mainBackend}, Node ${process.version} ${getBackend().name}\n`);
  console.log('| configuration | Chromium worker steps/s | Node steps/s |');
  console.log('|---|---:|---:|');
  for (const c of CASES) {
    const s = c.settings;
    await page.selectOption('#dataset', c.dataset);
    if (c.chars !== null) await page.selectOption('#chars', String(c.chars));
    await page.selectOption('#cell', s.cell);
    const fields: [string, number][] = [
      ['#hidden', s.hiddenSize], ['#layers', s.numLayers], ['#window', s.window], ['#embedding', s.embeddingDim],
      ['#epochs', s.epochs], ['#batch', s.batchSize], ['#lr', s.lr], ['#clip', s.clip ?? 0], ['#seed', s.seed],
    ];
    for (const [sel, v] of fields) if (await page.isVisible(sel)) await page.fill(sel, String(v));
    let inPage = 0;
    let inNode = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await page.click('#train');
      await page.waitForSelector('#status[data-state="done"], #status[data-state="error"]', { timeout: 600_000 });
      if ((await page.getAttribute('#status', 'data-state')) === 'error') throw new Error(`${c.name}: ${await page.textContent('#status')}`);
      inPage = Math.max(inPage, Number(await page.getAttribute('#speed', 'data-steps-per-second')));
      inNode = Math.max(inNode, (await train(prepare(sourceOf(c), s), s)).stepsPerSecond);
    }
    console.log(`| ${c.name} | ${inPage.toFixed(1)} | ${inNode.toFixed(1)} |`);
  }
  await context.close();
  await served.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
