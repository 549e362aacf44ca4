/**
 * The training settings of a `recur train` run, saved with the model so that `--resume` can check
 * that it continues the same run and `info` can show how the model was trained.
 */

export interface RunSettings {
  /** Epochs asked for (the total, not the ones left). */
  epochs: number;
  batchSize: number;
  lr: number;
  /** Gradient norm clip, or null for none. */
  clip: number | null;
  /** Early-stopping patience in epochs, or null for none. */
  patience: number | null;
  seed: number;
}

/** The flag that sets each setting, for messages. */
export const RUN_FLAGS: Record<keyof RunSettings, string> = {
  epochs: '--epochs',
  batchSize: '--batch-size',
  lr: '--lr',
  clip: '--clip',
  patience: '--patience',
  seed: '--seed',
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const numberOrNull = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isFinite(v));

/** Saved settings, or null when absent or malformed (they are informative, not needed to predict). */
export function runFromJson(v: unknown): RunSettings | null {
  if (!isObject(v)) return null;
  const { epochs, batchSize, lr, clip, patience, seed } = v;
  if (typeof epochs !== 'number' || typeof batchSize !== 'number' || typeof lr !== 'number' || typeof seed !== 'number') return null;
  if (!numberOrNull(clip) || !numberOrNull(patience)) return null;
  return { epochs, batchSize, lr, clip, patience, seed };
}
