/**
 * ONNX export of recur's preset models (src/models): the recurrent stack with its embedding and
 * head, the head reading where the preset's `forward` reads it.
 *
 *   task                                  head on        ONNX `head` output
 *   classify, regress, forecast           'last'         [B, O]: logits | values | horizon·outputSize values
 *   tag, regress-steps, language-model    'every-step'   [B, T, O]: zeros past each length
 *
 * Token-input presets take int64 `ids` [B, T]; the others float `input` [B, T, D]. The spec is
 * stored as metadata `recur.spec` (JSON), so a server can tell what the outputs mean. Dropout is
 * a training-time layer and is left out, as in the model's evaluation mode.
 */
import type { SequenceModel } from '../../models/sequence-model.ts';
import { exportOnnx } from './export.ts';

export interface OnnxModelExportOptions {
  /** Add `h0` (and `c0` for LSTM) inputs [L·dirs, B, H]; otherwise the state starts at zero. Default false. */
  initialState?: boolean;
}

/**
 * Write a preset model (from `buildModel` or a checkpoint) as an ONNX model: the bytes of a `.onnx` file.
 * @example
 * const model = buildModel({ task: 'classify', cell: 'gru', inputSize: 3, hiddenSize: 16, numClasses: 2 });
 * writeFileSync('model.onnx', exportModelOnnx(model)); // input [B, T, 3], lengths [B] → head [B, 2] logits
 */
export function exportModelOnnx(model: SequenceModel, opts: OnnxModelExportOptions = {}): Uint8Array {
  const task = model.spec.task;
  const on = task === 'classify' || task === 'regress' || task === 'forecast' ? 'last' : 'every-step';
  return exportOnnx({
    layer: model.rnn,
    embedding: model.embedding ?? undefined,
    head: { linear: model.head, on },
    initialState: opts.initialState ?? false,
    metadata: { 'recur.spec': JSON.stringify(model.spec) },
    name: `recur-${task}`,
  });
}
