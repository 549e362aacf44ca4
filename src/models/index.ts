/** Preset models built from a plain JSON spec, with their losses and default metrics. */
export {
  validateSpec, ModelSpecError, hasTokenInput,
  type ModelSpec, type ModelSpecInput, type Task, type CellKind, type RecurrentFields, type FeatureInput, type TokenInput,
  type ClassifySpec, type RegressSpec, type TagSpec, type RegressStepsSpec, type ForecastSpec, type LanguageModelSpec,
} from './spec.ts';
export { SequenceModel, type RecurrentState, type Encoded } from './sequence-model.ts';
export { streamStep, initialState, detachState, type StepInput, type StepResult } from './stream.ts';
export { SequenceToOne, type SequenceToOneSpec } from './sequence-to-one.ts';
export { SequenceToSequence, type SequenceToSequenceSpec } from './sequence-to-sequence.ts';
export { LanguageModel, type GenerateOptions } from './language-model.ts';
export { sampleFromLogits, argmax, type SamplingOptions } from './sampling.ts';
export {
  buildModel, lossFor, defaultMetrics, predictionKind,
  type Targets, type ModelOutput, type LossFn, type PredictionKind,
} from './build.ts';
