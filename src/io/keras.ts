/**
 * Keras and TF.js weights in (and PyTorch state_dicts with a module prefix).
 *
 *   loadTfjsModel(modelJson, weightData)   a TF.js layers model (model.json + shards) → KerasModel
 *   loadKerasWeights(module, weights)       one Keras layer's get_weights() → a recur module
 *   fromPyTorchStateDict / loadPyTorchStateDict   strip a module prefix, load, report unmatched keys
 *
 * Name and layout mapping: docs/interop.md. Supported layers: SimpleRNN, LSTM, GRU (reset_after
 * true → GRU, false → GRUResetBefore), Bidirectional (concat / sum / mul / ave), Dense,
 * TimeDistributed(Dense), Embedding (mask_zero), Masking, Dropout, Activation, InputLayer, in a
 * Sequential model or a single-chain functional one. Everything else is a KerasImportError.
 */
import { Embedding } from '../layers/embedding.ts';
import { Linear } from '../layers/linear.ts';
import type { StateDict } from '../layers/module.ts';
import { GRU, LSTM, RNN } from '../layers/recurrent.ts';
import { Tensor, shapeStr } from '../tensor/tensor.ts';
import { KerasImportError } from './keras/errors.ts';
import { GRUResetBefore } from './keras/gru-reset-before.ts';
import { isObject } from './keras/json.ts';
import { readTopology } from './keras/layers.ts';
import { KerasModel } from './keras/model.ts';
import { decodeWeights, kerasDenseToStateDict, kerasRecurrentToStateDict } from './keras/weights.ts';

export { KerasImportError } from './keras/errors.ts';
export { GRUResetBefore, type GRUResetBeforeOptions } from './keras/gru-reset-before.ts';
export { readTopology, type KerasLayerSpec, type KerasRecurrentSpec, type KerasActivation, type KerasCell, type MergeMode } from './keras/layers.ts';
export { KerasModel, type KerasForwardResult, type KerasLayerState, type KerasModelInput } from './keras/model.ts';
export { decodeWeights, kerasRecurrentToStateDict, kerasDenseToStateDict, type KerasRecurrentWeights, type RecurrentConversion } from './keras/weights.ts';

/**
 * Builds and fills recur modules from a TF.js layers model: the parsed `model.json`
 * ({ modelTopology, weightsManifest }) and its weight shards, in manifest order (one buffer, or
 * one Uint8Array per shard). Also reads models converted from Keras by tensorflowjs_converter.
 * @example
 * const json = JSON.parse(readFileSync('model/model.json', 'utf8'));
 * const shards = json.weightsManifest.flatMap((g) => g.paths).map((p) => readFileSync(`model/${p}`));
 * const model = loadTfjsModel(json, shards);
 * const { output } = model.forward(tensor(ids, [B, T]));
 */
export function loadTfjsModel(modelJson: unknown, weightData: ArrayBuffer | Uint8Array | readonly Uint8Array[]): KerasModel {
  if (!isObject(modelJson)) throw new KerasImportError('', 'model.json: expected an object { modelTopology, weightsManifest }');
  if (modelJson.format === 'graph-model') {
    throw new KerasImportError('', 'model.json is a TF.js graph model (no layer topology); convert the Keras model as a layers model (tensorflowjs_converter --output_format tfjs_layers_model)');
  }
  if (!isObject(modelJson.modelTopology)) throw new KerasImportError('', "model.json has no 'modelTopology' object");
  const manifest = modelJson.weightsManifest ?? (Array.isArray(modelJson.weightSpecs) ? [{ paths: [], weights: modelJson.weightSpecs }] : undefined);
  if (manifest === undefined) throw new KerasImportError('', "model.json has no 'weightsManifest'");
  const specs = readTopology(modelJson.modelTopology);
  return new KerasModel(specs, decodeWeights(manifest, weightData));
}

/**
 * Fills a recur module from one Keras layer's weights, in `layer.get_weights()` order:
 *   RNN / LSTM / GRU / GRUResetBefore: [kernel, recurrent_kernel, bias?] per layer and direction
 *     (layer 0 forward, layer 0 backward, layer 1 forward, …: stacked Keras layers in order)
 *   Linear (Dense): [kernel, bias?];  Embedding: [embeddings]
 * GRU takes reset_after=true weights (bias [2, 3H]); GRUResetBefore reset_after=false ([3H]).
 * @example
 * const lstm = new LSTM({ inputSize: 3, hiddenSize: 4 });
 * loadKerasWeights(lstm, [kernel, recurrentKernel, bias]); // Tensors, e.g. from a safetensors file
 */
export function loadKerasWeights(module: RNN | LSTM | GRU | GRUResetBefore | Linear | Embedding, weights: readonly Tensor[]): void {
  const what = module.constructor.name;
  const count = (n: number, order: string): void => {
    if (weights.length !== n) throw new KerasImportError('', `loadKerasWeights (${what}): got ${weights.length} arrays, expected ${n} (${order})`);
  };
  if (module instanceof Linear) {
    const hasBias = module.bias !== null;
    count(hasBias ? 2 : 1, hasBias ? 'kernel, bias' : 'kernel');
    module.loadStateDict(kerasDenseToStateDict(weights[0], hasBias ? weights[1] : null));
    return;
  }
  if (module instanceof Embedding) {
    count(1, 'embeddings');
    module.loadStateDict({ weight: new Tensor(weights[0].data.slice(), weights[0].shape) });
    return;
  }
  const cell = module instanceof RNN ? 'simple_rnn' : module instanceof LSTM ? 'lstm' : 'gru';
  const layers = module instanceof GRUResetBefore ? 1 : module.numLayers;
  const dirs = module.bidirectional ? 2 : 1;
  const per = module.bias ? 3 : 2;
  count(layers * dirs * per, `${per === 3 ? 'kernel, recurrent_kernel, bias' : 'kernel, recurrent_kernel'} for each of ${layers} layer(s) × ${dirs} direction(s)`);
  const sd: StateDict = {};
  let k = 0;
  for (let l = 0; l < layers; l++) {
    for (let d = 0; d < dirs; d++) {
      const bias = module.bias ? weights[k + 2] : null;
      if (bias && cell === 'gru') {
        const resetAfter = bias.ndim === 2;
        if (module instanceof GRU && !resetAfter) {
          throw new KerasImportError('', `loadKerasWeights (GRU): bias has shape ${shapeStr(bias.shape)}, a reset_after=false GRU; load it into GRUResetBefore`);
        }
        if (module instanceof GRUResetBefore && resetAfter) {
          throw new KerasImportError('', `loadKerasWeights (GRUResetBefore): bias has shape ${shapeStr(bias.shape)}, a reset_after=true GRU; load it into GRU`);
        }
      }
      Object.assign(sd, kerasRecurrentToStateDict({ kernel: weights[k], recurrentKernel: weights[k + 1], bias }, { cell, suffix: `_l${l}${d === 1 ? '_reverse' : ''}` }));
      k += per;
    }
  }
  module.loadStateDict(sd);
}
