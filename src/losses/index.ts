/** Loss functions: fused ops with hand-written backward passes, PyTorch's definitions. */
export { mseLoss, l1Loss, huberLoss, type HuberOptions } from './regression.ts';
export { bceWithLogits, type BceWithLogitsOptions } from './bce.ts';
export { crossEntropy, type ClassTargets, type CrossEntropyOptions } from './cross-entropy.ts';
export type { Reduction, ReductionOptions, LossInput } from './reduction.ts';
