/**
 * What every kind of `recur train` run shares, whichever trainer runs it (`fit` for the preset
 * models, `trainSeq2Seq` for translators): the run settings, checks before hours of training
 * (the output folder, that a --resume continues the same run), Ctrl-C, the loss curve and the
 * report.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadCheckpoint, type Checkpoint, type History } from '../../index.ts';
import { asciiCurve, writeReport, type Report } from '../../report/index.ts';
import { CliError, EXIT_INTERRUPTED, UsageError } from '../errors.ts';
import { say } from '../output.ts';
import { trainingSummary } from '../pipeline/history.ts';
import { savedFromJson, savedToJson, type DataPrep } from '../pipeline/prep.ts';
import { RUN_FLAGS, type RunSettings } from '../pipeline/run.ts';
import type { TrainFlags } from './train-modes.ts';

/** The run settings the flags ask for. */
export function runSettings(f: TrainFlags): RunSettings {
  return { epochs: f.epochs, batchSize: f.batchSize, lr: f.lr, clip: f.clip === false ? null : f.clip, patience: f.patience ?? null, seed: f.seed };
}

/** Spec keys (dotted for nested ones) and the flag that sets each. */
const SPEC_FLAGS: Readonly<Record<string, string>> = {
  cell: '--cell', hiddenSize: '--hidden', numLayers: '--layers', bidirectional: '--bidirectional', dropout: '--dropout', embeddingDim: '--embedding', seed: '--seed',
  'encoder.cell': '--cell', 'encoder.hiddenSize': '--hidden', 'encoder.numLayers': '--layers', 'encoder.bidirectional': '--bidirectional',
  'decoder.cell': '--cell', 'decoder.hiddenSize': '--hidden', 'decoder.numLayers': '--layers', 'attention.kind': '--attention', 'attention.size': '--attention',
};
const PREP_FLAGS: Readonly<Record<string, string>> = {
  inputs: '--inputs', targets: '--target', window: '--window', horizon: '--horizon', time: '--time', missing: '--missing', split: '--split',
  groupBy: '--group-by', sortBy: '--sort-by', label: '--label', task: '--task', seed: '--seed',
  sourceColumn: '--source', targetColumn: '--target', units: '--units', maxVocab: '--max-vocab', maxTokens: '--max-tokens',
};

const KIND_TEXT: Readonly<Record<DataPrep['kind'], string>> = { series: 'a time series', groups: 'sequences', text: 'text', pairs: 'sentence pairs' };

/** A JSON-like object with nested objects flattened to dotted keys: { a: { b: 1 } } → { 'a.b': 1 }. */
function flatten(v: object, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, x] of Object.entries(v)) {
    if (typeof x === 'object' && x !== null && !Array.isArray(x)) flatten(x, `${prefix}${k}.`, out);
    else out[`${prefix}${k}`] = x;
  }
  return out;
}

/** The first key whose value differs between two JSON-like records. */
function firstDifference(a: object, b: object, skip: readonly string[] = []): string | null {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
    if (!skip.includes(k) && JSON.stringify(x[k]) !== JSON.stringify(y[k])) return k;
  }
  return null;
}

/**
 * Check that a --resume continues the run saved in `out`; returns the checkpoint to resume from.
 * The data preparation is compared first: a flag such as --inputs or --units also changes sizes
 * in the spec, and the flag is the better thing to name.
 */
