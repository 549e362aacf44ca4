/**
 * The training worker: all model work runs here, so the page stays responsive however long an
 * epoch takes. It answers ToWorker messages with FromWorker messages (protocol.ts); a 'stop'
 * arrives between steps because fit() yields to the event loop every few tens of milliseconds.
 */
import { initBackend } from '../../src/browser.ts';
import type { FromWorker, ModelInfo, ToWorker } from './protocol.ts';
import { openModel, parameterCount, prepare, tableFor, train, viewOf, type CsvFile, type DataSource, type TrainSettings } from './trainer.ts';

/** The parts of DedicatedWorkerGlobalScope used here (the DOM lib types `self` as a Window). */
interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
}
const scope = self as unknown as WorkerScope;

/** Minimum time between two 'steps' messages. */
const STEP_MESSAGE_MS = 100;

let running: AbortController | null = null;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(message, transfer);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A copy of `bytes` in an ArrayBuffer of its own, to transfer. */
function ownBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

async function runTraining(source: DataSource, settings: TrainSettings): Promise<void> {
  if (running !== null) {
    post({ type: 'error', message: 'a training run is already in progress; stop it first', during: 'train' });
    return;
  }
  const controller = new AbortController();
  running = controller;
  try {
    const prepared = prepare(source, settings);
    let steps: { epoch: number; batch: number; step: number; loss: number }[] = [];
    let lastFlush = performance.now();
    const flush = (): void => {
      if (steps.length > 0) post({ type: 'steps', steps });
      steps = [];
      lastFlush = performance.now();
    };
    const result = await train(prepared, settings, {
      onStart: (model) => post({
        type: 'prepared', summary: prepared.summary, spec: prepared.spec, parameters: parameterCount(model),
        stepsPerEpoch: Math.ceil(prepared.train.size / settings.batchSize),
      }),
      onStep: (s) => {
        steps.push({ epoch: s.epoch, batch: s.batch, step: s.step, loss: s.loss });
        if (performance.now() - lastFlush >= STEP_MESSAGE_MS) flush();
      },
      onEpoch: (update) => {
        flush();
        post({ type: 'epoch', update });
      },
    }, controller.signal);
    flush();
    const info: ModelInfo = {
      name: `${source.name} (trained here)`, spec: prepared.spec, parameters: parameterCount(result.model), prep: prepared.prep,
      run: null, fileBytes: result.bytes.length, losses: [], shownOn: source.name,
    };
    const bytes = ownBuffer(result.bytes);
    post({ type: 'done', stopReason: result.history.stopReason, stepsPerSecond: result.stepsPerSecond, testScores: result.testScores, bytes, info }, [bytes]);
  } catch (e) {
    post({ type: 'error', message: messageOf(e), during: 'train' });
  } finally {
    running = null;
  }
}

function open(name: string, buffer: ArrayBuffer, candidates: CsvFile[]): void {
  try {
    const bytes = new Uint8Array(buffer);
    const o = openModel(bytes, name);
    let shownOn = 'generated from the model alone';
    let view = null;
    if (o.prep.kind === 'series') {
      const found = tableFor(o.prep, candidates);
      shownOn = found === null
        ? `no loaded data has the column${o.prep.inputs.length === 1 ? '' : 's'} ${o.prep.inputs.join(', ')}: drop such a CSV to see predictions`
        : found.source.name;
      view = found === null ? null : viewOf(o.model, o.prep, found.table, o.run?.seed ?? 0);
    } else if (o.prep.kind === 'text') {
      view = viewOf(o.model, o.prep, null, o.run?.seed ?? 0);
    } else {
      shownOn = `a ${o.prep.task} model over groups of rows: the playground shows its details only`;
    }
    const info: ModelInfo = {
      name, spec: o.spec, parameters: parameterCount(o.model), prep: o.prep, run: o.run, fileBytes: bytes.length, losses: o.losses, shownOn,
    };
    const copy = ownBuffer(bytes);
    post({ type: 'opened', info, view, bytes: copy }, [copy]);
  } catch (e) {
    post({ type: 'error', message: `${name}: ${messageOf(e)}`, during: 'open' });
  }
}

scope.onmessage = (event) => {
  const m = event.data;
  switch (m.type) {
    case 'train':
      void runTraining(m.source, m.settings);
      break;
    case 'stop':
      running?.abort();
      break;
    case 'open':
      open(m.name, m.bytes, m.candidates);
      break;
  }
};

post({ type: 'ready', backend: (await initBackend()).name });
