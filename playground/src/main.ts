/**
 * The playground page: reads the controls, hands work to the worker (worker.ts) and draws what
 * comes back. Nothing heavy runs on this thread.
 *
 * For tests and curious users the page keeps its numbers in the DOM at full precision:
 *   #status[data-state]            idle | training | stopping | opening | done | stopped | opened | error
 *   #epoch-table tbody tr[data-loss]  each epoch's training loss (and data-val-loss)
 *   #loss-chart[data-points]       points drawn on the loss chart
 *   #prediction[data-view]         JSON of the last predictions or text sample shown
 *   #speed[data-steps-per-second]  training speed of the last run
 */
import type { CellKind, ModelSpec } from '../../src/browser.ts';
import type { MissingSetting } from '../../src/cli/pipeline/prep.ts';
import type { TargetScores } from '../../src/cli/pipeline/series.ts';
import { drawChart, type Band, type LineSeries, type Point } from './charts.ts';
import { SHIPPED, textPrefix, type Shipped } from './datasets.ts';
import type { FromWorker, ModelInfo, ToWorker } from './protocol.ts';
import { DEFAULTS, csvColumns, type CsvFile, type DataSource, type EpochUpdate, type TrainSettings, type View } from './trainer.ts';

// ---- Elements.

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const e = document.getElementById(id);
  if (!(e instanceof type)) throw new Error(`playground: #${id} is missing or not a ${type.name}`);
  return e;
}

const ui = {
  backend: byId('backend', HTMLElement),
  dataset: byId('dataset', HTMLSelectElement),
  drop: byId('drop', HTMLDivElement),
  csvFile: byId('csv-file', HTMLInputElement),
  csvOptions: byId('csv-options', HTMLDivElement),
  target: byId('target', HTMLSelectElement),
  time: byId('time', HTMLSelectElement),
  missing: byId('missing', HTMLSelectElement),
  charsRow: byId('chars-row', HTMLLabelElement),
  chars: byId('chars', HTMLSelectElement),
  dataNote: byId('data-note', HTMLParagraphElement),
  cell: byId('cell', HTMLSelectElement),
  hidden: byId('hidden', HTMLInputElement),
  layers: byId('layers', HTMLInputElement),
  windowLabel: byId('window-label', HTMLSpanElement),
  window: byId('window', HTMLInputElement),
  embeddingRow: byId('embedding-row', HTMLLabelElement),
  embedding: byId('embedding', HTMLInputElement),
  epochs: byId('epochs', HTMLInputElement),
  batch: byId('batch', HTMLInputElement),
  lr: byId('lr', HTMLInputElement),
  clip: byId('clip', HTMLInputElement),
  seed: byId('seed', HTMLInputElement),
  train: byId('train', HTMLButtonElement),
  stop: byId('stop', HTMLButtonElement),
  download: byId('download', HTMLButtonElement),
  openModel: byId('open-model', HTMLInputElement),
  status: byId('status', HTMLDivElement),
  speed: byId('speed', HTMLSpanElement),
  lossChart: byId('loss-chart', HTMLCanvasElement),
  prediction: byId('prediction', HTMLElement),
  predictionCaption: byId('prediction-caption', HTMLElement),
  predictionChart: byId('prediction-chart', HTMLCanvasElement),
  sample: byId('sample', HTMLPreElement),
  epochsBody: byId('epoch-table', HTMLTableElement).tBodies[0],
  modelInfo: byId('model-info', HTMLDivElement),
};

// ---- State.

type State = 'idle' | 'training' | 'stopping' | 'opening' | 'done' | 'stopped' | 'opened' | 'error';

const USER_CSV = 'user-csv';
let workerReady = false;
let state: State = 'idle';
/** Text of the shipped files fetched so far, by id. */
const fetched = new Map<string, string>();
let userCsv: CsvFile | null = null;
/** The model file on offer for download. */
let modelFile: { bytes: Uint8Array<ArrayBuffer>; name: string } | null = null;
let epochs: { epoch: number; loss: number; valLoss: number | null }[] = [];
let stepPoints: Point[] = [];
let stepsPerEpoch = 1;
let lastView: View | null = null;
let lastCaption = '';
let runName = '';
/** The last finished epoch, for the status line. */
let lastEpochText = '';

