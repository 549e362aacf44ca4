/**
 * How the CLI fails. A user's mistake prints one line to stderr — what was wrong and how to fix
 * it — and exits non-zero; only a bug in recur prints a stack trace, with a request to report it.
 *
 *   exit 0    success
 *   exit 1    a failure the user can fix: a missing or malformed file, an unknown column, a bad
 *             spec, a model file that is corrupted, foreign or for other data, training that diverged
 *   exit 2    a usage error: a missing or malformed flag, flags that contradict each other
 *   exit 130  training interrupted with Ctrl-C (the checkpoint was saved first)
 *
 * The library's own error types (DataError, CheckpointError, ModelSpecError, TrainingDivergedError,
 * SafetensorsError) are user-facing by contract: their messages already say what to fix.
 */

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** A mistake on the command line; `command` names the subcommand whose --help explains the fix. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly command: string | null = null,
  ) {
    super(message);
  }
}

/** A failure the user can fix (a file, its content, a model that does not fit the data). */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** The line to print and the exit status for an error thrown by a command. */
export interface Failure {
  readonly line: string;
  readonly exitCode: number;
  /** A stack trace to print after the line (bugs only). */
  readonly stack: string | null;
}

/**
 * The library's user-facing error classes, by their `name` (each sets it): recognised without
 * importing the library, so that `recur --help` and usage errors start fast.
 */
const USER_ERRORS = new Set(['CliError', 'DataError', 'CheckpointError', 'ModelSpecError', 'SafetensorsError', 'TrainingDivergedError']);

/** Whether `e` is a mistake the user can fix, as opposed to a bug in recur. */
export function isUserError(e: unknown): e is Error {
  return e instanceof Error && USER_ERRORS.has(e.name);
}

/**
 * Sort an error into a one-line user message or a bug report.
 * @example describeFailure(new UsageError('--steps is required')) // { line: 'recur: --steps is required', exitCode: 2, stack: null }
 */
export function describeFailure(e: unknown): Failure {
  if (e instanceof UsageError) {
    const help = e.command === null ? "'recur --help'" : `'recur ${e.command} --help'`;
    return { line: `recur: ${oneLine(e.message)} (see ${help})`, exitCode: EXIT_USAGE, stack: null };
  }
  if (isUserError(e)) return { line: `recur: ${oneLine(withHint(e.message))}`, exitCode: EXIT_FAILURE, stack: null };
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    line: `recur: internal error: ${oneLine(err.message)}. This is a bug in recur; please report it with the command you ran and the trace below.`,
    exitCode: EXIT_FAILURE,
    stack: err.stack ?? null,
  };
}

/** Library messages name API functions and options; say it with the command line's flags instead. */
function withHint(message: string): string {
  return message
    .replace(/^readCsv: /, '')
    .replace(
      /Pass missing: 'drop' \| 'ffill' \| 'mean' \| \{ fill: number \} to handle them, or leave the column out of columns/,
      'Handle them with --missing drop|ffill|mean|<number>, or leave the column out',
    )
    .replace('list the column in stringColumns to read it as text', 'leave the column out of --inputs');
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}
