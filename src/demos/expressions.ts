/**
 * Arithmetic expressions for the grammar demo: a generator for valid ones, a recogniser, and
 * mutations that turn valid strings into strings the recogniser rejects.
 *
 *   expr   := term   (('+' | '-') term)*
 *   term   := factor (('*' | '/') factor)*
 *   factor := VAR | NUM | '(' expr ')'
 *   VAR    := one of a b c x y z          (one letter: "ab" is two variables side by side, invalid)
 *   NUM    := 1 to 3 digits                 (a longer run of digits is still one number when parsed)
 *
 * No spaces and no unary minus, so every character is a token and "-a" is invalid.
 * Legend: L length of a string in characters, A alphabet size (22).
 */
import type { Rng } from '../tensor/rng.ts';

const VARIABLES = 'abcxyz';
const DIGITS = '0123456789';
const OPERATORS = '+-*/';
/** Every character a string may hold; the one-hot position of a character is its index here. */
export const ALPHABET = `${VARIABLES}${DIGITS}${OPERATORS}()`;

/**
 * True when `s` is an expression of the grammar above (recursive descent, one character of lookahead).
 * @example isValidExpression('(a+12)*b') // true
 * @example isValidExpression('(a+12*b')  // false: unclosed parenthesis
 */
export function isValidExpression(s: string): boolean {
  let pos = 0;
  const peek = (): string => (pos < s.length ? s[pos] : '');

  const factor = (): boolean => {
    const c = peek();
    if (c !== '' && VARIABLES.includes(c)) {
      pos++;
      return true;
    }
    if (c !== '' && DIGITS.includes(c)) {
      while (peek() !== '' && DIGITS.includes(peek())) pos++;
      return true;
    }
    if (c === '(') {
      pos++;
      if (!expr()) return false;
      if (peek() !== ')') return false;
      pos++;
      return true;
    }
    return false;
  };
  const term = (): boolean => {
    if (!factor()) return false;
    while (peek() === '*' || peek() === '/') {
      pos++;
      if (!factor()) return false;
    }
    return true;
  };
  const expr = (): boolean => {
    if (!term()) return false;
    while (peek() === '+' || peek() === '-') {
      pos++;
      if (!term()) return false;
    }
    return true;
  };
  return expr() && pos === s.length;
}

function pick(rng: Rng, chars: string): string {
  return chars[rng.int(chars.length)];
}

/** A random expression; `depth` bounds the nesting of parentheses. */
function randomExpr(rng: Rng, depth: number): string {
  const terms = 1 + rng.int(3);
  let s = randomTerm(rng, depth);
  for (let k = 1; k < terms; k++) s += pick(rng, '+-') + randomTerm(rng, depth);
  return s;
}

function randomTerm(rng: Rng, depth: number): string {
  const factors = 1 + rng.int(3);
  let s = randomFactor(rng, depth);
  for (let k = 1; k < factors; k++) s += pick(rng, '*/') + randomFactor(rng, depth);
  return s;
}

function randomFactor(rng: Rng, depth: number): string {
  const r = rng.uniform();
  if (depth > 0 && r < 0.3) return `(${randomExpr(rng, depth - 1)})`;
  if (r < 0.65) return pick(rng, VARIABLES);
  const digits = 1 + rng.int(3);
  let n = '';
  for (let k = 0; k < digits; k++) n += pick(rng, DIGITS);
  return n;
}

/**
 * A valid expression of length in [minLength, maxLength], drawn from the grammar (rejection: draw
 * until the length fits).
 */
export function randomValidExpression(rng: Rng, minLength: number, maxLength: number): string {
  for (;;) {
    const s = randomExpr(rng, 1 + rng.int(4));
    if (s.length >= minLength && s.length <= maxLength) return s;
  }
}

/** One random edit: substitute, delete, insert a character, or swap two neighbours. */
function mutateOnce(rng: Rng, s: string): string {
  const i = rng.int(s.length);
  switch (rng.int(4)) {
    case 0:
      return s.slice(0, i) + pick(rng, ALPHABET) + s.slice(i + 1);
    case 1:
      return s.slice(0, i) + s.slice(i + 1);
    case 2:
      return s.slice(0, i) + pick(rng, ALPHABET) + s.slice(i);
    default: {
      const j = Math.min(i + 1, s.length - 1);
      return s.slice(0, i) + s[j] + s[i] + s.slice(j + 1);
    }
  }
}

/**
 * An invalid string of length in [minLength, maxLength]: a valid expression with one or two
 * random edits, kept only when the recogniser rejects it (an edit such as 7 → 3 leaves it valid).
 */
export function randomInvalidExpression(rng: Rng, minLength: number, maxLength: number): string {
  for (;;) {
    let s = randomValidExpression(rng, minLength, maxLength);
    const edits = 1 + rng.int(2);
    for (let k = 0; k < edits; k++) s = mutateOnce(rng, s);
    if (s.length >= minLength && s.length <= maxLength && !isValidExpression(s)) return s;
  }
}

/** Labelled strings: label 1 valid, 0 invalid, half of each, in random order. */
export interface ExpressionSet {
  readonly strings: readonly string[];
  /** [S] 1 valid, 0 invalid. */
  readonly labels: readonly number[];
}

/**
 * `size` strings (half valid, half invalid) with lengths in [minLength, maxLength].
 * @example const { strings, labels } = expressionSet(new Rng(1), 1000, 10, 40);
 */
export function expressionSet(rng: Rng, size: number, minLength: number, maxLength: number): ExpressionSet {
  const items: { s: string; y: number }[] = [];
  for (let k = 0; k < size; k++) {
    const valid = k % 2 === 0;
    items.push({ s: valid ? randomValidExpression(rng, minLength, maxLength) : randomInvalidExpression(rng, minLength, maxLength), y: valid ? 1 : 0 });
  }
  rng.shuffle(items);
  return { strings: items.map((it) => it.s), labels: items.map((it) => it.y) };
}

/** [L][A] one-hot rows of a string over ALPHABET. */
export function oneHot(s: string): number[][] {
  return Array.from(s, (c) => {
    const row = new Array<number>(ALPHABET.length).fill(0);
    const k = ALPHABET.indexOf(c);
    if (k < 0) throw new Error(`grammar demo: character ${JSON.stringify(c)} is not in the alphabet ${ALPHABET}`);
    row[k] = 1;
    return row;
  });
}
