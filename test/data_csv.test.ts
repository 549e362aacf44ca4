/**
 * readCsv on the real files (football results with quoted commas, Beijing PM2.5 with 'NA' gaps,
 * the Korean review TSV) and on small inline files whose every value is known: typing, dates,
 * line numbers, each missing-value policy, and every error a user can trigger.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { getColumn, indicesWhere, numberColumn, readCsv, selectRows, stringColumn } from '../src/data/csv.ts';
import { parseIsoDate } from '../src/data/dates.ts';
import { DataError } from '../src/data/errors.ts';

/** A dataset file shipped in the repository's data/. */
function dataFile(rel: string): string {
  return new URL(`../data/${rel}`, import.meta.url).pathname;
}
const FOOTBALL = dataFile('international_football_results/results.csv');
const BEIJING = dataFile('beijing_pm25/beijing_pm25_2010_2014.csv');
const NSMC = dataFile('nsmc_korean_sentiment/ratings_train_30k.txt');

/** Assert that `fn` throws a DataError whose message contains every fragment. */
function throwsData(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(f)}`);
    return true;
  });
}

describe('readCsv on the football results', () => {
  const t = readCsv({ path: FOOTBALL }, { dateColumns: ['date'] });

  test('every match is a row, every column typed', () => {
    assert.equal(t.rowCount, 49520);
    assert.deepEqual(t.names, ['date', 'home_team', 'away_team', 'home_score', 'away_score', 'tournament', 'city', 'country', 'neutral']);
    assert.deepEqual(
      t.columns.map((c) => c.kind),
      ['date', 'string', 'string', 'number', 'number', 'string', 'string', 'string', 'string'],
    );
    assert.deepEqual(t.missing, []);
    // First match: 1872-11-30 Scotland 0-0 England in Glasgow, file line 2.
    assert.equal(numberColumn(t, 'date')[0], Date.UTC(1872, 10, 30));
    assert.equal(stringColumn(t, 'home_team')[0], 'Scotland');
    assert.equal(t.lines[0], 2);
    assert.equal(t.lines[t.rowCount - 1], 49521);
  });

  test('quoted fields with commas stay in their column', () => {
    const city = stringColumn(t, 'city');
    const r = city.indexOf('Washington, D.C.');
    assert.equal(t.lines[r], 11144); // 1977-10-06 United States 1-1 China
    assert.equal(numberColumn(t, 'date')[r], Date.UTC(1977, 9, 6));
    assert.equal(stringColumn(t, 'home_team')[r], 'United States');
    assert.equal(stringColumn(t, 'away_team')[r], 'China');
    assert.equal(numberColumn(t, 'home_score')[r], 1);
    assert.equal(stringColumn(t, 'country')[r], 'United States');
    assert.equal(stringColumn(t, 'neutral')[r], 'FALSE');
    // The file quotes 77 fields, each for a comma inside it.
    const text = ['home_team', 'away_team', 'tournament', 'city', 'country'].map((n) => stringColumn(t, n));
    const withComma = indicesWhere(city, (_, i) => text.some((col) => col[i].includes(',')));
    assert.equal(withComma.length, 77);
  });

  test('selected columns come in the order asked; an unknown one lists the file’s columns', () => {
    const head = readFileSync(FOOTBALL, 'utf8').split('\n').slice(0, 101).join('\n');
    const s = readCsv(head, { columns: ['away_score', 'home_team'] });
    assert.deepEqual(s.names, ['away_score', 'home_team']);
    assert.deepEqual(s.columns.map((c) => c.kind), ['number', 'string']);
    assert.equal(s.rowCount, 100);
    throwsData(() => readCsv({ path: FOOTBALL }, { columns: ['home_goals'] }), '"home_goals"', '"home_score"', '"neutral"');
    throwsData(() => getColumn(s, 'date'), 'unknown column "date"', '"away_score", "home_team"');
    throwsData(() => numberColumn(s, 'home_team'), 'holds text', 'Scotland');
  });
});

describe('readCsv missing values on Beijing PM2.5', () => {
  // The fill policies run on the first 1,000 hours (91 gaps) to keep the suite fast.
  const head1000 = readFileSync(BEIJING, 'utf8').split('\n').slice(0, 1001).join('\n');

  test("'error' (the default) names the column, the count and the first line", () => {
    throwsData(() => readCsv({ path: BEIJING }), 'column "pm2.5" has 2067', 'first at line 2', '"NA"', "'drop'");
  });

  test('columns without gaps read fine under the default', () => {
    const t = readCsv(head1000, { columns: ['TEMP', 'cbwd'] });
    assert.equal(t.rowCount, 1000);
    assert.deepEqual(Array.from(numberColumn(t, 'TEMP').subarray(0, 3)), [-11, -12, -11]);
    assert.equal(getColumn(t, 'cbwd').kind, 'string');
  });

  test("'drop' removes exactly the rows with a gap and keeps their file lines", () => {
    const t = readCsv({ path: BEIJING }, { columns: ['No', 'pm2.5'], missing: 'drop' });
    assert.equal(t.rowCount, 43824 - 2067);
    assert.deepEqual(t.missing, [{ column: 'pm2.5', count: 2067, firstLine: 2 }]);
    // Lines 2..25 are NA, so the first row left is line 26 (No 25, pm2.5 129).
    assert.equal(t.lines[0], 26);
    assert.equal(numberColumn(t, 'No')[0], 25);
    assert.equal(numberColumn(t, 'pm2.5')[0], 129);
  });

  test("'ffill' carries the last value; the leading gap takes the first observed one", () => {
    const t = readCsv(head1000, { missing: 'ffill' });
    assert.deepEqual(t.missing, [{ column: 'pm2.5', count: 91, firstLine: 2 }]);
    const pm = numberColumn(t, 'pm2.5');
    assert.equal(pm.length, 1000);
    for (let r = 0; r < 24; r++) assert.equal(pm[r], 129); // lines 2..25
    assert.equal(pm[24], 129);
    assert.equal(pm[25], 148);
    // Line 546 holds 22, line 547 is NA: row 545 gets 22.
    assert.equal(pm[544], 22);
    assert.equal(pm[545], 22);
  });

  test("'mean' and { fill } put the stated value in the gaps only", () => {
    const mean = numberColumn(readCsv(head1000, { missing: 'mean' }), 'pm2.5');
    // Mean of the 909 observed values among the first 1,000, computed with awk from the file.
    assert.ok(Math.abs(mean[0] - 88.3630363036) < 1e-8, String(mean[0]));
    assert.equal(mean[545], mean[0]);
    assert.equal(mean[24], 129);
    const filled = numberColumn(readCsv(head1000, { missing: { fill: -1 } }), 'pm2.5');
    assert.equal(filled[0], -1);
    assert.equal(filled[545], -1);
    assert.equal(filled[544], 22);
    assert.equal(filled.filter((v) => v === -1).length, 91);
  });
});

describe('readCsv on small files', () => {
  const csv = ['a,b,when,tag', '1,2.5,2020-01-31,x', 'NA,,2020-02-01,', '3,-1e2,2020-02-02T06:30:00Z,z', 'NaN,4,,w'].join('\n');

  test('each policy on known gaps', () => {
    throwsData(() => readCsv(csv, { dateColumns: ['when'] }), 'column "a" has 2, the first at line 3', 'column "b" has 1', 'column "when" has 1, the first at line 5');
    const opts = { dateColumns: ['when'] } as const;
    const drop = readCsv(csv, { ...opts, missing: 'drop' });
    assert.deepEqual(Array.from(drop.lines), [2, 4]);
    assert.deepEqual(Array.from(numberColumn(drop, 'b')), [2.5, -100]);
    assert.deepEqual(stringColumn(drop, 'tag'), ['x', 'z']);
    const ffill = readCsv(csv, { ...opts, missing: 'ffill' });
    assert.deepEqual(Array.from(numberColumn(ffill, 'a')), [1, 1, 3, 3]);
    assert.deepEqual(Array.from(numberColumn(ffill, 'b')), [2.5, 2.5, -100, 4]);
    assert.equal(numberColumn(ffill, 'when')[3], Date.UTC(2020, 1, 2, 6, 30));
    const mean = readCsv(csv, { ...opts, missing: 'mean' });
    assert.deepEqual(Array.from(numberColumn(mean, 'a')), [1, 2, 3, 2]);
    assert.deepEqual(Array.from(numberColumn(mean, 'b')), [2.5, (2.5 - 100 + 4) / 3, -100, 4]);
    const fill = readCsv(csv, { ...opts, missing: { fill: 0 } });
    assert.deepEqual(Array.from(numberColumn(fill, 'a')), [1, 0, 3, 0]);
    // Text columns keep empty cells as text: no missing value there.
    assert.deepEqual(stringColumn(fill, 'tag'), ['x', '', 'z', 'w']);
  });

  test('text in a numeric column names line, column and value', () => {
    throwsData(() => readCsv('x,y\n1,2\n3,4\n5,four\n6,7\n'), 'column "y"', 'line 4', '"four"', 'stringColumns');
    throwsData(() => readCsv('x,y\n1,2\n3,abc\n', { numberColumns: ['y'] }), 'line 3', 'column "y"', '"abc" is not a number');
    const codes = readCsv('x,y\n1,2\n3,4\n5,four\n', { stringColumns: ['y'] });
    assert.deepEqual(stringColumn(codes, 'y'), ['2', '4', 'four']);
    // Mostly text: a text column, not an error.
    assert.deepEqual(stringColumn(readCsv('k\nab\n12\ncd\n'), 'k'), ['ab', '12', 'cd']);
    throwsData(() => readCsv('d\n2021-02-30\n', { dateColumns: ['d'] }), 'line 2', '"2021-02-30" is not an ISO date');
  });

  test('line numbers count the lines inside quoted fields', () => {
    const t = readCsv('id,note\n1,"two\nlines"\n2,plain\n\n3,"a, b"\n');
    assert.deepEqual(Array.from(t.lines), [2, 4, 6]);
    assert.deepEqual(stringColumn(t, 'note'), ['two\nlines', 'plain', 'a, b']);
    throwsData(() => readCsv('id,n\n1,2\n3\n'), 'line 3 has 1 fields, expected 2');
    throwsData(() => readCsv('id,n\n1,"2\n'), 'malformed CSV', 'Quote Not Closed');
    throwsData(() => readCsv(''), 'empty');
    throwsData(() => readCsv('a,a\n1,2\n'), 'column "a" twice');
    throwsData(() => readCsv({ path: '/nonexistent/file.csv' }), 'no such file');
    throwsData(() => readCsv('a\n1\n', { dateColumns: ['b'] }), 'unknown column "b" in dateColumns', '"a"');
    throwsData(() => readCsv('a,b\n1,2\n', { columns: ['a'], dateColumns: ['b'] }), '"b" is in dateColumns but not in columns');
  });

  test('ISO dates of every accepted form, in UTC', () => {
    assert.equal(parseIsoDate('1700'), Date.UTC(1700, 0, 1));
    assert.equal(parseIsoDate('1949-03'), Date.UTC(1949, 2, 1));
    assert.equal(parseIsoDate('0050-01-01'), -60589296000000); // not 1950: years below 100 stay themselves
    assert.equal(parseIsoDate('2014-06-12 17:00'), Date.UTC(2014, 5, 12, 17));
    assert.equal(parseIsoDate('2014-06-12T17:00:00+02:00'), Date.UTC(2014, 5, 12, 15));
    assert.equal(parseIsoDate('2014-06-12T17:00:00.250Z'), Date.UTC(2014, 5, 12, 17, 0, 0, 250));
    for (const bad of ['2014-13-01', '2014-02-29', '12/06/2014', '2014-6-1', 'June']) assert.ok(Number.isNaN(parseIsoDate(bad)), bad);
    assert.equal(parseIsoDate('2016-02-29'), Date.UTC(2016, 1, 29));
  });

  test('selectRows keeps the file lines', () => {
    const t = readCsv('v\n10\n20\n30\n');
    const s = selectRows(t, [2, 0]);
    assert.deepEqual(Array.from(numberColumn(s, 'v')), [30, 10]);
    assert.deepEqual(Array.from(s.lines), [4, 2]);
    throwsData(() => selectRows(t, [3]), 'row index 3');
  });
});

test('readCsv reads the Korean review TSV with quoting off', () => {
  const t = readCsv({ path: NSMC }, { delimiter: '\t', quote: false });
  assert.deepEqual(t.names, ['id', 'document', 'label']);
  assert.equal(t.rowCount, 30000);
  assert.equal(stringColumn(t, 'document')[0], "내 생애 최악의 영화네요ㅋ처음부터 끝까지 '어색' 그자체네요;;");
  // Line 443 has an unbalanced double quote, kept as text.
  assert.ok(stringColumn(t, 'document')[441].startsWith('합리화!! "언제까지'));
  const labels = numberColumn(t, 'label');
  assert.ok(labels.every((v) => v === 0 || v === 1));
});