// ---- Status and drawing.

function setStatus(s: State, text: string): void {
  state = s;
  ui.status.dataset.state = s;
  ui.status.textContent = text;
  const busy = s === 'training' || s === 'stopping' || s === 'opening';
  ui.train.disabled = busy || !workerReady;
  ui.stop.disabled = s !== 'training';
  ui.openModel.disabled = busy;
  ui.dataset.disabled = busy;
  ui.download.disabled = busy || modelFile === null;
}

function fmt(v: number | null, digits = 4): string {
  if (v === null || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : v.toFixed(digits);
}

function drawLoss(): void {
  const series: LineSeries[] = [
    { label: 'step loss', points: stepPoints, color: '#b9c7e6', width: 1 },
    { label: 'training loss', points: epochs.map((e) => ({ x: e.epoch, y: e.loss })), color: '#2f6fde', width: 2, dots: true },
    {
      label: 'validation loss',
      points: epochs.filter((e) => e.valLoss !== null).map((e) => ({ x: e.epoch, y: e.valLoss ?? NaN })),
      color: '#e07a1f', width: 2, dots: true,
    },
  ];
  const n = drawChart(ui.lossChart, { series, xTitle: 'epoch', yTitle: 'loss', integerX: true, empty: 'the loss appears here, epoch by epoch' });
  ui.lossChart.dataset.points = String(n);
}

function drawView(view: View | null, caption: string): void {
  lastView = view;
  lastCaption = caption;
  ui.prediction.dataset.view = view === null ? '' : JSON.stringify(view);
  if (view === null) {
    ui.sample.hidden = true;
    ui.predictionChart.hidden = false;
    ui.predictionCaption.textContent = caption;
    ui.predictionChart.dataset.points = String(drawChart(ui.predictionChart, { series: [], xTitle: '', yTitle: '', empty: caption }));
    return;
  }
  if (view.kind === 'text') {
    ui.predictionChart.hidden = true;
    ui.sample.hidden = false;
    ui.predictionCaption.textContent = `Generated text ${caption}`;
    ui.sample.textContent = view.prompt + view.sample;
    return;
  }
  ui.sample.hidden = true;
  ui.predictionChart.hidden = false;
  const p = view.plot;
  const R = p.actual.length;
  ui.predictionCaption.textContent = `${p.column}: one step ahead ${caption}, then ${p.forecast.values.length} steps forecast with its own predictions fed back`;
  const labels = [...p.labels, ...p.forecast.labels];
  const bands: Band[] = [
    { from: p.trainEnd - 0.5, to: p.validationEnd - 0.5, label: 'validation', color: 'rgba(224, 122, 31, 0.08)' },
    { from: p.validationEnd - 0.5, to: R - 0.5, label: 'test (held out)', color: 'rgba(47, 158, 90, 0.09)' },
  ];
  const n = drawChart(ui.predictionChart, {
    series: [
      { label: 'actual', points: p.actual.map((y, x) => ({ x, y })), color: '#8a90a0', width: 1.2 },
      { label: 'predicted', points: p.predicted.map((y, x) => ({ x, y })), color: '#2f6fde', width: 1.5 },
      { label: 'forecast', points: [{ x: R - 1, y: p.actual[R - 1] }, ...p.forecast.values.map((y, k) => ({ x: R + k, y }))], color: '#d1495b', width: 1.8, dash: [5, 3] },
    ],
    bands,
    xTitle: p.labelName,
    yTitle: p.column,
    xTickLabel: (x) => labels[Math.round(x)] ?? '',
  });
  ui.predictionChart.dataset.points = String(n);
}

function addEpochRow(u: { epoch: number; loss: number; valLoss: number | null; seconds?: number }): void {
  const tr = document.createElement('tr');
  tr.dataset.loss = String(u.loss);
  tr.dataset.valLoss = u.valLoss === null ? '' : String(u.valLoss);
  for (const text of [String(u.epoch), fmt(u.loss), fmt(u.valLoss), u.seconds === undefined ? '' : u.seconds.toFixed(2)]) {
    const td = document.createElement('td');
    td.textContent = text;
    tr.append(td);
  }
  ui.epochsBody.append(tr);
  tr.scrollIntoView({ block: 'nearest' });
}

function describeCell(spec: ModelSpec): string {
  const cell = spec.cell.toUpperCase();
  return `${spec.bidirectional ? 'bidirectional ' : ''}${cell}, hidden ${spec.hiddenSize}, ${spec.numLayers} layer${spec.numLayers === 1 ? '' : 's'}` +
    (spec.dropout > 0 ? `, dropout ${spec.dropout}` : '');
}

function showInfo(info: ModelInfo, extra: [string, string][] = []): void {
  const rows: [string, string][] = [
    ['file', `${info.name} (${(info.fileBytes / 1024).toFixed(1)} KiB)`],
    ['task', info.spec.task],
    ['model', describeCell(info.spec)],
    ['parameters', info.parameters.toLocaleString('en')],
  ];
  const p = info.prep;
  if (p.kind === 'series') {
    rows.push(['reads', `${p.window} steps of ${p.inputs.join(', ')}`], ['predicts', `${p.targets.join(', ')}, ${p.horizon} step${p.horizon === 1 ? '' : 's'} ahead`]);
  } else if (p.kind === 'text') {
    rows.push(['vocabulary', `${p.vocabulary.tokens.length} ${p.vocabulary.level === 'char' ? 'characters' : 'words'} (4 specials)`], ['window', `${p.window} characters`]);
  } else {
    rows.push(['reads', `${p.inputs.join(', ')} per row of each ${p.groupBy}`], ['classes', p.classes.join(', ')]);
  }
  rows.push(['trained on', p.source]);
  if (info.run !== null) {
    const r = info.run;
    rows.push(['settings', `${r.epochs} epochs, batch ${r.batchSize}, lr ${r.lr}${r.clip === null ? '' : `, clip ${r.clip}`}, seed ${r.seed}`]);
  }
  rows.push(['shown on', info.shownOn], ...extra);
  const h = document.createElement('h3');
  h.textContent = 'Model';
  const dl = document.createElement('dl');
  for (const [k, v] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
  ui.modelInfo.replaceChildren(h, dl);
}

function scoresText(scores: TargetScores[]): string {
  return scores.map((s) => `${s.column}: RMSE ${fmt(s.model.rmse, 2)} (persistence ${fmt(s.persistence.rmse, 2)}), MAE ${fmt(s.model.mae, 2)}`).join('; ');
}

// ---- Data.

function shipped(id: string): Shipped | undefined {
  return SHIPPED.find((d) => d.id === id);
}

async function shippedText(d: Shipped): Promise<string> {
  const have = fetched.get(d.id);
  if (have !== undefined) return have;
  const res = await fetch(`data/${d.file}`);
  if (!res.ok) throw new Error(`could not load data/${d.file} from the page's server (HTTP ${res.status})`);
  const text = await res.text();
  fetched.set(d.id, text);
  return text;
}

function kindOf(id: string): DataSource['kind'] {
  return shipped(id)?.kind ?? 'series';
}

function fillSelect(select: HTMLSelectElement, options: readonly [string, string][], selected: string): void {
  select.replaceChildren(...options.map(([value, text]) => {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    o.selected = value === selected;
    return o;
  }));
}

function applyDefaults(kind: DataSource['kind']): void {
  const d = DEFAULTS[kind];
  ui.cell.value = d.cell;
  ui.hidden.value = String(d.hiddenSize);
  ui.layers.value = String(d.numLayers);
  ui.window.value = String(d.window);
  ui.embedding.value = String(d.embeddingDim);
  ui.epochs.value = String(d.epochs);
  ui.batch.value = String(d.batchSize);
  ui.lr.value = String(d.lr);
  ui.clip.value = String(d.clip ?? 0);
  ui.seed.value = String(d.seed);
}

/** Show the controls of the selected dataset. */
function onDatasetChange(keepSettings = false): void {
  const id = ui.dataset.value;
  const d = shipped(id);
  const kind = kindOf(id);
  ui.csvOptions.hidden = id !== USER_CSV;
  ui.charsRow.hidden = kind !== 'text';
  ui.embeddingRow.hidden = kind !== 'text';
  ui.windowLabel.textContent = kind === 'text' ? 'Sequence length' : 'Window (steps)';
  ui.dataNote.textContent = d !== undefined ? d.note : userCsv === null ? 'Drop a CSV first.' : `${userCsv.name}: ${csvColumns(userCsv.csv).length} columns`;
  if (!keepSettings) applyDefaults(kind);
}

function loadUserCsv(name: string, csv: string): void {
  const columns = csvColumns(csv);
  if (columns.length === 0) {
    setStatus('error', `${name}: the first line is empty; expected a header line with column names`);
    return;
  }
  userCsv = { name, csv };
  // Guess: the time column is the first one if its name says so; the target the last other column.
  const timeLike = /^(year|month|date|day|time|timestamp|datetime|period|ds)$/i;
  const time = timeLike.test(columns[0]) ? columns[0] : '';
  const target = [...columns].reverse().find((c) => c !== time) ?? columns[0];
  fillSelect(ui.target, columns.map((c) => [c, c]), target);
  fillSelect(ui.time, [['', '(none: number the rows)'], ...columns.map((c): [string, string] => [c, c])], time);
  const option = Array.from(ui.dataset.options).find((o) => o.value === USER_CSV);
  if (option !== undefined) option.textContent = `Your CSV: ${name}`;
  ui.dataset.value = USER_CSV;
  onDatasetChange();
  setStatus('idle', `Loaded ${name} (${columns.length} columns). Pick the target column and press Train.`);
}

async function readFileText(file: File): Promise<string> {
  return file.text();
}

async function currentSource(): Promise<DataSource> {
  const id = ui.dataset.value;
  if (id === USER_CSV) {
    if (userCsv === null) throw new Error('drop a CSV file first, or pick a shipped dataset');
    const missing = ui.missing.value as Exclude<MissingSetting, { fill: number }>;
    return { kind: 'series', name: userCsv.name, csv: userCsv.csv, target: ui.target.value, time: ui.time.value === '' ? null : ui.time.value, missing };
  }
  const d = shipped(id);
  if (d === undefined) throw new Error(`unknown dataset ${id}`);
  const text = await shippedText(d);
  if (d.kind === 'series') return { kind: 'series', name: d.path, csv: text, target: d.target, time: d.time, missing: 'error' };
  const chars = Number(ui.chars.value);
  return { kind: 'text', name: `${d.path} (first ${chars.toLocaleString('en')} characters)`, text: textPrefix(text, chars) };
}

/** Every CSV the page can offer an opened model: the user's, then the shipped series. */
async function csvCandidates(): Promise<CsvFile[]> {
  const out: CsvFile[] = userCsv === null ? [] : [userCsv];
  for (const d of SHIPPED) if (d.kind === 'series') out.push({ name: d.path, csv: await shippedText(d) });
  return out;
}

// ---- Settings.

function intOf(input: HTMLInputElement, name: string, min: number, max: number): number {
  const v = Number(input.value);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} is ${JSON.stringify(input.value)}, expected a whole number from ${min} to ${max}`);
  return v;
}

function numberOf(input: HTMLInputElement, name: string): number {
  const v = Number(input.value);
  if (input.value.trim() === '' || !Number.isFinite(v) || v < 0) throw new Error(`${name} is ${JSON.stringify(input.value)}, expected a number ≥ 0`);
  return v;
}

function readSettings(): TrainSettings {
  const lr = numberOf(ui.lr, 'learning rate');
  if (lr === 0) throw new Error('learning rate is 0: the model would not learn; try 0.01');
  const clip = numberOf(ui.clip, 'clip norm');
  return {
    cell: ui.cell.value as CellKind,
    hiddenSize: intOf(ui.hidden, 'hidden size', 1, 1024),
    numLayers: intOf(ui.layers, 'layers', 1, 4),
    window: intOf(ui.window, ui.windowLabel.textContent ?? 'window', 1, 1000),
    embeddingDim: intOf(ui.embedding, 'embedding size', 1, 512),
    epochs: intOf(ui.epochs, 'epochs', 1, 10000),
    batchSize: intOf(ui.batch, 'batch size', 1, 4096),
    lr,
    clip: clip === 0 ? null : clip,
    seed: intOf(ui.seed, 'seed', 0, 2 ** 31 - 1),
  };
}

// ---- The worker.

const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

function send(message: ToWorker, transfer: Transferable[] = []): void {
  worker.postMessage(message, transfer);
}

function fileNameFor(source: DataSource, s: TrainSettings): string {
  const base = source.kind === 'text' ? 'shakespeare' : (source.name.split('/').pop() ?? 'model').replace(/\.[^.]*$/, '');
  return `${base}-${s.cell}-h${s.hiddenSize}.recur`;
}

async function startTraining(): Promise<void> {
  let source: DataSource;
  let settings: TrainSettings;
  try {
    settings = readSettings();
    setStatus('training', 'Loading the data…');
    source = await currentSource();
  } catch (e) {
    setStatus('error', e instanceof Error ? e.message : String(e));
    return;
  }
  epochs = [];
  stepPoints = [];
  lastEpochText = '';
  ui.epochsBody.replaceChildren();
  ui.speed.textContent = '';
  delete ui.speed.dataset.stepsPerSecond;
  drawLoss();
  drawView(null, 'predictions appear after the first epoch');
  runName = fileNameFor(source, settings);
  setStatus('training', `Preparing ${source.name}…`);
  send({ type: 'train', source, settings });
}

function onEpoch(u: EpochUpdate): void {
  epochs.push({ epoch: u.epoch, loss: u.loss, valLoss: u.valLoss });
  addEpochRow(u);
  drawLoss();
  if (u.view !== null) drawView(u.view, `after epoch ${u.epoch}`);
  lastEpochText = `epoch ${u.epoch}/${u.epochs}: loss ${fmt(u.loss)}, validation ${fmt(u.valLoss)}, ${(u.steps / u.seconds).toFixed(1)} steps/s`;
  if (state === 'training') setStatus('training', `Training: ${lastEpochText}`);
}

worker.onmessage = (event: MessageEvent<FromWorker>) => {
  const m = event.data;
  switch (m.type) {
    case 'ready':
      workerReady = true;
      ui.backend.textContent = `kernels: ${m.backend === 'wasm' ? 'WebAssembly SIMD' : 'JavaScript'} (in a worker)`;
      ui.backend.dataset.backend = m.backend;
      setStatus(state, ui.status.textContent ?? '');
      break;
    case 'prepared':
      stepsPerEpoch = Math.max(1, m.stepsPerEpoch);
      setStatus('training', `${m.summary}. Model: ${describeCell(m.spec)}, ${m.parameters.toLocaleString('en')} parameters. Training…`);
      break;
    case 'steps': {
      for (const s of m.steps) stepPoints.push({ x: s.epoch - 1 + s.batch / stepsPerEpoch, y: s.loss });
      const last = m.steps[m.steps.length - 1];
      if (epochs.length === 0) drawLoss(); // later steps are drawn with their epoch
      if (state === 'training' && last !== undefined) {
        setStatus('training', `Training: epoch ${last.epoch}, step ${last.step}, loss ${fmt(last.loss)}${lastEpochText === '' ? '' : ` · ${lastEpochText}`}`);
      }
      break;
    }
    case 'epoch':
      onEpoch(m.update);
      break;
    case 'done': {
      modelFile = { bytes: new Uint8Array(m.bytes), name: runName };
      ui.speed.textContent = `· ${m.stepsPerSecond.toFixed(1)} steps/s`;
      ui.speed.dataset.stepsPerSecond = String(m.stepsPerSecond);
      const why = m.stopReason === 'aborted' ? 'Stopped' : m.stopReason === 'early-stopping' ? 'Stopped early (no improvement)' : 'Done';
      const scores = m.testScores === null ? '' : ` Held-out test: ${scoresText(m.testScores)}.`;
      showInfo({ ...m.info, name: runName }, m.testScores === null ? [] : [['test scores', scoresText(m.testScores)]]);
      setStatus(m.stopReason === 'aborted' ? 'stopped' : 'done', `${why} after ${epochs.length} epoch${epochs.length === 1 ? '' : 's'}.${scores} Download the model, or train again.`);
      break;
    }
    case 'opened': {
      modelFile = { bytes: new Uint8Array(m.bytes), name: m.info.name };
      epochs = m.info.losses.map((e) => ({ ...e }));
      stepPoints = [];
      ui.epochsBody.replaceChildren();
      for (const e of epochs) addEpochRow(e);
      drawLoss();
      drawView(m.view, m.view === null ? m.info.shownOn : `on ${m.info.shownOn}`);
      showInfo(m.info);
      setStatus('opened', `Opened ${m.info.name}: ${describeCell(m.info.spec)}, ${m.info.parameters.toLocaleString('en')} parameters.`);
      break;
    }
    case 'error':
      setStatus('error', m.during === 'open' ? `Could not open the model: ${m.message}` : `Training failed: ${m.message}`);
      break;
  }
};

worker.onerror = (e) => {
  setStatus('error', `The worker failed: ${e.message || 'it could not load (see the console)'}`);
};

// ---- Wiring.

fillSelect(ui.dataset, [...SHIPPED.map((d): [string, string] => [d.id, d.title]), [USER_CSV, 'Your CSV (drop one)']], SHIPPED[0].id);
onDatasetChange();
drawLoss();
drawView(null, 'predictions appear after the first epoch');

ui.dataset.addEventListener('change', () => onDatasetChange());
ui.train.addEventListener('click', () => void startTraining());
ui.stop.addEventListener('click', () => {
  send({ type: 'stop' });
  setStatus('stopping', 'Stopping after the current step…');
});
ui.download.addEventListener('click', () => {
  if (modelFile === null) return;
  const url = URL.createObjectURL(new Blob([modelFile.bytes], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = modelFile.name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
});
ui.openModel.addEventListener('change', () => {
  const file = ui.openModel.files?.[0];
  ui.openModel.value = '';
  if (file === undefined) return;
  void (async () => {
    setStatus('opening', `Opening ${file.name}…`);
    const bytes = await file.arrayBuffer();
    send({ type: 'open', name: file.name, bytes, candidates: await csvCandidates() }, [bytes]);
  })();
});
ui.csvFile.addEventListener('change', () => {
  const file = ui.csvFile.files?.[0];
  ui.csvFile.value = '';
  if (file !== undefined) void readFileText(file).then((text) => loadUserCsv(file.name, text));
});
ui.drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  ui.drop.classList.add('over');
});
ui.drop.addEventListener('dragleave', () => ui.drop.classList.remove('over'));
ui.drop.addEventListener('drop', (e) => {
  e.preventDefault();
  ui.drop.classList.remove('over');
  const file = e.dataTransfer?.files[0];
  if (file !== undefined) void readFileText(file).then((text) => loadUserCsv(file.name, text));
});
window.addEventListener('resize', () => {
  drawLoss();
  if (lastView !== null && lastView.kind === 'series') drawView(lastView, lastCaption);
});
