/**
 * BLEU and chrF against sacreBLEU's own test values (sacrebleu/test/test_bleu.py, test_chrf.py,
 * its README example) and the Hugging Face `evaluate` chrF card, plus cases worked by hand.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bleuFromCounts, corpusBleu, formatBleu, tokenize13a } from '../src/metrics/bleu.ts';
import { corpusChrf } from '../src/metrics/chrf.ts';

const close = (actual: number, expected: number, eps: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) < eps, `${what}: ${actual} vs ${expected}`);
};

// sacreBLEU's README example: three sentences, two reference streams.
const HYPS = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.'];
const REFS = [
  ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.'],
  ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.'],
];

test('13a tokenizer splits punctuation as mteval-v13a', () => {
  assert.equal(tokenize13a('The dog bit the man.'), 'The dog bit the man .');
  assert.equal(tokenize13a("It wasn't surprising."), "It wasn't surprising ."); // ' is not in 13a's symbol set
  assert.equal(tokenize13a('Pay $3.50, now-ish (1-2 days)!'), 'Pay $ 3.50 , now-ish ( 1 - 2 days ) !');
  assert.equal(tokenize13a('a &amp; b &lt;c&gt;'), 'a & b < c >');
  assert.equal(tokenize13a('  톰은 학생이야.  '), '톰은 학생이야 .');
});

test('corpus BLEU matches sacreBLEU on its README example', () => {
  const s = corpusBleu(HYPS, REFS);
  close(s.score, 48.530827, 1e-6, 'BLEU 13a');
  assert.equal(formatBleu(s), 'BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)');
  close(corpusBleu(HYPS, REFS, { tokenize: 'none' }).score, 49.1919566, 1e-6, 'BLEU tokenize none');
  close(corpusBleu(HYPS, REFS, { smooth: 'none' }).score, 48.530827, 1e-6, 'BLEU no smoothing');
  assert.equal(corpusBleu(['', '', ''], REFS).score, 0, 'empty hypotheses score 0');
});

test('BLEU statistics and scoring match sacreBLEU test values', () => {
  const s = corpusBleu(['am I am a character sequence'], [['I am a symbol string sequence a a']], { smooth: 'floor', smoothValue: 0 });
  assert.deepEqual(s.counts, [4, 2, 1, 0]);
  assert.deepEqual(s.totals, [6, 5, 4, 3]);
  assert.equal(s.score, 0);
  close(corpusBleu(['am I am a character sequence'], [['I am a symbol string sequence a a']], { smooth: 'floor' }).score / 100, 0.1555722182, 1e-8, 'floor 0.1');
  close(bleuFromCounts([9, 7, 5, 3], [10, 8, 6, 4], 11, 11, { smooth: 'none' }).score / 100, 0.8375922397, 1e-8, 'compute_bleu');
  close(corpusBleu(['this is a fest'], [['this is a test']], { smooth: 'floor', smoothValue: 0.01, tokenize: 'none' }).score / 100, 0.223606797749979, 1e-8, 'fest');
  // sacreBLEU ≥ 2 returns 0 when no n-gram matches at all (its issue #141; 1.x gave 0.0038).
  assert.equal(corpusBleu(['this is a test', 'another test'], [['ref1', 'ref2']], { smooth: 'floor', smoothValue: 0.01, tokenize: 'none' }).score, 0);
  close(corpusBleu(['this is a test'], [['this is a test']], { smooth: 'floor', smoothValue: 0.01, tokenize: 'none' }).score, 100, 1e-9, 'same');
});

test('BLEU: identical is 100, disjoint is 0, short output pays exp(1 − r/c)', () => {
  close(corpusBleu(['나는 학생 이다 .', 'a b c d e'], [['나는 학생 이다 .', 'a b c d e']]).score, 100, 1e-9, 'identical');
  assert.equal(corpusBleu(['x y z w'], [['a b c d']]).score, 0);
  // Hand-worked: hyp 'a b c d' (4 tokens) against 'a b c d e f' (6): every precision is 1,
  // so BLEU = 100 · exp(1 − 6/4) = 100 · e^(−0.5).
  close(corpusBleu(['a b c d'], [['a b c d e f']]).score, 100 * Math.exp(-0.5), 1e-9, 'brevity penalty');
  // Hand-worked clipping: 'the the the the' vs 'the cat': p1 = 1/4; no 2-grams match, 'exp'
  // smoothing gives p2 = 1/(2·3), p3 = 1/(4·2), p4 = 1/(8·1); c = 4 ≥ r = 2 so BP = 1.
  const expected = 100 * Math.exp((Math.log(1 / 4) + Math.log(1 / 6) + Math.log(1 / 8) + Math.log(1 / 8)) / 4);
  close(corpusBleu(['the the the the'], [['the cat']]).score, expected, 1e-9, 'clipping and exp smoothing');
});

test('BLEU char tokenizer and input checks', () => {
  // '가나다' vs '가나라': p1 = 2/3, p2 = 1/2, p3 = 0 → 1/(2·1), p4: no 4-grams → the order is empty → 0.
  assert.equal(corpusBleu(['가나다'], [['가나라']], { tokenize: 'char' }).score, 0);
  close(corpusBleu(['가 나다라'], [['가나다라']], { tokenize: 'char' }).score, 100, 1e-9, 'char BLEU ignores spaces');
  assert.throws(() => corpusBleu(['a'], [['a', 'b']]), /reference stream 0 has 2 sentences, the hypotheses 1/);
  assert.throws(() => corpusBleu(['a'], [['']]), /sentence 0 has no non-empty reference/);
});

test('chrF matches the Hugging Face evaluate card (sacreBLEU 2.x defaults)', () => {
  const pred = ['The relationship between cats and dogs is not exactly friendly.', 'a good bookshop is just a genteel black hole that knows how to read.'];
  const ref = ['The relationship between dogs and cats is not exactly friendly.', 'A good bookshop is just a genteel Black Hole that knows how to read.'];
  close(corpusChrf(pred, [ref]).score, 84.64214891738334, 1e-9, 'chrF2 two sentences');
  close(
    corpusChrf(['The relationship between Obama and Netanyahu is not exactly friendly.'], [['The ties between Obama and Netanyahu are not particularly friendly.']]).score,
    61.576379378113785, 1e-9, 'chrF2 Obama',
  );
});

test('chrF matches sacreBLEU effective-order test values (β = 3)', () => {
  const cases: [string[], string[], number][] = [
    [['a'], ['a'], 100],
    [[''], ['reference'], 0],
    [['a b c'], ['a b c'], 100],
    [['a b c'], ['abc'], 100],
    [[''], ['c'], 0],
    [['a', 'b'], ['a', 'c'], 50],
    [['aa'], ['ab'], 25],
  ];
  for (const [h, r, expected] of cases) close(corpusChrf(h, [r], { beta: 3 }).score, expected, 1e-4, `${JSON.stringify(h)} vs ${JSON.stringify(r)}`);
});

test('chrF keeps whitespace on request (sacreBLEU test values)', () => {
  close(
    corpusChrf(['Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich.'], [['Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich.']], { beta: 3, whitespace: true }).score,
    67.3481606, 1e-4, 'whitespace German',
  );
  close(
    corpusChrf(
      ['risk assessment must be made of those who are qualified and expertise in the sector - these are the scientists .'],
      [['risk assessment has to be undertaken by those who are qualified and expert in that area - that is the scientists .']],
      { beta: 3, whitespace: true },
    ).score,
    65.2414427, 1e-4, 'whitespace English',
  );
});

test('chrF on Hangul: syllables are characters; hand-worked value; best of several references', () => {
  assert.equal(corpusChrf(['나는 학생이야.'], [['나는 학생이야.']]).score, 100);
  assert.equal(corpusChrf([''], [['안녕']]).score, 0);
  // '안녕' vs '안녕하세요' (whitespace-free): 1-grams hyp 2, ref 5, match 2; 2-grams hyp 1, ref 4,
  // match 1; orders ≥ 3 have no hypothesis n-grams. P = (1 + 1)/2 = 1, R = (2/5 + 1/4)/2 = 0.325,
  // chrF2 = 5 · 1 · 0.325 / (4 · 1 + 0.325).
  close(corpusChrf(['안녕'], [['안녕하세요']]).score, (100 * 5 * 0.325) / (4 + 0.325), 1e-9, 'Hangul hand value');
  // Two reference streams: the sentence keeps the better one.
  assert.equal(corpusChrf(['안녕'], [['잘 가'], ['안녕']]).score, 100);
  assert.throws(() => corpusChrf(['a', 'b'], [['a']]), /reference stream 0 has 1 sentences, the hypotheses 2/);
});
