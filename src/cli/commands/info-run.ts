/** The actions of `recur info` and `recur export` (flags in info.ts). */
import { CHECKPOINT_VERSION, ONNX_NAMES, exportModelOnnx, type VocabularyJSON } from '../../index.ts';
import { sparkline } from '../../report/index.ts';
import { modelText, parameterCount, seq2seqText } from '../describe.ts';
import { CliError, EXIT_OK, UsageError } from '../errors.ts';
import { bytes, count, num, say, table } from '../output.ts';
import { writeOutputFile } from '../pipeline/files.ts';
import { trainingSummary } from '../pipeline/history.ts';
import { openModelFile, savedOf, translatorData, type ModelFile, type TranslatorFile } from '../pipeline/model-file.ts';
import { DEFAULT_BEAM, columnText, defaultMaxLength } from '../pipeline/pairs.ts';
import type { DataPrep, GroupsPrep, SeriesPrep } from '../pipeline/prep.ts';
import type { RunSettings } from '../pipeline/run.ts';

function scalingLines(prep: SeriesPrep | GroupsPrep): string[] {
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
    case 'text':
      return [`data:    text from ${prep.source}, sequences of ${prep.window} characters`, vocabularyLine('vocabulary', prep.vocabulary)];
    case 'pairs': {
      const split = `${prep.split.train}/${prep.split.validation}/${prep.split.test}`;
      const unit = prep.units === 'char' ? 'characters' : 'words';
      return [
        `data:    sentence pairs from ${prep.source}: ${columnText(prep.sourceColumn)} → ${columnText(prep.targetColumn)}, as ${unit}`,
        `  split train/validation/test ${split} by sentence groups, seed ${prep.seed}${prep.maxTokens === null ? '' : `; pairs of at most ${prep.maxTokens} ${unit} a side`}` +
          `${prep.maxVocab === null ? '' : `; vocabularies of at most ${prep.maxVocab} tokens`}`,
        vocabularyLine('source vocabulary', prep.src),
        vocabularyLine('target vocabulary', prep.tgt),
        `  translate: beam ${DEFAULT_BEAM}, at most ${defaultMaxLength(prep)} tokens (the longest training target has ${prep.longestTarget}); most common training translation: ${JSON.stringify(prep.mostCommon)}`,
      ];
    }
  }
}

/** A vocabulary: its size and its first tokens, most frequent first. */
function vocabularyLine(name: string, v: VocabularyJSON): string {
  const tokens = v.tokens;
  const unit = v.level === 'char' ? 'characters' : 'words';
  const char = (t: string): string => (t === ' ' ? '␣' : JSON.stringify(t).slice(1, -1));
  const shown = v.level === 'char' ? tokens.slice(4, 40).map(char).join('') : tokens.slice(4, 16).join(' ');
  const more = tokens.length > (v.level === 'char' ? 40 : 16) ? '…' : '';
  return `  ${name}: ${count(tokens.length)} tokens (4 specials, ${count(tokens.length - 4)} ${unit}, most frequent first): ${shown}${more}`;
}

/** What a translator file holds besides its weights: recur train's preparation, or vocabularies saved by code. */
function translatorLines(file: TranslatorFile): { lines: string[]; run: RunSettings | null } {
  if (file.checkpoint.data === undefined) return { lines: ['data:    none saved: no vocabularies, so recur translate cannot read text with it'], run: null };
  try {
    const v = translatorData(file);
    if (v.prep !== null) return { lines: dataLines(v.prep), run: v.run };
    const lines = ['data:    vocabularies saved with the model (not by recur train)', vocabularyLine('source vocabulary', v.src.toJSON()), vocabularyLine('target vocabulary', v.tgt.toJSON())];
    return { lines, run: null };
  } catch (e) {
    if (e instanceof CliError) return { lines: [`data:    ${e.message}`], run: null };
    throw e;
  }
}

function runLine(run: RunSettings | null): string {
  if (run === null) return '';
  return `; Adam lr ${run.lr}, batches of ${run.batchSize}, ${run.clip === null ? 'no clipping' : `clip ${run.clip}`}${run.patience === null ? '' : `, patience ${run.patience}`}, seed ${run.seed}`;
}

function trainingLines(file: ModelFile | TranslatorFile, run: RunSettings | null): string[] {
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

export function runInfo(path: string): number {
  const file = openModelFile(path);
  say(`${path}: ${bytes(file.bytes)}, recur checkpoint format ${CHECKPOINT_VERSION}`);
  say(`model:   ${file.kind === 'seq2seq' ? seq2seqText(file.spec, file.model) : modelText(file.spec, file.model)}`);
  say(`spec:    ${JSON.stringify(file.spec)}`);
  say('parameters:');
  const rows = file.model.namedParameters().map(([name, t]) => [name, `[${t.shape.join(', ')}]`, count(t.size)]);
  rows.push(['total', '', count(parameterCount(file.model))]);
  say(table(rows, '  '));
  let run: RunSettings | null = null;
  if (file.kind === 'seq2seq') {
    const t = translatorLines(file);
    for (const line of t.lines) say(line);
    run = t.run;
  } else {
    const saved = file.checkpoint.data === undefined ? null : savedOf(file);
    for (const line of saved === null ? ['data:    none saved (the file was not written by recur train)'] : dataLines(saved.prep)) say(line);
    run = saved?.run ?? null;
  }
  for (const line of trainingLines(file, run)) say(line);
  const opt = file.checkpoint.optimizer;
  say(`optimizer state: ${opt === undefined ? 'none (cannot resume training)' : `${opt.kind}, saved (training can resume)`}`);
  return EXIT_OK;
}

export function runExport(path: string, onnx: string): number {
  const file = openModelFile(path);
  if (file.kind === 'seq2seq') {
    throw new UsageError(`${path} is a sequence-to-sequence model; ONNX export covers forecasters, classifiers, taggers and language models, not encoder–decoders`, 'export');
  }
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
    if (prep.kind === 'series' || prep.kind === 'groups') say(`  note: inputs are scaled values (${prep.scaler.kind} scaling, see 'recur info ${path}')`);
  }
  return EXIT_OK;
}
