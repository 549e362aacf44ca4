/** Sequence to sequence: attention, encoder–decoder, vector → sequence, decoding and generation. */
export {
  Attention, DotAttention, GeneralAttention, AdditiveAttention, createAttention, selectMemory,
  type AttentionSpec, type AttentionMemory, type AttentionOutput, type AttentionOptions,
} from './attention.ts';
export {
  validateSeq2SeqSpec, validateVectorToSequenceSpec,
  type Seq2SeqSpec, type Seq2SeqSpecInput, type VectorToSequenceSpec, type VectorToSequenceSpecInput,
  type EncoderSpec, type DecoderSpec, type DecoderAttentionSpec, type BridgeKind, type SpecialIds,
} from './spec.ts';
export { Encoder, type EncoderOutput, type EncoderOptions, type TokenIds } from './encoder.ts';
export { Bridge, type BridgeOptions, type LayerStates } from './bridge.ts';
export { Decoder, type DecoderState, type DecoderOptions } from './decoder.ts';
export { Seq2Seq, type TranslateOptions } from './model.ts';
export { VectorToSequence } from './vector-to-sequence.ts';
export {
  unrollTeacherForced, sequenceLoss, teacherForcingRatio,
  type TeacherForcingSchedule, type UnrollOptions, type Unrolled,
} from './teacher-forcing.ts';
export {
  greedyDecode, sampleDecode, beamSearch, decode,
  type Stepper, type StepOutput, type Hypothesis, type DecodeOptions, type BeamOptions, type SampleOptions, type DecodeStrategy,
} from './decoding.ts';
export { sampleToken, type TokenSamplingOptions } from './sampling.ts';
export { generate, LanguageModelStepper, type StepwiseLanguageModel, type LanguageModelState, type GenerationOptions } from './generate.ts';
