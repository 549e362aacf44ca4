/**
 * recur for browsers: the entry of the ESM bundle `dist/browser/recur.js` (`npm run build:browser`,
 * built by playground/build.ts). The public API of index.ts minus what needs a file system:
 *
 *   left out          use instead
 *   saveCheckpoint    encodeCheckpoint(ckpt) → bytes (a download: new Blob([bytes]))
 *   loadCheckpoint    decodeCheckpoint(bytes) (from a file input, fetch or drag and drop)
 *   writeReport       renderReport(report) → the HTML text
 *
 * Everything else behaves as in Node, with these limits in a page or worker:
 *   readCsv(text)     works; readCsv({ path }) throws (no files)
 *   fit               works; `checkpoint` and a string `resumeFrom` need files and throw (pass a
 *                     decoded Checkpoint as resumeFrom; encode the model yourself after fit)
 *   kernels           WebAssembly SIMD where the runtime runs it, else the JS reference kernels;
 *                     getBackend().name says which. `await initBackend()` first compiles the module
 *                     asynchronously, for engines that refuse synchronous compilation on a page's
 *                     main thread. Train in a Web Worker so that the page stays responsive.
 *
 * Some modules listed here still import Node built-ins that they only call on the file paths above
 * (fit → io/checkpoint.ts → node:fs, node:path, io/atomic.ts → node:crypto; data/csv.ts → node:fs;
 * report/html.ts → node:fs, node:path). The bundler replaces those imports with stubs that throw a
 * clear error when called (playground/build.ts; test/browser.test.ts keeps the list).
 *
 * Also exported here: getBackend / setBackend / initBackend (kernels/backend.ts), so a page can
 * load the kernels asynchronously and tell which run.
 */
export { Tensor, noGrad, isGradEnabled, type GradNode, type Shape, type NestedArray } from './tensor/tensor.ts';
export { tensor, zeros, ones, full, randn, uniform, type TensorOptions } from './tensor/create.ts';
export {
  add, sub, mul, div, neg, exp, log, tanh, sigmoid, relu, sqrt, abs, pow, clamp, maximum, minimum, where, maskedFill,
  sum, mean, max, softmax, logSoftmax,
  reshape, unsqueeze, squeeze, permute, transpose, slice, concat, stack, indexSelect, gather,
  matmul, dropout,
} from './tensor/ops.ts';
export { Rng, manualSeed, defaultRng, type RngState } from './tensor/rng.ts';
export { allocStats, resetAllocStats } from './tensor/alloc.ts';
export { getBackend, setBackend, initBackend, type Backend, type BackendName } from './kernels/backend.ts';

export { PackedSequence } from './data/packed.ts';
export { DataError } from './data/errors.ts';
export {
  readCsv, getColumn, numberColumn, stringColumn, selectRows, indicesWhere,
  type Table, type Column, type ReadCsvOptions, type MissingPolicy, type MissingReport,
} from './data/csv.ts';
export { parseIsoDate } from './data/dates.ts';
export {
  chronologicalSplit, slidingWindows, windowDataset, toMatrix,
  type RowRange, type Split, type Matrix, type ColumnRef, type WindowOptions, type Windows,
} from './data/timeseries.ts';
export { Scaler, StandardScaler, MinMaxScaler, scalerFromJSON, type ScalerJSON, type FitOptions as ScalerFitOptions } from './data/scaler.ts';
export { Vocabulary, type VocabLevel, type VocabularyJSON, type VocabularyOptions } from './data/vocab.ts';
export { ArrayDataset, groupBy, type SequenceDataset, type Sample, type Group } from './data/dataset.ts';
export { DataLoader, collate, paddingWaste, type Batch, type DataLoaderOptions, type LoaderState } from './data/loader.ts';

export { Module, type StateDict } from './layers/module.ts';
export { Linear, linear, type LinearOptions } from './layers/linear.ts';
export { Embedding, embedding, type EmbeddingOptions } from './layers/embedding.ts';
export { Dropout } from './layers/dropout.ts';
export {
  RNN, LSTM, GRU, RecurrentLayer,
  type RecurrentOptions, type RNNOptions, type LSTMState, type HiddenState,
} from './layers/recurrent.ts';
export { RNNCell, LSTMCell, GRUCell, type CellOptions } from './layers/cells.ts';

export {
  mseLoss, l1Loss, huberLoss, bceWithLogits, crossEntropy,
  type Reduction, type ReductionOptions, type LossInput, type HuberOptions,
  type BceWithLogitsOptions, type CrossEntropyOptions, type ClassTargets,
} from './losses/index.ts';

export {
  Optimizer, SGD, Adam, AdamW, RMSprop, createOptimizer, clipGradNorm, clipGradValue,
  type OptimizerKind, type OptimizerState, type OptimizerConfig,
  type SGDOptions, type SGDConfig, type SGDState,
  type AdamOptions, type AdamConfig, type AdamState,
  type RMSpropOptions, type RMSpropConfig, type RMSpropState,
} from './optim/index.ts';

export { loadSafetensors, readSafetensors, saveSafetensors, SafetensorsError } from './io/safetensors.ts';
export { CheckpointError, type CheckpointErrorCode } from './io/checkpoint-error.ts';
export {
  encodeCheckpoint, decodeCheckpoint, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type Checkpoint,
} from './io/checkpoint-format.ts';
export { captureRng, restoreRng, type CheckpointRng } from './io/checkpoint-state.ts';
export type { JsonValue } from './io/json.ts';

