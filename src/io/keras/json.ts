/**
 * Typed reads from parsed JSON (`unknown`), each failure a KerasImportError naming the layer, the
 * key and what was expected. The importer never touches a JSON value without going through here.
 */
import { KerasImportError } from './errors.ts';

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Reads the keys of one JSON object on behalf of `layer` (for messages); `what` names the object. */
export class ConfigReader {
  constructor(
    readonly raw: JsonObject,
    readonly layer: string,
    readonly what: string,
  ) {}

  fail(key: string, expected: string): never {
    throw new KerasImportError(this.layer, `${this.what} '${key}' is ${show(this.raw[key])}, expected ${expected}`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  string(key: string, fallback?: string): string {
    const v = this.raw[key];
    if (v === undefined || v === null) {
      if (fallback !== undefined) return fallback;
      throw new KerasImportError(this.layer, `${this.what} has no '${key}' (expected a string)`);
    }
    if (typeof v !== 'string') this.fail(key, 'a string');
    return v;
  }

  /** A string or null (Keras writes null for "none", e.g. merge_mode). */
  nullableString(key: string, fallback: string | null): string | null {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    if (v === null) return null;
    if (typeof v !== 'string') this.fail(key, 'a string or null');
    return v;
  }

  positiveInt(key: string): number {
    const v = this.raw[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.fail(key, 'a positive integer');
    return v;
  }

  number(key: string, fallback: number): number {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, 'a finite number');
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'boolean') this.fail(key, 'true or false');
    return v;
  }

  /** A boolean that is left out (null/undefined) when Keras should infer it. */
  optionalBool(key: string): boolean | null {
    const v = this.raw[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'boolean') this.fail(key, 'true or false');
    return v;
  }

  object(key: string): JsonObject {
    const v = this.raw[key];
    if (!isObject(v)) this.fail(key, 'an object');
    return v;
  }

  array(key: string): readonly unknown[] {
    const v = this.raw[key];
    if (!Array.isArray(v)) this.fail(key, 'an array');
    return v;
  }
}
