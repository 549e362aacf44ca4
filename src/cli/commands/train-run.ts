/**
 * `recur train`, the run: data → model → fit with validation → checkpoint → held-out scores next
 * to a naive baseline → report. Ctrl-C finishes the step, saves, and exits 130; `--resume` continues.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { DataLoader, buildModel, fit, type History, type ModelSpec } from '../../index.ts';
import { asciiCurve, trainingReport, writeReport } from '../../report/index.ts';
import { explicitOptions } from '../command.ts';
import { modelText } from '../describe.ts';
import { CliError, EXIT_INTERRUPTED, EXIT_OK, UsageError } from '../errors.ts';
import { say } from '../output.ts';
import { trainingSummary } from '../pipeline/history.ts';
import { openModel, savedOf } from '../pipeline/model-file.ts';
import { savedToJson, type DataPrep } from '../pipeline/prep.ts';
import { RUN_FLAGS, type RunSettings } from '../pipeline/run.ts';
import { composeSpec } from '../pipeline/spec.ts';
import { modeOf, prepare, type Mode, type TrainFlags } from './train-modes.ts';

/** The run settings the flags ask for. */
function runSettings(f: TrainFlags): RunSettings {
  return { epochs: f.epochs, batchSize: f.batchSize, lr: f.lr, clip: f.clip === false ? null : f.clip, patience: f.patience ?? null, seed: f.seed };
}

const SPEC_FLAGS: Readonly<Record<string, string>> = {
  cell: '--cell', hiddenSize: '--hidden', numLayers: '--layers', bidirectional: '--bidirectional', dropout: '--dropout', embeddingDim: '--embedding', seed: '--seed',
};
const PREP_FLAGS: Readonly<Record<string, string>> = {
  inputs: '--inputs', targets: '--target', window: '--window', horizon: '--horizon', time: '--time', missing: '--missing', split: '--split',
  groupBy: '--group-by', sortBy: '--sort-by', label: '--label', task: '--task', seed: '--seed',
};

/** The first key whose value differs between two JSON-like records. */
function firstDifference(a: object, b: object, skip: readonly string[] = []): string | null {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
    if (!skip.includes(k) && JSON.stringify(x[k]) !== JSON.stringify(y[k])) return k;
  }
  return null;
}

/** Check that a --resume continues the run saved in `out`; returns the checkpoint to resume from. */
function checkResume(out: string, spec: ModelSpec, prep: DataPrep, run: RunSettings): ReturnType<typeof openModel> {
  if (!existsSync(out)) throw new UsageError(`--resume: there is no ${out} to continue; drop --resume to start a new run`, 'train');
  const file = openModel(out);
  const saved = savedOf(file);
  const fix = 'use the flags it was trained with (only --epochs may change), or drop --resume to start afresh';
  const show = (v: unknown): string => (v === undefined || v === null ? 'none' : JSON.stringify(v));
  const savedSpec = file.spec as unknown as Record<string, unknown>;
  const newSpec = spec as unknown as Record<string, unknown>;
  const ks = firstDifference(savedSpec, newSpec);
  if (ks !== null) {
    const flag = SPEC_FLAGS[ks] ?? `the data (${ks})`;
    throw new UsageError(`--resume: ${out} was trained with a different ${flag} (${show(savedSpec[ks])}, now ${show(newSpec[ks])}); ${fix}`, 'train');
  }
  const savedPrep = saved.prep as unknown as Record<string, unknown>;
  const newPrep = prep as unknown as Record<string, unknown>;
  const kp = firstDifference(savedPrep, newPrep, ['source']);
  if (kp === 'scaler' && saved.prep.kind !== 'text' && prep.kind !== 'text' && saved.prep.scaler.kind !== prep.scaler.kind) {
    throw new UsageError(`--resume: ${out} was trained with a different --scaling (${saved.prep.scaler.kind}, now ${prep.scaler.kind}); ${fix}`, 'train');
  }
  if (kp !== null) {
    const flag = PREP_FLAGS[kp];
    if (flag === undefined) {
      throw new CliError(`--resume: the data differs from what ${out} was trained on (its ${kp} changed); resume with the same data file, or drop --resume to start afresh`);
    }
    throw new UsageError(`--resume: ${out} was trained with a different ${flag} (${show(savedPrep[kp])}, now ${show(newPrep[kp])}); ${fix}`, 'train');
  }
  if (saved.run !== null) {
    const kr = firstDifference(saved.run, run, ['epochs']) as keyof RunSettings | null;
    if (kr !== null) throw new UsageError(`--resume: ${out} was trained with a different ${RUN_FLAGS[kr]} (${show(saved.run[kr])}, now ${show(run[kr])}); ${fix}`, 'train');
  }
  const summary = trainingSummary(file.checkpoint.training);
  if (summary === null) throw new CliError(`--resume: ${out} holds no training state to continue from; drop --resume to start afresh`);
  if (summary.epochsDone >= run.epochs) {
    throw new UsageError(`--resume: ${out} has already trained ${summary.epochsDone} epochs; ask for more with --epochs (e.g. --epochs ${summary.epochsDone + 10})`, 'train');
  }
  return file;
}

