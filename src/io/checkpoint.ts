/**
 * Checkpoint files (Node): `saveCheckpoint` writes a `.recur` file atomically, `loadCheckpoint`
 * reads one with clear errors. The format itself lives in checkpoint-format.ts (no Node APIs;
 * browsers use `encodeCheckpoint` / `decodeCheckpoint` from there), the write protocol in atomic.ts.
 *
 * Guarantee: a process killed at any moment during `saveCheckpoint` leaves the previous file at
 * the path intact and loadable (temp file, fsync, rename, fsync of the directory). With
 * `{ backup: true }` the previous checkpoint is also kept as `<path>.bak`, and a load that finds
 * the file damaged says so.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { CheckpointError } from './checkpoint-error.ts';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint-format.ts';

export { CheckpointError, type CheckpointErrorCode } from './checkpoint-error.ts';
export { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint-format.ts';
export { captureRng, restoreRng, type CheckpointRng } from './checkpoint-state.ts';
export type { JsonValue } from './json.ts';

export interface SaveCheckpointOptions {
  /** Keep the checkpoint being replaced as `<path>.bak` (default false). */
  backup?: boolean;
}

/**
 * Write a checkpoint to `path` (conventionally `*.recur`) atomically: after a kill at any moment
 * the file at `path` is the previous checkpoint or this one, whole. Stale temp files of killed
 * writers are removed. Throws {@link CheckpointError}: `invalid` for content that cannot be
 * written exactly (see `encodeCheckpoint`), `io` when the file system refuses.
 *
 * @example
 * saveCheckpoint('runs/lstm.recur', {
 *   spec, weights: model.stateDict(), optimizer: opt.stateDict(), rng: captureRng(model),
 *   training: { epoch, step, history },
 * }, { backup: true });
 */
export function saveCheckpoint(path: string, ckpt: Checkpoint, options: SaveCheckpointOptions = {}): void {
  const bytes = encodeCheckpoint(ckpt);
  try {
    writeFileAtomic(path, bytes, { backup: options.backup ?? false });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why =
      err.code === 'ENOENT' ? `its directory does not exist (${resolve(path, '..')})` :
      err.code === 'ENOSPC' ? 'the disk is full' :
      err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied' :
      err.code === 'EISDIR' ? 'it is a directory' :
      err.message;
    throw new CheckpointError('io', `cannot write checkpoint '${path}': ${why}; the previous file there (if any) is unchanged`, { cause: e });
  }
}

/**
 * Read a checkpoint written by {@link saveCheckpoint}. Throws {@link CheckpointError} with `code`
 * `not-found` (naming the path), `truncated`, `corrupted`, `foreign` (another safetensors file,
 * an image, a JSON file... named in the message), `newer-version`, `invalid` or `io`.
 *
 * @example
 * const ckpt = loadCheckpoint('runs/lstm.recur');
 * model.loadStateDict(ckpt.weights);
 * if (ckpt.optimizer) opt.loadStateDict(ckpt.optimizer);
 * if (ckpt.rng) restoreRng(ckpt.rng, model);
 */
export function loadCheckpoint(path: string): Checkpoint {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') {
      throw new CheckpointError('not-found', `no checkpoint at '${path}': file not found (looked at ${resolve(path)})`, { cause: e });
    }
    const why = err.code === 'EISDIR' ? 'it is a directory, expected a .recur file' : err.code === 'EACCES' ? 'permission denied' : err.message;
    throw new CheckpointError('io', `cannot read checkpoint '${path}': ${why}`, { cause: e });
  }
  try {
    return decodeCheckpoint(bytes, path);
  } catch (e) {
    const bak = `${path}.bak`;
    if (e instanceof CheckpointError && (e.code === 'truncated' || e.code === 'corrupted') && existsSync(bak)) {
      throw new CheckpointError(e.code, `${e.message}. The previous checkpoint is kept at '${bak}'`, { cause: e });
    }
    throw e;
  }
}
