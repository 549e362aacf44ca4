/**
 * Corpus BLEU as sacreBLEU 2.x computes it by default: mteval-v13a tokenisation ('13a'), n-grams
 * up to 4, clipped counts against the most generous reference, the closest reference length, the
 * exponential brevity penalty and 'exp' smoothing (NIST's: the k-th empty order counts as
 * 1 / (2^k · total)).
 *
 *   p_n  = Σ_sentences Σ_g min(count_hyp(g), max_refs count_ref(g)) / Σ_sentences Σ_g count_hyp(g)
 *   BP   = 1 if c ≥ r else exp(1 − r / c)       c = Σ hypothesis lengths, r = Σ closest reference lengths
 *   BLEU = 100 · BP · exp((1/N) Σ_n log p_n)
 *
 * References come as sacreBLEU's streams: `references[k][i]` is reference k of sentence i, so a
 * single reference per sentence is `[refs]`. An empty reference string means "no k-th reference
 * for this sentence". Strings are compared by Unicode code points, as Python does.
 */

/** How text becomes tokens: sacreBLEU's '13a' (default), 'char' (every character but spaces), 'none' (split on spaces). */
export type BleuTokenizer = '13a' | 'char' | 'none';

/** sacreBLEU's smoothing methods; the value of 'floor' (default 0.1) and 'add-k' (default 1) is `smoothValue`. */
export type BleuSmoothing = 'exp' | 'floor' | 'add-k' | 'none';

export interface BleuOptions {
  /** Default '13a'. */
  tokenize?: BleuTokenizer;
  /** Lower-case hypotheses and references first (default false). */
  lowercase?: boolean;
  /** Default 'exp'. */
  smooth?: BleuSmoothing;
  smoothValue?: number;
  /** N, the longest n-gram (default 4). */
  maxOrder?: number;
}

export interface BleuScore {
  /** 0–100. */
  score: number;
  /** [N] matched n-grams of each order (clipped). */
  counts: number[];
  /** [N] hypothesis n-grams of each order. */
  totals: number[];
  /** [N] p_n · 100 after smoothing. */
  precisions: number[];
  /** Brevity penalty. */
  bp: number;
  /** Σ hypothesis tokens. */
  hypLen: number;
  /** Σ closest reference tokens. */
  refLen: number;
}

const SMOOTH_DEFAULT: Record<BleuSmoothing, number> = { exp: 0, floor: 0.1, 'add-k': 1, none: 0 };

/**
 * mteval-v13a tokenisation (sacreBLEU's `Tokenizer13a`): unescape a few HTML entities, split off
 * punctuation and symbols, periods and commas unless next to a digit, and a dash after a digit.
 * @example tokenize13a('Hello, world!') // 'Hello , world !'
 */