/** The command line again, with --resume, for the message after Ctrl-C. */
function resumeCommand(): string {
  const args = process.argv.slice(2).filter((a) => a !== '--resume');
  const quoted = args.map((a) => (/^[\w./:=,@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  return `recur ${quoted.join(' ')} --resume`;
}

/** `--out model.recur` → `model.html`. */
function defaultReportPath(out: string): string {
  return out.endsWith('.recur') ? `${out.slice(0, -'.recur'.length)}.html` : `${out}.html`;
}

function lossCurve(history: History): string {
  const series = [{ name: 'train loss', values: history.epochs.map((e) => e.loss) }];
  if (history.epochs.some((e) => e.valLoss !== null)) series.push({ name: 'validation loss', values: history.epochs.map((e) => e.valLoss ?? NaN) });
  return asciiCurve(series, { width: Math.min(50, Math.max(12, history.epochs.length * 3)), height: 8, xLabel: 'epoch' });
}

/** An output's folder must exist before hours of training go into it. */
function checkOutputFolder(path: string, flag: string): void {
  const dir = dirname(resolve(path));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`${flag} ${path}: the folder ${dir} does not exist; create it first`);
}

export async function runTrain(f: TrainFlags, cmd: Command): Promise<number> {
  const mode: Mode = modeOf(f, explicitOptions(cmd));
  checkOutputFolder(f.out, '--out');
  const data = prepare(mode, f);
  const spec = composeSpec(f, data.dataKeys, f.seed);
  const run = runSettings(f);
  const resumeFrom = f.resume === true ? checkResume(f.out, spec, data.prep, run).checkpoint : undefined;

  const model = buildModel(spec);
  for (const line of data.summary) say(line);
  say(`model: ${modelText(spec, model)}`);
  if (resumeFrom !== undefined) say(`resuming ${f.out} up to epoch ${run.epochs}`);
  else say(`training ${run.epochs} epochs, batches of ${run.batchSize}, Adam lr ${run.lr}${existsSync(f.out) ? `; replacing the existing ${f.out}` : ''}`);

  const train = new DataLoader(data.train, { batchSize: run.batchSize, shuffle: true, seed: run.seed, bucketByLength: mode === 'groups' });
  const validation = new DataLoader(data.validation, { batchSize: Math.max(run.batchSize, 64) });
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
  let history: History;
  try {
    history = await fit(model, train, {
      epochs: run.epochs,
      optimizer: { kind: 'adam', lr: run.lr },
      validation,
      ...(run.clip === null ? {} : { clipGradNorm: run.clip }),
      ...(run.patience === null ? {} : { earlyStopping: { patience: run.patience } }),
      seed: run.seed,
      checkpoint: { path: f.out, every: 1, data: savedToJson(data.prep, run) },
      ...(resumeFrom === undefined ? {} : { resumeFrom }),
      signal: controller.signal,
      progress: f.progress,
      output: process.stdout,
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (history.stopReason === 'aborted') {
    say(`interrupted: ${f.out} holds the run so far; continue it with:`);
    say(`  ${resumeCommand()}`);
    return EXIT_INTERRUPTED;
  }

  say();
  say(lossCurve(history));
  const result = data.assess(model);
  for (const line of result.lines) say(line);
  say(`model written to ${f.out}`);
  if (f.report !== false) {
    const path = f.report ?? defaultReportPath(f.out);
    const report = trainingReport(history, {
      title: `recur train: ${data.prep.source}`,
      subtitle: modelText(spec, model),
      description: data.summary.join('\n\n'),
      test: result.test,
      baselines: result.baselines,
      forecasts: result.forecasts,
      confusion: result.confusion,
    });
    try {
      writeReport(path, report);
    } catch (e) {
      throw new CliError(`--report ${path}: cannot write it (${(e as Error).message}); the model was saved to ${f.out}`);
    }
    say(`report written to ${path}`);
  }
  return EXIT_OK;
}
