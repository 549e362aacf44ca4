/**
 * `recur train`, the run: data → model → fit with validation → checkpoint → held-out scores next
 * to a naive baseline → report. Ctrl-C finishes the step, saves, and exits 130; `--resume` continues.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { DataLoader, buildModel, fit, type History } from '../../index.ts';
import { trainingReport } from '../../report/index.ts';
import { explicitOptions } from '../command.ts';
import { modelText } from '../describe.ts';
import { EXIT_OK } from '../errors.ts';
import { say } from '../output.ts';
import { composeSpec } from '../pipeline/spec.ts';
import { checkOutputFolder, checkResume, loopOptions, lossCurve, reportInterrupted, runSettings, withCtrlC, writeTrainingReport } from './train-common.ts';
import { modeOf, prepare, type Mode, type TrainFlags } from './train-modes.ts';

export async function runTrain(f: TrainFlags, cmd: Command): Promise<number> {
  const explicit = explicitOptions(cmd);
  const mode: Mode = modeOf(f, explicit);
  if (mode === 'pairs') return (await import('./train-pairs.ts')).runTrainPairs(f, explicit);
  checkOutputFolder(f.out, '--out');
  const data = prepare(mode, f);
  const spec = composeSpec(f, data.dataKeys, f.seed);
  const run = runSettings(f);
  const resumeFrom = f.resume === true ? checkResume(f.out, spec, data.prep, run) : undefined;

  const model = buildModel(spec);
  for (const line of data.summary) say(line);
  say(`model: ${modelText(spec, model)}`);
  if (resumeFrom !== undefined) say(`resuming ${f.out} up to epoch ${run.epochs}`);
  else say(`training ${run.epochs} epochs, batches of ${run.batchSize}, Adam lr ${run.lr}${existsSync(f.out) ? `; replacing the existing ${f.out}` : ''}`);

  const train = new DataLoader(data.train, { batchSize: run.batchSize, shuffle: true, seed: run.seed, bucketByLength: mode === 'groups' });
  const validation = new DataLoader(data.validation, { batchSize: Math.max(run.batchSize, 64) });
  const history: History = await withCtrlC((signal) =>
    fit(model, train, {
      ...loopOptions(f, run, data.prep, resumeFrom, signal),
      validation,
      ...(run.patience === null ? {} : { earlyStopping: { patience: run.patience } }),
    }),
  );
  if (history.stopReason === 'aborted') return reportInterrupted(f.out);

  say();
  say(lossCurve(history));
  const result = data.assess(model);
  for (const line of result.lines) say(line);
  say(`model written to ${f.out}`);
  writeTrainingReport(
    f,
    trainingReport(history, {
      title: `recur train: ${data.prep.source}`,
      subtitle: modelText(spec, model),
      description: data.summary.join('\n\n'),
      test: result.test,
      baselines: result.baselines,
      forecasts: result.forecasts,
      confusion: result.confusion,
    }),
  );
  return EXIT_OK;
}
