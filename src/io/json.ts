/**
 * JSON values as a type, and a check that a runtime value really is one before it is written:
 * JSON.stringify silently turns NaN into null, drops undefined and functions, and writes a Date
 * as a string that comes back as a string. A checkpoint must come back as it was saved.
 */

/** A value JSON can hold exactly: what `JSON.parse` returns. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * The path and reason of the first part of `value` that JSON cannot round-trip, or null when it
 * round-trips exactly. `path` names the root in the message (e.g. "training").
 *
 * @example jsonProblem({ loss: NaN }, 'training'); // 'training.loss is NaN, which JSON cannot hold'
 */
export function jsonProblem(value: unknown, path: string): string | null {
  return walk(value, path, new Set<object>());
}

function walk(value: unknown, path: string, open: Set<object>): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `${path} is ${String(value)}, which JSON cannot hold (use null or a string)`;
    case 'undefined':
      return `${path} is undefined, which JSON cannot hold (omit the key or use null)`;
    case 'bigint':
      return `${path} is a bigint, which JSON cannot hold (convert it to a number or a string)`;
    case 'function':
    case 'symbol':
      return `${path} is a ${typeof value}, which JSON cannot hold`;
    case 'object':
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (open.has(obj)) return `${path} refers back to itself (a cycle), which JSON cannot hold`;
  open.add(obj);
  let problem: string | null = null;
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length && problem === null; i++) problem = walk(obj[i] as unknown, `${path}[${i}]`, open);
  } else {
    const proto: unknown = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const name = obj.constructor?.name ?? 'object';
      open.delete(obj);
      return `${path} is a ${name}, not a plain object; JSON would not bring it back as one` +
        (obj instanceof Date ? ' (store date.toISOString())' : ArrayBuffer.isView(obj) ? ' (store it as a tensor or a number array)' : '');
    }
    for (const [k, v] of Object.entries(obj)) {
      problem = walk(v, `${path}${/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`}`, open);
      if (problem !== null) break;
    }
  }
  open.delete(obj);
  return problem;
}
