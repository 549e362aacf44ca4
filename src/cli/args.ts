/**
 * Option value parsers for commander: each turns the text of one flag into a typed value or
 * throws commander's InvalidArgumentError, which commander reports as a usage error naming the flag.
 */
import { InvalidArgumentError } from 'commander';
import type { MissingPolicy } from '../index.ts';

/** A positive integer (epochs, sizes, steps). */
export function positiveInt(text: string): number {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError('expected a positive integer, e.g. 32');
  return v;
}

/** An integer ≥ 0 (seeds). */
export function nonNegativeInt(text: string): number {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v)) throw new InvalidArgumentError('expected an integer ≥ 0, e.g. 7');
  return v;
}

/** A number > 0 (learning rate, clipping norm). */
export function positiveNumber(text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0) throw new InvalidArgumentError('expected a number > 0, e.g. 0.001');
  return v;
}

/** A number ≥ 0 (temperature). */
export function nonNegativeNumber(text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v < 0) throw new InvalidArgumentError('expected a number ≥ 0, e.g. 0.8');
  return v;
}

/** A fraction in [0, 1) (dropout). */
export function unitFraction(text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !(v >= 0 && v < 1)) throw new InvalidArgumentError('expected a number in [0, 1), e.g. 0.2');
  return v;
}

/** Comma-separated column names, e.g. "temp,pressure"; names are kept verbatim apart from surrounding spaces. */
export function columnList(text: string): string[] {
  const names = text.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw new InvalidArgumentError('expected comma-separated column names, e.g. temp,pressure');
  if (new Set(names).size !== names.length) throw new InvalidArgumentError('a column is named twice');
  return names;
}

/** Train/validation/test fractions, "0.7,0.15,0.15". */
export function splitFractions(text: string): { train: number; validation: number; test: number } {
  const parts = text.split(',').map((s) => Number(s.trim()));
  const [train, validation, test] = parts;
  if (parts.length !== 3 || !parts.every((f) => Number.isFinite(f) && f > 0 && f < 1) || Math.abs(train + validation + test - 1) > 1e-9) {
    throw new InvalidArgumentError('expected three fractions > 0 summing to 1: train,validation,test, e.g. 0.7,0.15,0.15');
  }
  return { train, validation, test };
}

/** --missing: error | drop | ffill | mean | <number>. */
export function missingPolicy(text: string): MissingPolicy {
  if (text === 'error' || text === 'drop' || text === 'ffill' || text === 'mean') return text;
  const v = Number(text);
  if (text.trim() !== '' && Number.isFinite(v)) return { fill: v };
  throw new InvalidArgumentError('expected error, drop, ffill, mean or a number to fill with');
}

/** A probability in (0, 1] (top-p). */
export function probability(text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !(v > 0 && v <= 1)) throw new InvalidArgumentError('expected a number in (0, 1], e.g. 0.9');
  return v;
}
