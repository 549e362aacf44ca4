/** Short descriptions of a model for the terminal: what it is, what it predicts, its size. */
import type { ModelSpec, Seq2SeqSpec, SequenceModel } from '../index.ts';
import { count } from './output.ts';

const CELL_NAMES = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' } as const;

/** What the model outputs, in words. */
export function taskText(spec: ModelSpec): string {
  switch (spec.task) {
    case 'forecast':
      return `forecaster (next ${spec.horizon} step${spec.horizon === 1 ? '' : 's'} of ${spec.outputSize} value${spec.outputSize === 1 ? '' : 's'})`;
    case 'classify':
      return `sequence classifier (${spec.numClasses} classes)`;
    case 'tag':
      return `tagger (${spec.numClasses} classes per step)`;
    case 'regress':
      return `sequence regressor (${spec.outputSize} value${spec.outputSize === 1 ? '' : 's'})`;
    case 'regress-steps':
      return `per-step regressor (${spec.outputSize} value${spec.outputSize === 1 ? '' : 's'} per step)`;
    case 'language-model':
      return `language model (${spec.vocabSize} tokens)`;
  }
}

/**
 * @example modelText(spec, model) // 'LSTM, 1 layer × 64 hidden → forecaster (next 1 step of 1 value); 17,217 parameters'
 */
export function modelText(spec: ModelSpec, model: SequenceModel): string {
  const input = 'vocabSize' in spec ? `embedding ${spec.embeddingDim} → ` : '';
  const layers = `${spec.numLayers} layer${spec.numLayers === 1 ? '' : 's'} × ${spec.hiddenSize} hidden`;
  const extra = [spec.bidirectional ? 'bidirectional' : '', spec.dropout > 0 ? `dropout ${spec.dropout}` : ''].filter((s) => s !== '').join(', ');
  return `${input}${CELL_NAMES[spec.cell]}, ${layers}${extra === '' ? '' : ` (${extra})`} → ${taskText(spec)}; ${count(parameterCount(model))} parameters`;
}

const ATTENTION_NAMES = { none: 'no attention', dot: 'dot attention', general: "Luong 'general' attention", additive: 'additive (Bahdanau) attention' } as const;

/**
 * A translator in words.
 * @example seq2seqText(spec, model)
 * // 'embedding 64 → GRU encoder, 1 layer × 128 hidden (bidirectional) → Luong 'general' attention → GRU decoder, 1 layer × 128 hidden → 600 target tokens; 1,234,567 parameters'
 */
export function seq2seqText(spec: Seq2SeqSpec, model: { parameters(): readonly { size: number }[] }): string {
  const { encoder: e, decoder: d } = spec;
  const layers = (n: number, h: number): string => `${n} layer${n === 1 ? '' : 's'} × ${h} hidden`;
  const extra = [e.bidirectional ? 'bidirectional' : '', spec.dropout > 0 ? `dropout ${spec.dropout}` : ''].filter((x) => x !== '').join(', ');
  return (
    `embedding ${spec.embeddingDim} → ${CELL_NAMES[e.cell]} encoder, ${layers(e.numLayers, e.hiddenSize)}${extra === '' ? '' : ` (${extra})`} → ` +
    `${ATTENTION_NAMES[spec.attention.kind]} → ${CELL_NAMES[d.cell]} decoder, ${layers(d.numLayers, d.hiddenSize)} → ` +
    `${count(spec.tgtVocabSize)} target tokens; ${count(parameterCount(model))} parameters`
  );
}

export function parameterCount(model: { parameters(): readonly { size: number }[] }): number {
  return model.parameters().reduce((a, p) => a + p.size, 0);
}
