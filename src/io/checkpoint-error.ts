/** The one error type of checkpoint saving and loading, with a code a CLI can switch on. */

/**
 * - `not-found`: no file at the path
 * - `truncated`: the file ends before its header says it should (an interrupted copy or download)
 * - `corrupted`: the bytes are damaged (checksum mismatch, unreadable header, trailing bytes)
 * - `foreign`: not a recur checkpoint (another safetensors file, a PNG, a JSON file...)
 * - `newer-version`: written by a newer recur with a format version this one cannot read
 * - `invalid`: well-formed bytes whose content is wrong, or a checkpoint that cannot be written
 *   (a NaN in its JSON, a weight that is not a tensor)
 * - `io`: the file system refused (permissions, full disk, a directory instead of a file)
 */
export type CheckpointErrorCode = 'not-found' | 'truncated' | 'corrupted' | 'foreign' | 'newer-version' | 'invalid' | 'io';

/**
 * Thrown by checkpoint saving and loading; `code` says which kind of problem it is.
 * @example
 * try { loadCheckpoint('model.recur'); }
 * catch (e) { if (e instanceof CheckpointError && e.code === 'not-found') console.error(e.message); }
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
  readonly code: CheckpointErrorCode;

  constructor(code: CheckpointErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
