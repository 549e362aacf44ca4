/**
 * The `shakespeare` demo: the n-gram baselines by hand on a tiny text, and a quick run of the
 * character LSTM that must get well below the unigram cross entropy of the text (and below the
 * bigram model's), with reproducible samples.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ngramBaselines, run } from '../src/demos/shakespeare.ts';

const dir = mkdtempSync(join(tmpdir(), 'recur-shakespeare-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('unigram and bigram baselines (add-one) by hand', () => {
  // V = 2, train "0 0 1": unigram p(0) = (2+1)/(3+2) = 0.6, p(1) = 0.4;
  // bigram counts 0→0: 1, 0→1: 1, so p(1|0) = (1+1)/(2+2) = 0.5; val "0 1": unigram −(ln .6 + ln .4)/2, bigram −ln .5.
  const { unigram, bigram } = ngramBaselines(Int32Array.of(0, 0, 1), Int32Array.of(0, 1), 2);
  assert.ok(Math.abs(unigram - -(Math.log(0.6) + Math.log(0.4)) / 2) < 1e-12);
  assert.ok(Math.abs(bigram - -Math.log(0.5)) < 1e-12);
});

test('shakespeare quick run: validation nats/char well below the unigram entropy, samples at 0.5/0.8/1.0', async () => {
  const r = await run({ quick: true, quiet: true, outDir: dir });
  const margin = 0.6; // nats per character
  assert.ok(r.valNatsPerChar < r.unigramNatsPerChar - margin, `validation ${r.valNatsPerChar} vs unigram ${r.unigramNatsPerChar}`);
  assert.ok(r.valNatsPerChar < r.bigramNatsPerChar, `validation ${r.valNatsPerChar} vs bigram ${r.bigramNatsPerChar}`);
  // The unigram entropy of Shakespeare's characters is about 3.3 nats (4.8 bits).
  assert.ok(r.unigramNatsPerChar > 3.2 && r.unigramNatsPerChar < 3.5, `unigram ${r.unigramNatsPerChar}`);
  assert.ok(Math.abs(r.valBitsPerChar - r.valNatsPerChar / Math.LN2) < 1e-12);
  assert.equal(r.value, r.valNatsPerChar);
  assert.ok(r.tokensPerSecond > 0 && Number.isFinite(r.tokensPerSecond));
  assert.deepEqual(r.samples.map((s) => s.temperature), [0.5, 0.8, 1.0]);
  for (const s of r.samples) assert.equal(Array.from(s.text).length, 200);
  // Colder samples repeat the commonest characters more: fewer distinct characters at 0.5 than at 1.0.
  const distinct = (t: string): number => new Set(t).size;
  assert.ok(distinct(r.samples[0].text) < distinct(r.samples[2].text), 'temperature 0.5 draws from fewer characters than 1.0');
  const html = readFileSync(r.reportPath, 'utf8');
  assert.match(html, /Samples/);
  assert.match(html, /nats\/char/);
});
