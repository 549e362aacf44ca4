/**
 * The demos learn: each one's quick configuration (the code path of the full run, with fewer
 * samples and epochs) beats its baseline by a stated margin, and writes its HTML report.
 *
 * Margins were chosen to hold across the default seed and seeds 1–5; measured (quick runs):
 *   sunspots   test RMSE 15.3–18.3 against persistence 29.89 and seasonal naive 33.96
 *              → asserted: at most 0.75 × either baseline
 *   worldcup   hold-out 2022 (862 matches) 490–504 correct against the majority class's 433
 *              (+6.6 to +8.3 points) → asserted: + 5 points. On the 64 World Cup matches the
 *              model got 27–34 against 35 (Elo favourite) and 28 (majority): too few matches to
 *              assert an order, so only the baselines' counts, which depend on the data alone.
 *   grammar    LSTM hidden 16: 84.7–95.6% against 50% (majority) and 59.9–62.1% (parentheses
 *              rule) → asserted: + 25 points over the majority, + 15 over the rule; dynamic batches
 *              84.7–95.6% against static ones padded after the string 49.0–50.5% → asserted: + 20
 *   sentiment  64.8–67.5% against the majority class's 50.4% → asserted: + 10 points
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_DEMO, DEMOS, DEMO_NAMES, getDemo } from '../src/demos/index.ts';
import { isValidExpression, expressionSet } from '../src/demos/expressions.ts';
import { eloExpectation, eloK } from '../src/demos/football.ts';
import { runGrammar } from '../src/demos/grammar.ts';
import { runSentiment } from '../src/demos/sentiment.ts';
import { runSunspots } from '../src/demos/sunspots.ts';
import { runWorldCup } from '../src/demos/worldcup.ts';
import { Rng } from '../src/tensor/rng.ts';

const outDir = mkdtempSync(join(tmpdir(), 'recur-demos-'));
after(() => rmSync(outDir, { recursive: true, force: true }));
const quick = { quick: true, quiet: true, outDir } as const;

/** The report is a complete HTML page with at least `charts` SVG charts. */
function checkReport(path: string, charts: number): string {
  assert.ok(path.startsWith(outDir), `${path} is in the outDir asked for`);
  assert.ok(existsSync(path), `${path} was written`);
  const html = readFileSync(path, 'utf8');
  assert.match(html, /^<!DOCTYPE html>/);
  assert.ok(html.trimEnd().endsWith('</html>'));
  const svgs = html.split('<svg').length - 1;
  assert.ok(svgs >= charts, `${svgs} charts in ${path}, expected at least ${charts}`);
  return html;
}

describe('demo registry', () => {
  test('the demos by name, sunspots first and the default, unknown names listed in the error', () => {
    assert.deepEqual(Object.keys(DEMOS), [...DEMO_NAMES]);
    assert.deepEqual(DEMO_NAMES.slice(0, 4), ['sunspots', 'worldcup', 'grammar', 'sentiment']);
    assert.equal(DEFAULT_DEMO, 'sunspots');
    for (const name of DEMO_NAMES) {
      assert.equal(DEMOS[name].name, name);
      assert.ok(DEMOS[name].description.length > 20, name);
    }
    assert.equal(getDemo('grammar'), DEMOS.grammar);
    assert.throws(() => getDemo('sunspot'), new RegExp(`^Error: unknown demo 'sunspot'; the demos are ${DEMO_NAMES.join(', ')}$`));
  });
});

describe('sunspots', () => {
  test('quick run: RMSE at most 0.75 × persistence and × seasonal naive, reproducible, report with the forecast', async () => {
    const r = await DEMOS.sunspots.run(quick);
    assert.equal(r.demo, 'sunspots');
    assert.equal(r.higherIsBetter, false);
    // The baselines depend on the data alone: 1969–2008, next = this year / = 11 years before.
    const [persistence, seasonal] = r.baselines.map((b) => b.value);
    assert.ok(Math.abs(persistence - 29.889) < 1e-3, `persistence RMSE ${persistence}`);
    assert.ok(Math.abs(seasonal - 33.961) < 1e-3, `seasonal naive RMSE ${seasonal}`);
    assert.ok(r.value <= 0.75 * persistence, `LSTM ${r.value.toFixed(2)} vs persistence ${persistence.toFixed(2)}`);
    assert.ok(r.value <= 0.75 * seasonal, `LSTM ${r.value.toFixed(2)} vs seasonal naive ${seasonal.toFixed(2)}`);
    const html = checkReport(r.reportPath, 4);
    assert.match(html, /Forecasts against the observed series/);

    const again = await runSunspots(quick);
    assert.equal(again.value, r.value, 'a seeded run repeats its result exactly');
    assert.deepEqual(again.testYears, [1969, 2008]);
    assert.equal(again.predictions.length, 40);
    assert.deepEqual(again.history.stepLosses, (r as typeof again).history.stepLosses);
  });
});