export {
  buildModel, validateSpec, lossFor, defaultMetrics, ModelSpecError,
  SequenceModel, SequenceToOne, SequenceToSequence, LanguageModel,
  type ModelSpec, type ModelSpecInput, type Task, type CellKind,
  type ClassifySpec, type RegressSpec, type TagSpec, type RegressStepsSpec, type ForecastSpec, type LanguageModelSpec,
  type GenerateOptions, type RecurrentState, type Targets, type LossFn,
} from './models/index.ts';
export {
  fit, evaluate, TrainingDivergedError,
  accuracy, macroF1, mae, rmse, mape, perplexity, confusionMatrix,
  createLrSchedule, splitDataset,
  type FitOptions, type FitCallbacks, type StepInfo, type BatchSource, type CheckpointConfig,
  type Trainable, type LossHook, type LossContext, type BatchLoss, type EpochInfo,
  type History, type EpochRecord, type StopReason, type MetricName, type MetricValues, type Evaluation,
  type LrScheduleConfig, type EarlyStoppingConfig, type Monitor, type ProgressMode, type ProgressOutput,
} from './train/index.ts';
export {
  exportOnnx, exportModelOnnx, ONNX_NAMES, ONNX_OPSET, ONNX_IR_VERSION,
  type OnnxExportOptions, type OnnxHead, type OnnxModelExportOptions,
} from './io/onnx/index.ts';
export {
  loadTfjsModel, loadKerasWeights, KerasModel, GRUResetBefore, KerasImportError,
  kerasRecurrentToStateDict, kerasDenseToStateDict, decodeWeights, readTopology,
  type KerasForwardResult, type KerasLayerState, type KerasModelInput, type KerasLayerSpec,
  type GRUResetBeforeOptions, type KerasRecurrentWeights,
} from './io/keras.ts';
export {
  fromPyTorchStateDict, loadPyTorchStateDict, loadPyTorchModel, PyTorchImportError,
  type PyTorchImport, type PyTorchImportOptions, type PyTorchModelOptions, type PyTorchModelNames, type PresetPart,
} from './io/pytorch.ts';
export {
  Attention, DotAttention, GeneralAttention, AdditiveAttention, createAttention, selectMemory,
  validateSeq2SeqSpec, validateVectorToSequenceSpec, Encoder, Bridge, Decoder, Seq2Seq, VectorToSequence,
  unrollTeacherForced, sequenceLoss, teacherForcingRatio, greedyDecode, sampleDecode, beamSearch, decode, sampleToken,
  generate, LanguageModelStepper,
  type AttentionSpec, type AttentionMemory, type AttentionOutput, type AttentionOptions,
  type Seq2SeqSpec, type Seq2SeqSpecInput, type VectorToSequenceSpec, type VectorToSequenceSpecInput,
  type EncoderSpec, type DecoderSpec, type DecoderAttentionSpec, type BridgeKind, type SpecialIds,
  type EncoderOutput, type EncoderOptions, type TokenIds, type BridgeOptions, type LayerStates, type DecoderState,
  type DecoderOptions, type TranslateOptions, type TeacherForcingSchedule, type UnrollOptions, type Unrolled,
  type Stepper, type StepOutput, type Hypothesis, type DecodeOptions, type BeamOptions, type SampleOptions,
  type DecodeStrategy, type TokenSamplingOptions, type StepwiseLanguageModel, type LanguageModelState,
  type GenerationOptions,
} from './seq2seq/index.ts';
export {
  lineChart, forecastChart, confusionMatrixChart, attentionChart, barChart,
  renderReport, trainingReport, sparkline, asciiCurve,
  escapeXml, linearTicks, logTicks, compactNumber,
  type ChartSeries, type XMarker, type LineChartOptions, type ForecastChartInput, type ForecastChartOptions,
  type ConfusionMatrixOptions, type AttentionChartOptions, type BarChartInput, type BarChartOptions,
  type Report, type ReportSection, type ReportTable, type TrainingReportExtras, type ForecastFigure, type NamedValues,
  type SparklineOptions, type AsciiCurveOptions, type CurveSeries, type Ticks,
} from './report/index.ts';
export { streamStep, initialState, detachState, type StepInput, type StepResult } from './models/index.ts';
export {
  fitTbptt, evaluateSeries,
  type TbpttOptions, type TbpttHistory, type TbpttEpoch, type Series, type StreamOptions, type PerStepModel,
} from './train/tbptt.ts';
export {
  trainSeq2Seq, seq2seqLoss,
  type ParallelData, type Seq2SeqTrainOptions, type Seq2SeqCheckpointConfig, type Seq2SeqStepInfo,
  type Seq2SeqEpochRecord, type Seq2SeqHistory,
} from './seq2seq/train.ts';
export {
  corpusBleu, bleuFromCounts, formatBleu, tokenize13a,
  type BleuOptions, type BleuScore, type BleuTokenizer, type BleuSmoothing,
} from './metrics/bleu.ts';
export { corpusChrf, type ChrfOptions, type ChrfScore } from './metrics/chrf.ts';
