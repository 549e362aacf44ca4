/**
 * chrF: the character n-gram F-score (Popović 2015) as sacreBLEU 2.x computes it by default
 * (char order 6, β = 2, whitespace removed, no word n-grams, no epsilon smoothing).
 *
 * For each order n = 1..6, summed over the corpus:
 *   hyp_n   = character n-grams of the hypotheses,  ref_n = of the references,
 *   match_n = Σ_sentences Σ_g min(count_hyp(g), count_ref(g))
 * Orders where both hyp_n and ref_n are non-zero are the effective ones; over them
 *   P = mean match_n / hyp_n,   R = mean match_n / ref_n,
 *   chrF = 100 · (1 + β²) P R / (β² P + R)            (0 when P + R = 0)
 * With several references, each sentence keeps the statistics of the reference with the best
 * sentence-level chrF (the first on ties); an empty reference string means "no k-th reference for
 * this sentence", as in sacreBLEU. Characters are Unicode code points: a Hangul syllable
 * is one character, as in Python.
 */

export interface ChrfOptions {
  /** Longest character n-gram (default 6). */
  charOrder?: number;
  /** Weight of recall over precision (default 2). */
  beta?: number;
  /** Lower-case first (default false). */
  lowercase?: boolean;
  /** Keep whitespace inside the n-grams (default false: all whitespace is removed first). */
  whitespace?: boolean;
}

export interface ChrfScore {
  /** 0–100. */
  score: number;
  charOrder: number;
  beta: number;
  /** [charOrder] corpus statistics per order: hypothesis n-grams, reference n-grams, matches. */
  stats: { hyp: number; ref: number; match: number }[];
}

function charNgrams(chars: readonly string[], n: number): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i + n <= chars.length; i++) {
    const g = chars.slice(i, i + n).join('');
    m.set(g, (m.get(g) ?? 0) + 1);
  }
  return m;
}

/** [3·order] per order: hypothesis n-grams, reference n-grams, matched n-grams. */
function sentenceStats(hyp: readonly string[], ref: readonly string[], order: number): number[] {
  const s = new Array<number>(3 * order).fill(0);
  for (let n = 1; n <= order; n++) {
    const h = charNgrams(hyp, n);
    const r = charNgrams(ref, n);
    let match = 0;
    for (const [g, c] of h) match += Math.min(c, r.get(g) ?? 0);
    s[3 * (n - 1)] = Math.max(0, hyp.length - n + 1);
    s[3 * (n - 1) + 1] = Math.max(0, ref.length - n + 1);
    s[3 * (n - 1) + 2] = match;
  }
  return s;
}

/** chrF (0–100) from statistics laid out as `sentenceStats` returns them. */
function fScore(s: readonly number[], order: number, beta: number): number {
  let p = 0;
  let r = 0;
  let effective = 0;
  for (let i = 0; i < order; i++) {
    const [hyp, ref, match] = [s[3 * i], s[3 * i + 1], s[3 * i + 2]];
    if (hyp > 0 && ref > 0) {
      p += match / hyp;
      r += match / ref;
      effective++;
    }
  }
  if (effective === 0) return 0;
  p /= effective;
  r /= effective;
  if (p + r === 0) return 0;
  const b2 = beta * beta;
  return (100 * (1 + b2) * p * r) / (b2 * p + r);
}

/**
 * Corpus chrF of `hypotheses` against reference streams (`references[k][i]`: reference k of
 * sentence i; one reference per sentence is `[refs]`).
 * @example
 * corpusChrf(['The relationship between cats and dogs is not exactly friendly.'],
 *   [['The relationship between dogs and cats is not exactly friendly.']]).score
 */
export function corpusChrf(hypotheses: readonly string[], references: readonly (readonly string[])[], options: ChrfOptions = {}): ChrfScore {
  const order = options.charOrder ?? 6;
  const beta = options.beta ?? 2;
  if (!Number.isInteger(order) || order < 1) throw new Error(`corpusChrf: charOrder is ${order}, expected a positive integer`);
  if (!(beta > 0) || !Number.isFinite(beta)) throw new Error(`corpusChrf: beta is ${beta}, expected a finite number > 0`);
  if (!Array.isArray(hypotheses)) throw new Error('corpusChrf: hypotheses must be an array of strings');
  if (!Array.isArray(references) || references.length === 0) {
    throw new Error('corpusChrf: references must be a non-empty array of reference streams (one reference per sentence: [references])');
  }
  references.forEach((stream, k) => {
    if (!Array.isArray(stream) || stream.length !== hypotheses.length) {
      throw new Error(`corpusChrf: reference stream ${k} has ${Array.isArray(stream) ? stream.length : 'no'} sentences, the hypotheses ${hypotheses.length}`);
    }
  });
  const prep = (text: string): string[] => {
    let t = options.lowercase === true ? text.toLowerCase() : text;
    if (options.whitespace !== true) t = t.replace(/\s+/gu, '');
    return Array.from(t);
  };

  const total = new Array<number>(3 * order).fill(0);
  hypotheses.forEach((hyp, i) => {
    if (typeof hyp !== 'string') throw new Error(`corpusChrf: hypothesis ${i} is ${typeof hyp}, expected a string`);
    const h = prep(hyp);
    let best: number[] | null = null;
    let bestF = -1;
    const refs = references.map((stream) => stream[i]).filter((r) => typeof r === 'string' && r !== '');
    if (refs.length === 0) throw new Error(`corpusChrf: sentence ${i} has no non-empty reference`);
    for (const ref of refs) {
      const s = sentenceStats(h, prep(ref), order);
      const f = fScore(s, order, beta);
      if (f > bestF) {
        bestF = f;
        best = s;
      }
    }
    (best as number[]).forEach((v, k) => (total[k] += v));
  });
  const stats = Array.from({ length: order }, (_, i) => ({ hyp: total[3 * i], ref: total[3 * i + 1], match: total[3 * i + 2] }));
  return { score: fScore(total, order, beta), charOrder: order, beta, stats };
}