describe('worldcup', () => {
  test('quick run: the tournament packs to 128 rows; hold-out accuracy beats the majority class by 5 points', async () => {
    const r = await runWorldCup(quick);
    // One packed batch: 32 teams, 3–7 matches, [32, 7, 4] padded against [128, 4] packed.
    assert.equal(r.tournament.teams.length, 32);
    assert.deepEqual(r.tournament.batchSizes, [32, 32, 32, 16, 8, 4, 4]);
    assert.equal(r.tournament.paddedValues, 32 * 7 * 4);
    assert.equal(r.tournament.packedValues, 128 * 4);
    assert.equal(r.tournament.lengths[r.tournament.teams.indexOf('Argentina')], 7);
    // Baselines on the 64 matches depend on the data and the Elo ratings alone.
    assert.equal(r.test.matches, 64);
    assert.equal(r.test.eloFavourite, 35);
    assert.equal(r.test.majority, 28);
    assert.ok(r.test.model >= 0 && r.test.model <= 64);
    assert.equal(r.value, r.test.model / 64);
    // The steadier comparison: 2022 before the tournament.
    const h = r.holdout;
    assert.ok(h.matches > 800, `${h.matches} hold-out matches`);
    assert.ok(h.model / h.matches >= h.majority / h.matches + 0.05, `LSTM ${h.model}/${h.matches} vs majority ${h.majority}/${h.matches}`);
    const html = checkReport(r.reportPath, 3);
    assert.match(html, /Confusion matrix, the 64 World Cup matches/);
    assert.match(html, /Argentina 3–3 France/);
  });

  test('Elo: K by tournament, 100 points of home advantage, symmetric on neutral ground', () => {
    assert.deepEqual(['FIFA World Cup', 'Copa América', 'FIFA World Cup qualification', 'UEFA Nations League', 'Friendly', 'Gulf Cup'].map(eloK), [60, 50, 40, 40, 20, 30]);
    assert.equal(eloExpectation(1500, 1500, true), 0.5);
    assert.ok(Math.abs(eloExpectation(1500, 1500, false) - 1 / (10 ** (-100 / 400) + 1)) < 1e-12);
    assert.ok(Math.abs(eloExpectation(1700, 1500, true) + eloExpectation(1500, 1700, true) - 1) < 1e-12);
  });
});

describe('grammar', () => {
  test('the parser and the generated sets: valid strings parse, invalid ones do not, lengths 10–40', () => {
    for (const s of ['a', '(a+12)*b', '1/(x-y)', '((a))', '007+x']) assert.ok(isValidExpression(s), s);
    for (const s of ['', '(a+12*b', 'a+', '-a', 'ab', 'a(b)', '()', 'a**b', '12a']) assert.ok(!isValidExpression(s), s);
    const set = expressionSet(new Rng(3), 400, 10, 40);
    assert.equal(set.labels.filter((l) => l === 1).length, 200);
    set.strings.forEach((s, i) => {
      assert.ok(s.length >= 10 && s.length <= 40, s);
      assert.equal(isValidExpression(s), set.labels[i] === 1, s);
    });
  });

  test('quick run: LSTM beats the majority by 25 points and the parentheses rule by 15; dynamic beats static padded after by 20', async () => {
    const r = await runGrammar(quick);
    const [majority, rule] = r.baselines.map((b) => b.value);
    assert.equal(majority, 0.5);
    assert.equal(rule, r.parenthesesRule);
    assert.ok(r.value >= majority + 0.25, `LSTM ${r.value} vs majority ${majority}`);
    assert.ok(r.value >= rule + 0.15, `LSTM ${r.value} vs parentheses rule ${rule}`);
    // Every hidden size, with and without dropout.
    assert.deepEqual(r.runs.map((x) => [x.hiddenSize, x.dropout]), [[4, 0], [4, 0.3], [16, 0], [16, 0.3]]);
    const [stat, front, dyn] = r.batching;
    assert.deepEqual(r.batching.map((b) => b.mode), ['static', 'static, pads first', 'dynamic']);
    // Static batches compute B·40 cell steps per batch, dynamic ones Σ lengths: 10–40 characters each.
    assert.equal(stat.stepsPerEpoch, 3000 * 40);
    assert.equal(front.stepsPerEpoch, 3000 * 40);
    assert.ok(dyn.stepsPerEpoch > 3000 * 10 && dyn.stepsPerEpoch < 0.7 * stat.stepsPerEpoch, `${dyn.stepsPerEpoch} packed steps`);
    assert.ok(dyn.accuracy >= stat.accuracy + 0.2, `dynamic ${dyn.accuracy} vs static padded after ${stat.accuracy}`);
    const html = checkReport(r.reportPath, 5);
    assert.match(html, /Accuracy by hidden size, with and without dropout/);
    assert.match(html, /Static against dynamic batches/);
  });
});

describe('sentiment', () => {
  test('quick run: accuracy beats the majority class by 10 points; bucketing cuts the padding waste', async () => {
    const r = await runSentiment(quick);
    const [majority] = r.baselines.map((b) => b.value);
    assert.ok(Math.abs(majority - 0.5) < 0.02, `majority ${majority} on a balanced test set`);
    assert.ok(r.value >= majority + 0.1, `LSTM ${r.value} vs majority ${majority}`);
    assert.equal(r.testSize, 2000);
    assert.ok(r.vocabularySize > 1000, `${r.vocabularySize} words`);
    assert.ok(r.unknownRate > 0 && r.unknownRate < 0.7);
    assert.ok(r.paddingWaste.bucketed < r.paddingWaste.unbucketed / 3, JSON.stringify(r.paddingWaste));
    const html = checkReport(r.reportPath, 3);
    assert.match(html, /Confusion matrix, test reviews/);
  });
});
