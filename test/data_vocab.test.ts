/**
 * Vocabulary: ids of known strings (Korean included), code-point characters, deterministic
 * ordering, minFreq/maxSize, encode/decode with specials and unknowns, and the JSON round trip;
 * then counts on the real Korean review set checked against counts made outside recur.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { DataError } from '../src/data/errors.ts';
import { Vocabulary, type VocabularyJSON } from '../src/data/vocab.ts';

const SPECIALS = ['<pad>', '<unk>', '<bos>', '<eos>'];

describe('Vocabulary', () => {
  test('word level on Korean: frequency first, then code point', () => {
    const v = Vocabulary.build(['영화 최고', '영화  별로\n'], { level: 'word' });
    // 영화 ×2; 별로 (U+BCC4…) before 최고 (U+CD5C…).
    assert.deepEqual(v.tokens, [...SPECIALS, '영화', '별로', '최고']);
    assert.deepEqual(v.encode('영화 재밌다'), [4, Vocabulary.UNK]);
    assert.deepEqual(v.encode('최고 영화', { bos: true, eos: true }), [2, 6, 4, 3]);
    assert.equal(v.decode([2, 6, 4, 1, 3, 0, 0]), '최고 영화 <unk>');
    assert.equal(v.decode([2, 6, 3], { keepSpecials: true }), '<bos> 최고 <eos>');
  });

  test('char level counts code points, spaces included', () => {
    const v = Vocabulary.build(['영화 최고', '영화 별로'], { level: 'char' });
    assert.deepEqual(v.tokens, [...SPECIALS, ' ', '영', '화', '고', '로', '별', '최']);
    assert.deepEqual(v.encode('별 영화!'), [9, 4, 5, 6, 1]);
    assert.equal(v.decode(v.encode('영화 최고')), '영화 최고');
  });

  test('astral characters are one token and sort by code point, not UTF-16 unit', () => {
    // U+FF71 < U+1F600, though the emoji's first UTF-16 unit (0xD83D) is below 0xFF71.
    const v = Vocabulary.build(['😀ｱ'], { level: 'char' });
    assert.deepEqual(v.tokens.slice(4), ['ｱ', '😀']);
    assert.deepEqual(v.encode('😀😀'), [5, 5]);
    assert.equal(v.decode([5, 4]), '😀ｱ');
  });

  test('decomposed Hangul is normalised to the precomposed syllable', () => {
    const v = Vocabulary.build(['한국'], { level: 'char' });
    const decomposed = '\u1112\u1161\u11ab\u1100\u116e\u11a8'; // 한국 as jamo
    assert.equal(decomposed.length, 6);
    assert.deepEqual(v.encode(decomposed), v.encode('한국'));
    assert.deepEqual(v.encode('한국'), [5, 4]); // both seen once: 국 (U+AD6D) gets id 4, 한 (U+D55C) id 5
  });

  test('minFreq, maxSize, lowercase and literal specials', () => {
    assert.deepEqual(Vocabulary.build(['aab', 'abc'], { level: 'char', minFreq: 2 }).tokens.slice(4), ['a', 'b']);
    assert.deepEqual(Vocabulary.build(['aab', 'abc'], { level: 'char', maxSize: 5 }).tokens.slice(4), ['a']);
    const lower = Vocabulary.build(['The the THE cat'], { level: 'word', lowercase: true });
    assert.deepEqual(lower.tokens.slice(4), ['the', 'cat']);
    assert.deepEqual(lower.encode('THE Cat'), [4, 5]);
    const lit = Vocabulary.build(['<unk> <eos> a'], { level: 'word' });
    assert.deepEqual(lit.tokens, [...SPECIALS, 'a']);
    assert.deepEqual(lit.encode('<eos> a'), [3, 4]);
    assert.throws(() => Vocabulary.build(['a'], { level: 'char', maxSize: 3 }), DataError);
    assert.throws(() => Vocabulary.build(['a'], { level: 'char', minFreq: 0 }), /minFreq is 0/);
    assert.throws(() => lower.tokenOf(99), /id 99 is outside 0..5/);
  });

  test('JSON round trip keeps every id; a foreign file is refused', () => {
    const v = Vocabulary.build(['Hello wörld', 'hello'], { level: 'word', lowercase: true });
    const json: VocabularyJSON = JSON.parse(JSON.stringify(v));
    assert.deepEqual(json, { kind: 'vocabulary', level: 'word', lowercase: true, tokens: [...SPECIALS, 'hello', 'wörld'] });
    const w = Vocabulary.fromJSON(json);
    assert.deepEqual(w.encode('HELLO wörld x'), [4, 5, 1]);
    assert.throws(() => Vocabulary.fromJSON({ ...json, tokens: ['<unk>', '<pad>', '<bos>', '<eos>'] }), /token 0 is "<unk>", expected <pad>/);
    assert.throws(() => Vocabulary.fromJSON({ ...json, tokens: [...SPECIALS, 'a', 'a'] }), /tokens repeat/);
  });
});

const NSMC = new URL('../data/nsmc_korean_sentiment/ratings_train_30k.txt', import.meta.url).pathname;

test('Vocabulary on 2,000 real Korean reviews matches counts made outside recur', () => {
  const path = NSMC;
  const docs = readFileSync(path, 'utf8').split('\n').slice(1, 2001).map((l) => l.split('\t')[1]);
  // Top words by `tr | sort | uniq -c`: 영화 136, 너무 109, 정말 90, 이 68, 진짜 67.
  const words = Vocabulary.build(docs, { level: 'word' });
  assert.deepEqual(words.tokens.slice(4, 9), ['영화', '너무', '정말', '이', '진짜']);
  // Top characters and distinct count by Python's Counter: ' ', '.', 이, 다, 는; 1,243 characters.
  const chars = Vocabulary.build(docs, { level: 'char' });
  assert.deepEqual(chars.tokens.slice(4, 9), [' ', '.', '이', '다', '는']);
  assert.equal(chars.size, 4 + 1243);
  // Every review built from known characters decodes to itself.
  for (const d of docs.slice(0, 50)) assert.equal(chars.decode(chars.encode(d)), d.normalize('NFC'));
});