export function tokenize13a(line: string): string {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  s = ` ${s} `;
  // ASCII symbols { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
  s = s.replace(/([{-~[-` -&(-+:-@/])/g, ' $1 ');
  s = s.replace(/([^0-9])([.,])/g, '$1 $2 ');
  s = s.replace(/([.,])([^0-9])/g, ' $1 $2');
  s = s.replace(/([0-9])(-)/g, '$1 $2 ');
  return splitWords(s).join(' ');
}

function splitWords(s: string): string[] {
  return s.split(/\s+/u).filter((w) => w !== '');
}

function tokens(line: string, tokenizer: BleuTokenizer): string[] {
  switch (tokenizer) {
    case '13a':
      return splitWords(tokenize13a(line));
    case 'char':
      return Array.from(line).filter((ch) => !/\s/u.test(ch));
    case 'none':
      return splitWords(line);
  }
}

/** Counts of every n-gram, 1 ≤ n ≤ N, keyed by the tokens joined with a space. */
function ngramCounts(toks: readonly string[], N: number): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= N; n++) {
    const m = new Map<string, number>();
    for (let i = 0; i + n <= toks.length; i++) {
      const g = toks.slice(i, i + n).join(' ');
      m.set(g, (m.get(g) ?? 0) + 1);
    }
    out.push(m);
  }
  return out;
}

/** The reference length closest to the hypothesis's, the shorter one on ties (sacreBLEU's rule). */
function closestLength(hypLen: number, refLens: readonly number[]): number {
  let best = -1;
  let bestDiff = Infinity;
  for (const r of refLens) {
    const d = Math.abs(hypLen - r);
    if (d < bestDiff || (d === bestDiff && r < best)) {
      bestDiff = d;
      best = r;
    }
  }
  return best;
}

function checkStreams(what: string, hyps: readonly string[], refs: readonly (readonly string[])[]): void {
  if (!Array.isArray(hyps)) throw new Error(`${what}: hypotheses must be an array of strings`);
  if (!Array.isArray(refs) || refs.length === 0) {
    throw new Error(`${what}: references must be a non-empty array of reference streams (one reference per sentence: [references])`);
  }
  refs.forEach((stream, k) => {
    if (!Array.isArray(stream) || stream.length !== hyps.length) {
      throw new Error(`${what}: reference stream ${k} has ${Array.isArray(stream) ? stream.length : 'no'} sentences, the hypotheses ${hyps.length}`);
    }
  });
  hyps.forEach((h, i) => {
    if (typeof h !== 'string') throw new Error(`${what}: hypothesis ${i} is ${typeof h}, expected a string`);
  });
}

/**
 * BLEU from its sufficient statistics (sacreBLEU's `compute_bleu`, 0–100).
 * @example bleuFromCounts([9, 7, 5, 3], [10, 8, 6, 4], 11, 11).score // 83.759…
 */
export function bleuFromCounts(
  countsIn: readonly number[],
  totalsIn: readonly number[],
  hypLen: number,
  refLen: number,
  options: Pick<BleuOptions, 'smooth' | 'smoothValue'> = {},
): BleuScore {
  const smooth = options.smooth ?? 'exp';
  if (!(smooth in SMOOTH_DEFAULT)) throw new Error(`BLEU: smooth is ${JSON.stringify(smooth)}, expected 'exp', 'floor', 'add-k' or 'none'`);
  const value = options.smoothValue ?? SMOOTH_DEFAULT[smooth];
  const counts = [...countsIn];
  const totals = [...totalsIn];
  const N = counts.length;
  const bp = hypLen < refLen ? (hypLen > 0 ? Math.exp(1 - refLen / hypLen) : 0) : 1;
  const precisions = new Array<number>(N).fill(0);
  const result = (score: number): BleuScore => ({ score, counts, totals, precisions, bp, hypLen, refLen });
  if (counts.every((c) => c === 0)) return result(0);

  let mteval = 1;
  for (let n = 0; n < N; n++) {
    if (smooth === 'add-k' && n > 0) {
      counts[n] += value;
      totals[n] += value;
    }
    if (totals[n] === 0) break;
    if (counts[n] === 0) {
      if (smooth === 'exp') {
        mteval *= 2;
        precisions[n] = 100 / (mteval * totals[n]);
      } else if (smooth === 'floor') precisions[n] = (100 * value) / totals[n];
    } else precisions[n] = (100 * counts[n]) / totals[n];
  }
  // log 0 is sacreBLEU's −9999999999: an order with no n-grams at all zeroes the score.
  const logSum = precisions.reduce((s, p) => s + (p === 0 ? -9999999999 : Math.log(p)), 0);
  return result(bp * Math.exp(logSum / N));
}

/**
 * Corpus BLEU of `hypotheses` against one or more reference streams (sacreBLEU's defaults).
 * @example
 * corpusBleu(['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'],
 *   [['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
 *    ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.']]).score // 48.53…
 */
export function corpusBleu(hypotheses: readonly string[], references: readonly (readonly string[])[], options: BleuOptions = {}): BleuScore {
  checkStreams('corpusBleu', hypotheses, references);
  const tokenizer = options.tokenize ?? '13a';
  if (tokenizer !== '13a' && tokenizer !== 'char' && tokenizer !== 'none') {
    throw new Error(`corpusBleu: tokenize is ${JSON.stringify(tokenizer)}, expected '13a', 'char' or 'none'`);
  }
  const N = options.maxOrder ?? 4;
  if (!Number.isInteger(N) || N < 1) throw new Error(`corpusBleu: maxOrder is ${N}, expected a positive integer`);
  const prep = (s: string): string[] => tokens((options.lowercase === true ? s.toLowerCase() : s).trimEnd(), tokenizer);

  const counts = new Array<number>(N).fill(0);
  const totals = new Array<number>(N).fill(0);
  let hypLen = 0;
  let refLen = 0;
  hypotheses.forEach((hyp, i) => {
    const refs = references.map((stream) => stream[i]).filter((r) => typeof r === 'string' && r !== '');
    if (refs.length === 0) throw new Error(`corpusBleu: sentence ${i} has no non-empty reference`);
    const h = prep(hyp);
    const refToks = refs.map(prep);
    // The most any one reference allows of each n-gram.
    const allowed = ngramCounts([], N);
    for (const r of refToks) {
      ngramCounts(r, N).forEach((m, n) => {
        for (const [g, c] of m) allowed[n].set(g, Math.max(allowed[n].get(g) ?? 0, c));
      });
    }
    ngramCounts(h, N).forEach((m, n) => {
      for (const [g, c] of m) {
        counts[n] += Math.min(c, allowed[n].get(g) ?? 0);
        totals[n] += c;
      }
    });
    hypLen += h.length;
    refLen += closestLength(h.length, refToks.map((r) => r.length));
  });
  return bleuFromCounts(counts, totals, hypLen, refLen, options);
}

/**
 * sacreBLEU's one-line summary.
 * @example formatBleu(score) // 'BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)'
 */
export function formatBleu(s: BleuScore): string {
  const ratio = s.refLen > 0 ? s.hypLen / s.refLen : 0;
  return (
    `BLEU = ${s.score.toFixed(2)} ${s.precisions.map((p) => p.toFixed(1)).join('/')} ` +
    `(BP = ${s.bp.toFixed(3)} ratio = ${ratio.toFixed(3)} hyp_len = ${s.hypLen} ref_len = ${s.refLen})`
  );
}
