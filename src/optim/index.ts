/** Optimizers and gradient clipping. */
export { Optimizer, type OptimizerKind, type OptimizerState } from './optimizer.ts';
export { SGD, type SGDOptions, type SGDConfig, type SGDState } from './sgd.ts';
export { Adam, AdamW, type AdamOptions, type AdamConfig, type AdamState } from './adam.ts';
export { RMSprop, type RMSpropOptions, type RMSpropConfig, type RMSpropState } from './rmsprop.ts';
export { createOptimizer, type OptimizerConfig } from './config.ts';
export { clipGradNorm, clipGradValue } from './clip.ts';
