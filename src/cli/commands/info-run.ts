/** The actions of `recur info` and `recur export` (flags in info.ts). */
import { CHECKPOINT_VERSION, ONNX_NAMES, exportModelOnnx, type ModelSpec } from '../../index.ts';
import { sparkline } from '../../report/index.ts';
import { modelText, parameterCount } from '../describe.ts';
import { EXIT_OK } from '../errors.ts';
import { bytes, count, num, say, table } from '../output.ts';
import { writeOutputFile } from '../pipeline/files.ts';
import { trainingSummary } from '../pipeline/history.ts';
import { openModel, savedOf, type ModelFile } from '../pipeline/model-file.ts';
import type { DataPrep } from '../pipeline/prep.ts';
import type { RunSettings } from '../pipeline/run.ts';

function scalingLines(prep: DataPrep): string[] {
  if (prep.kind === 'text') return [];
  const s = prep.scaler;
  const rows = s.kind === 'standard'
    ? s.columns.map((c, k) => [c, `mean ${num(s.mean[k])}`, `std ${num(s.std[k])}`])
    : s.columns.map((c, k) => [c, `min ${num(s.min[k])}`, `max ${num(s.max[k])}`]);
  return [`scaling: ${s.kind === 'standard' ? 'standard (z = (v − mean) / std)' : `min-max to [${s.range[0]}, ${s.range[1]}]`}, fitted on the training part:`, table(rows, '  ')];
}

function dataLines(prep: DataPrep): string[] {
  switch (prep.kind) {
    case 'series': {
      const split = `${prep.split.train}/${prep.split.validation}/${prep.split.test}`;
      return [
        `data:    time series from ${prep.source}`,
        `  reads ${prep.inputs.join(', ')} over ${prep.window} steps; predicts ${prep.targets.join(', ')} ${prep.horizon} step${prep.horizon === 1 ? '' : 's'} ahead`,
        `  time column: ${prep.time ?? 'none'}; split train/validation/test ${split} in time order; missing values: ${typeof prep.missing === 'string' ? prep.missing : `fill ${prep.missing.fill}`}`,
        ...scalingLines(prep),
      ];
    }
    case 'groups':
      return [
        `data:    sequences from ${prep.source}, one per ${prep.groupBy}${prep.sortBy === null ? '' : `, ordered by ${prep.sortBy}`}`,
        `  reads ${prep.inputs.join(', ')}; label ${prep.label} (${prep.task === 'tag' ? 'per row' : 'per sequence'})`,
        `  classes (training count): ${prep.classes.map((c, i) => `${c} (${prep.classCounts[i]})`).join(', ')}`,
        ...scalingLines(prep),
      ];
    case 'text': {
      const tokens = prep.vocabulary.tokens;
      const shown = tokens.slice(4, 40).map((t) => JSON.stringify(t).slice(1, -1)).join('');
      return [
        `data:    text from ${prep.source}, sequences of ${prep.window} characters`,
        `  vocabulary: ${tokens.length} tokens (4 specials, ${tokens.length - 4} characters, most frequent first): ${shown}${tokens.length > 40 ? '…' : ''}`,
      ];
    }
  }
}

function runLine(run: RunSettings | null): string {
  if (run === null) return '';
  return `; Adam lr ${run.lr}, batches of ${run.batchSize}, ${run.clip === null ? 'no clipping' : `clip ${run.clip}`}${run.patience === null ? '' : `, patience ${run.patience}`}, seed ${run.seed}`;
}

function trainingLines(file: ModelFile, run: RunSettings | null): string[] {
  const t = trainingSummary(file.checkpoint.training);
  if (t === null) return ['training: no training state saved'];
  const h = t.history;
  const last = h.epochs[h.epochs.length - 1];
  const state = h.stopReason === 'aborted' ? `interrupted (step ${t.stepInEpoch} of epoch ${t.epochsDone + 1}); continue with --resume` : h.stopReason;
  const lines = [`training: ${t.epochsDone}${run === null ? '' : ` of ${run.epochs}`} epochs, ${count(t.globalStep)} steps, ${state}${runLine(run)}`];
  if (last !== undefined) {
    const metrics = (m: Record<string, number | null | undefined> | null, prefix: string): string =>
      Object.entries(m ?? {}).map(([k, v]) => `  ${prefix}${k} ${num(v)}`).join('');
    lines.push(`  epoch ${last.epoch}: loss ${num(last.loss)}${metrics(last.metrics, '')}  val_loss ${num(last.valLoss)}${metrics(last.valMetrics, 'val_')}`);
  }
  if (h.bestEpoch !== null) lines.push(`  best epoch: ${h.bestEpoch} (weights kept)`);
  if (h.epochs.length > 1) {
    lines.push(`  loss per epoch:     ${sparkline(h.epochs.map((e) => e.loss), 40)}`);
    if (h.epochs.some((e) => e.valLoss !== null)) lines.push(`  val_loss per epoch: ${sparkline(h.epochs.map((e) => e.valLoss), 40)}`);
  }
  return lines;
}

function specLine(spec: ModelSpec): string {
  return `spec:    ${JSON.stringify(spec)}`;
}

export function runInfo(path: string): number {
  const file = openModel(path);
  const saved = file.checkpoint.data === undefined ? null : savedOf(file);
  say(`${path}: ${bytes(file.bytes)}, recur checkpoint format ${CHECKPOINT_VERSION}`);
  say(`model:   ${modelText(file.spec, file.model)}`);
  say(specLine(file.spec));
  say('parameters:');
  const rows = file.model.namedParameters().map(([name, t]) => [name, `[${t.shape.join(', ')}]`, count(t.size)]);
  rows.push(['total', '', count(parameterCount(file.model))]);
  say(table(rows, '  '));
  for (const line of saved === null ? ['data:    none saved (the file was not written by recur train)'] : dataLines(saved.prep)) say(line);
  for (const line of trainingLines(file, saved?.run ?? null)) say(line);
  const opt = file.checkpoint.optimizer;
  say(`optimizer state: ${opt === undefined ? 'none (cannot resume training)' : `${opt.kind}, saved (training can resume)`}`);
  return EXIT_OK;
}

export function runExport(path: string, onnx: string): number {
  const file = openModel(path);
  const bytesOut = exportModelOnnx(file.model);
  writeOutputFile(onnx, bytesOut, '--onnx');
  const spec = file.spec;
  const input = 'vocabSize' in spec ? `${ONNX_NAMES.ids} int64 [B, T]` : `${ONNX_NAMES.input} float [B, T, ${spec.inputSize}]`;
  const perStep = spec.task === 'tag' || spec.task === 'regress-steps' || spec.task === 'language-model';
  const O = spec.task === 'forecast' ? spec.horizon * spec.outputSize : 'numClasses' in spec ? spec.numClasses : 'outputSize' in spec ? spec.outputSize : spec.vocabSize;
  say(`${onnx} written (${bytes(bytesOut.length)})`);
  say(`  inputs:  ${input}, ${ONNX_NAMES.lengths} int32 [B]`);
  say(`  output:  ${ONNX_NAMES.head} float ${perStep ? `[B, T, ${O}]` : `[B, ${O}]`} (also ${ONNX_NAMES.output}, ${ONNX_NAMES.hN}${spec.cell === 'lstm' ? `, ${ONNX_NAMES.cN}` : ''})`);
  if (file.checkpoint.data !== undefined) {
    const { prep } = savedOf(file);
    if (prep.kind !== 'text') say(`  note: inputs are scaled values (${prep.scaler.kind} scaling, see 'recur info ${path}')`);
  }
  return EXIT_OK;
}
