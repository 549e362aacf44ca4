/**
 * DataError: a mistake in the user's data or in how it was described (unknown column, missing or
 * malformed value, bad window sizes). Its message says what was wrong and how to fix it, so a CLI
 * can print it without a stack trace; anything else thrown from src/data is a bug.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
}

/** `"a", "b", "c"`: names as a user would type them, for "available columns" lists. */
export function quoteList(names: readonly string[]): string {
  return names.map((n) => JSON.stringify(n)).join(', ');
}