export function checkResume(out: string, spec: object, prep: DataPrep, run: RunSettings): Checkpoint {
  if (!existsSync(out)) throw new UsageError(`--resume: there is no ${out} to continue; drop --resume to start a new run`, 'train');
  const ckpt = loadCheckpoint(out);
  const saved = savedFromJson(ckpt.data, out);
  const fix = 'use the flags it was trained with (only --epochs may change), or drop --resume to start afresh';
  const show = (v: unknown): string => (v === undefined || v === null ? 'none' : JSON.stringify(v));
  const savedPrep = saved.prep as unknown as Record<string, unknown>;
  const newPrep = prep as unknown as Record<string, unknown>;
  const kp = firstDifference(savedPrep, newPrep, ['source']);
  if (kp === 'kind') throw new UsageError(`--resume: ${out} was trained on ${KIND_TEXT[saved.prep.kind]}, this run reads ${KIND_TEXT[prep.kind]}; ${fix}`, 'train');
  if (kp === 'scaler' && 'scaler' in saved.prep && 'scaler' in prep && saved.prep.scaler.kind !== prep.scaler.kind) {
    throw new UsageError(`--resume: ${out} was trained with a different --scaling (${saved.prep.scaler.kind}, now ${prep.scaler.kind}); ${fix}`, 'train');
  }
  if (kp !== null) {
    const flag = PREP_FLAGS[kp];
    if (flag === undefined) {
      throw new CliError(`--resume: the data differs from what ${out} was trained on (its ${kp} changed); resume with the same data file, or drop --resume to start afresh`);
    }
    throw new UsageError(`--resume: ${out} was trained with a different ${flag} (${show(savedPrep[kp])}, now ${show(newPrep[kp])}); ${fix}`, 'train');
  }
  const savedSpec = flatten(typeof ckpt.spec === 'object' && ckpt.spec !== null ? ckpt.spec : {});
  const newSpec = flatten(spec);
  const ks = firstDifference(savedSpec, newSpec);
  if (ks !== null) {
    const flag = SPEC_FLAGS[ks];
    const was = `${show(savedSpec[ks])}, now ${show(newSpec[ks])}`;
    if (flag !== undefined) throw new UsageError(`--resume: ${out} was trained with a different ${flag} (${was}); ${fix}`, 'train');
    throw new UsageError(`--resume: ${out} was trained with a different model or data (its ${ks}: ${was}); ${fix}`, 'train');
  }
  if (saved.run !== null) {
    const kr = firstDifference(saved.run, run, ['epochs']) as keyof RunSettings | null;
    if (kr !== null) throw new UsageError(`--resume: ${out} was trained with a different ${RUN_FLAGS[kr]} (${show(saved.run[kr])}, now ${show(run[kr])}); ${fix}`, 'train');
  }
  const summary = trainingSummary(ckpt.training);
  if (summary === null) throw new CliError(`--resume: ${out} holds no training state to continue from; drop --resume to start afresh`);
  if (summary.epochsDone >= run.epochs) {
    throw new UsageError(`--resume: ${out} has already trained ${summary.epochsDone} epochs; ask for more with --epochs (e.g. --epochs ${summary.epochsDone + 10})`, 'train');
  }
  return ckpt;
}

/**
 * The trainer options every kind of run shares: Adam at --lr, --clip, --seed, a checkpoint of
 * the run (with its data preparation) after every epoch, --resume, Ctrl-C and progress.
 */
export function loopOptions(f: TrainFlags, run: RunSettings, prep: DataPrep, resumeFrom: Checkpoint | undefined, signal: AbortSignal) {
  return {
    epochs: run.epochs,
    optimizer: { kind: 'adam', lr: run.lr } as const,
    ...(run.clip === null ? {} : { clipGradNorm: run.clip }),
    seed: run.seed,
    checkpoint: { path: f.out, every: 1, data: savedToJson(prep, run) },
    ...(resumeFrom === undefined ? {} : { resumeFrom }),
    signal,
    progress: f.progress,
    output: process.stdout,
  };
}

/** An output's folder must exist before hours of training go into it. */
export function checkOutputFolder(path: string, flag: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`${flag} ${path}: the folder ${dir} does not exist; create it first`);
}

/**
 * Train with Ctrl-C wired to the trainer's signal: the first press asks it to finish the step
 * and save; a second quits without saving.
 */
export async function withCtrlC<T>(train: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) {
      process.stderr.write('\nrecur: stopped without saving the current step\n');
      process.exit(EXIT_INTERRUPTED);
    }
    controller.abort();
    process.stderr.write('\nrecur: Ctrl-C: finishing the current step and saving (press Ctrl-C again to quit without saving)\n');
  };
  process.on('SIGINT', onSigint);
  try {
    return await train(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** After an interrupted run: how to continue it. */
export function reportInterrupted(out: string): number {
  const args = process.argv.slice(2).filter((a) => a !== '--resume');
  const quoted = args.map((a) => (/^[\w./:=,@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  say(`interrupted: ${out} holds the run so far; continue it with:`);
  say(`  recur ${quoted.join(' ')} --resume`);
  return EXIT_INTERRUPTED;
}

/** The train (and validation) loss per epoch as a terminal chart. */
export function lossCurve(history: History): string {
  const series = [{ name: 'train loss', values: history.epochs.map((e) => e.loss) }];
  if (history.epochs.some((e) => e.valLoss !== null)) series.push({ name: 'validation loss', values: history.epochs.map((e) => e.valLoss ?? NaN) });
  return asciiCurve(series, { width: Math.min(50, Math.max(12, history.epochs.length * 3)), height: 8, xLabel: 'epoch' });
}

/** Write the report unless --no-report (default path: --out with .html). */
export function writeTrainingReport(f: TrainFlags, report: Report): void {
  if (f.report === false) return;
  const path = f.report ?? (f.out.endsWith('.recur') ? `${f.out.slice(0, -'.recur'.length)}.html` : `${f.out}.html`);
  try {
    writeReport(path, report);
  } catch (e) {
    throw new CliError(`--report ${path}: cannot write it (${(e as Error).message}); the model was saved to ${f.out}`);
  }
  say(`report written to ${path}`);
}
