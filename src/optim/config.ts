/**
 * Optimizers from plain typed configs (discriminated on `kind`), e.g. read from a JSON file:
 * `{ "kind": "adam", "lr": 0.001 }`. Omitted options take the optimizer's defaults; an unknown
 * key is an error (a typo must not silently fall back to a default).
 */
import type { Tensor } from '../tensor/tensor.ts';
import { Adam, AdamW, type AdamOptions } from './adam.ts';
import type { Optimizer, OptimizerKind } from './optimizer.ts';
import { RMSprop, type RMSpropOptions } from './rmsprop.ts';
import { SGD, type SGDOptions } from './sgd.ts';

export type OptimizerConfig =
  | ({ kind: 'sgd' } & SGDOptions)
  | ({ kind: 'adam' } & AdamOptions)
  | ({ kind: 'adamw' } & AdamOptions)
  | ({ kind: 'rmsprop' } & RMSpropOptions);

const KNOWN_KEYS: Record<OptimizerKind, readonly string[]> = {
  sgd: ['lr', 'momentum', 'dampening', 'nesterov', 'weightDecay'],
  adam: ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'],
  adamw: ['lr', 'betas', 'eps', 'weightDecay', 'amsgrad'],
  rmsprop: ['lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered'],
};

/**
 * Build the optimizer a config names.
 * @example const opt = createOptimizer(model.parameters(), { kind: 'sgd', lr: 0.1, momentum: 0.9 });
 */
export function createOptimizer(params: Iterable<Tensor>, config: OptimizerConfig): Optimizer {
  const known: readonly string[] | undefined = Object.hasOwn(KNOWN_KEYS, config.kind) ? KNOWN_KEYS[config.kind] : undefined;
  if (known === undefined) {
    throw new Error(`createOptimizer: unknown kind '${String(config.kind)}' (expected 'sgd', 'adam', 'adamw' or 'rmsprop')`);
  }
  for (const key of Object.keys(config)) {
    if (key !== 'kind' && !known.includes(key)) {
      throw new Error(`createOptimizer: unknown option '${key}' for '${config.kind}' (known: ${known.join(', ')})`);
    }
  }
  switch (config.kind) {
    case 'sgd':
      return new SGD(params, config);
    case 'adam':
      return new Adam(params, config);
    case 'adamw':
      return new AdamW(params, config);
    case 'rmsprop':
      return new RMSprop(params, config);
  }
}
