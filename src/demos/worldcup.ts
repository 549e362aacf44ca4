/**
 * Demo `worldcup`: the 2022 FIFA World Cup as ragged sequences, and an LSTM that predicts a
 * match's outcome (A wins / draw / B wins) from both teams' recent histories.
 *
 * 1. The tournament as one packed batch: the 32 teams, each a sequence of its World Cup matches
 *    (date, opponent, goals for, goals against), 3 to 7 steps long. Padded that is [32, 7, 4];
 *    packed it is [128, 4] with batchSizes [32, 32, 32, 16, 8, 4, 4] and no work on pads.
 * 2. The prediction task, chronological: every international match from `from` to 2021 trains
 *    (the last 10% of them, in date order, validate for early stopping), the matches of 2022 before
 *    the tournament (2022-01-01 … 2022-11-19) are a hold-out year, and the 64 World Cup matches
 *    (from 2022-11-20) are the test. A sample is one match: both teams' last N matches before it,
 *    merged in date order, with Elo ratings computed from results.csv up to that day (football.ts).
 * 3. Baselines on the same matches: the Elo favourite wins (the higher rating, with 100 points of
 *    home advantage off neutral ground — it never predicts a draw), and the majority class of the
 *    training matches (the team listed first wins).
 *
 * 64 matches are few: one standard error of an accuracy near 50% is about 6 points, so the counts
 * are printed, and the hold-out year (≈ 860 matches) gives the steadier comparison.
 *
 * Legend: B batch, T ≤ 2N steps, F = 9 features per step (football.ts), C = 3 outcomes.
 */
import { indicesWhere, numberColumn, selectRows, stringColumn, type Table } from '../data/csv.ts';
import { ArrayDataset, groupBy } from '../data/dataset.ts';
import { DataLoader, collate } from '../data/loader.ts';
import { PackedSequence } from '../data/packed.ts';
import { buildModel } from '../models/build.ts';
import type { SequenceToOne } from '../models/sequence-to-one.ts';
import { writeReport } from '../report/html.ts';
import { trainingReport } from '../report/training.ts';
import { noGrad } from '../tensor/tensor.ts';
import { fit } from '../train/fit.ts';
import { confusionMatrix } from '../train/metrics.ts';
import type { History } from '../train/state.ts';
import {
  Printer, comparisonLines, epochsOf, lossCurve, percent, reportFile, secondsSince,
  type DemoOptions, type DemoResult,
} from './common.ts';
import {
  FEATURES, OUTCOMES, buildContexts, eloFavourite, isWorldCup2022, loadResults, outcome,
  type MatchContext,
} from './football.ts';

const TOURNAMENT_START = '2022-11-20';
const HOLDOUT_START = '2022-01-01';
const DAY_MS = 86_400_000;
const DEFAULT_SEED = 2022;

interface WorldCupConfig {
  /** First match date that trains (histories and ratings use every earlier match too). */
  from: string;
  /** N: past matches per team in a sample. */
  history: number;
  hiddenSize: number;
  dropout: number;
  epochs: number;
  batchSize: number;
  lr: number;
  patience: number;
}

const FULL: WorldCupConfig = { from: '1990-01-01', history: 8, hiddenSize: 32, dropout: 0.2, epochs: 10, batchSize: 64, lr: 3e-3, patience: 3 };
const QUICK: WorldCupConfig = { from: '2014-01-01', history: 6, hiddenSize: 16, dropout: 0, epochs: 2, batchSize: 64, lr: 3e-3, patience: 2 };

/** Correct predictions of the model and both baselines on one set of matches. */
export interface Tally {
  matches: number;
  model: number;
  eloFavourite: number;
  majority: number;
}

/** The tournament as one batch of ragged sequences. */
export interface TournamentBatch {
  /** [32] team names (code-point order). */
  teams: string[];
  /** [32] matches each team played. */
  lengths: number[];
  /** [T] teams still playing at step t. */
  batchSizes: number[];
  /** B · T · F numbers in a padded [B, T, F] tensor. */
  paddedValues: number;
  /** N · F numbers packed. */
  packedValues: number;
  /** [32] each team's matches as text, e.g. 'L 1–2 Saudi Arabia, W 2–0 Mexico, …'. */
  results: string[];
}

export interface WorldCupResult extends DemoResult {
  demo: 'worldcup';
  /** The 64 World Cup matches. */
  test: Tally;
  /** 2022 before the tournament. */
  holdout: Tally;
  trainMatches: number;
  tournament: TournamentBatch;
  history: History;
}

/** Section 1: the 32 teams' World Cup matches as one PackedSequence. */
function tournamentBatch(table: Table): TournamentBatch {
  const date = numberColumn(table, 'date');
  const tournament = stringColumn(table, 'tournament');
  const rows = indicesWhere(tournament, (t, r) => t === 'FIFA World Cup' && new Date(date[r]).getUTCFullYear() === 2022);
  const wc = selectRows(table, rows);
  const day = numberColumn(wc, 'date');
  const home = stringColumn(wc, 'home_team');
  const away = stringColumn(wc, 'away_team');
  const hs = numberColumn(wc, 'home_score');
  const as = numberColumn(wc, 'away_score');
  const groups = groupBy(wc, ['home_team', 'away_team'], 'date');
  const teams = groups.map((g) => g.key);
  const code = new Map(teams.map((t, i) => [t, i]));
  const opening = Math.min(...day);
  const B = teams.length;
  // [B][length][4]: days since the opening match / 30, opponent's code / B, goals for, goals against.
  const sequences = groups.map((g) =>
    Array.from(g.rows, (r, t) => {
      const isHome = g.keyColumn[t] === 0;
      const opponent = isHome ? away[r] : home[r];
      return [(day[r] - opening) / DAY_MS / 30, (code.get(opponent) as number) / B, isHome ? hs[r] : as[r], isHome ? as[r] : hs[r]];
    }),
  );
  const results = sequences.map((seq) =>
    seq
      .map(([, opp, gf, ga]) => `${gf > ga ? 'W' : gf === ga ? 'D' : 'L'} ${gf}–${ga} ${teams[Math.round(opp * B)]}`)
      .join(', '),
  );
  const packed = PackedSequence.fromArrays(sequences);
  return {
    teams,
    lengths: Array.from(packed.lengths),
    batchSizes: Array.from(packed.batchSizes),
    paddedValues: B * packed.maxLength * packed.features,
    packedValues: packed.rows * packed.features,
    results,
  };
}

function datasetOf(cs: readonly MatchContext[]): ArrayDataset {
  return new ArrayDataset({ x: cs.map((c) => c.steps), y: cs.map((c) => [outcome(c.match)]) });
}

/** [M] predicted outcomes and [M][C] probabilities, the samples as one packed batch. */
function predict(model: SequenceToOne, cs: readonly MatchContext[]): { classes: number[]; probs: number[][] } {
  const ds = datasetOf(cs);
  const batch = collate(ds, Int32Array.from({ length: ds.size }, (_, i) => i));
  model.eval();
  const logits = noGrad(() => model.forward(batch.x)).data; // [M, C]
  const C = OUTCOMES.length;
  const classes: number[] = [];
  const probs: number[][] = [];
  for (let i = 0; i < cs.length; i++) {
    const row = Array.from(logits.subarray(i * C, (i + 1) * C));
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    probs.push(e.map((v) => v / s));
    classes.push(row.indexOf(m));
  }
  return { classes, probs };
}

function tally(cs: readonly MatchContext[], predicted: readonly number[], majority: number): Tally {
  const actual = cs.map((c) => outcome(c.match));
  const count = (p: (i: number) => number): number => actual.filter((a, i) => p(i) === a).length;
  return {
    matches: cs.length,
    model: count((i) => predicted[i]),
    eloFavourite: count((i) => eloFavourite(cs[i])),
    majority: count(() => majority),
  };
}

const score = (v: number): string => v.toFixed(0);

function matchLabel(c: MatchContext): string {
  return `${c.match.home} ${score(c.match.homeGoals)}–${score(c.match.awayGoals)} ${c.match.away}`;
}

/**
 * Train on earlier international matches and predict the 64 matches of the 2022 World Cup.
 * @example const r = await runWorldCup({ quick: true, quiet: true }); console.log(r.test.model, '/', r.test.matches);
 */
export async function runWorldCup(options: DemoOptions = {}): Promise<WorldCupResult> {
  const started = performance.now();
  const cfg = options.quick === true ? QUICK : FULL;
  const seed = options.seed ?? DEFAULT_SEED;
  const epochs = epochsOf(options, cfg.epochs);
  const out = new Printer(options.quiet === true);

  const { table, matches } = loadResults();
  const batch = tournamentBatch(table);
  const T = batch.batchSizes.length;
  out.line(`worldcup: ${matches.length} international matches ${matches[0].date} … ${matches[matches.length - 1].date} (results.csv)`);
  out.line(
    `  the 2022 World Cup as one batch: ${batch.teams.length} teams, ${Math.min(...batch.lengths)}–${Math.max(...batch.lengths)} matches each ` +
      `(date, opponent, goals for, goals against); padded [${batch.teams.length}, ${T}, 4] = ${batch.paddedValues} numbers, ` +
      `packed [${batch.packedValues / 4}, 4] = ${batch.packedValues} (batchSizes [${batch.batchSizes.join(', ')}]): ` +
      `${percent(1 - batch.packedValues / batch.paddedValues)} fewer, and no recurrent step spent on a pad`,
  );

  const contexts = buildContexts(matches, cfg.history, (m) => (m.date >= cfg.from && m.date < TOURNAMENT_START) || isWorldCup2022(m));
  const train = contexts.filter((c) => c.match.date < HOLDOUT_START);
  const holdout = contexts.filter((c) => c.match.date >= HOLDOUT_START && c.match.date < TOURNAMENT_START);
  const test = contexts.filter((c) => isWorldCup2022(c.match));
  if (test.length !== 64) throw new Error(`worldcup demo: found ${test.length} matches of the 2022 World Cup in results.csv, expected 64`);
  const counts = [0, 0, 0];
  for (const c of train) counts[outcome(c.match)]++;
  const majority = counts.indexOf(Math.max(...counts));
  const lengths = contexts.map((c) => c.steps.length);
  out.line(
    `  samples: one per match, both teams' last ${cfg.history} matches merged by date (${Math.min(...lengths)}–${Math.max(...lengths)} steps, ${FEATURES} features) with Elo ratings from results.csv`,
  );
  out.line(
    `  train ${train.length} matches ${cfg.from} … 2021 (last 10% validate), hold-out ${holdout.length} (2022 before the tournament), test ${test.length} (World Cup from ${TOURNAMENT_START})`,
  );
  out.line(`  training outcomes: A wins ${counts[0]}, draw ${counts[1]}, B wins ${counts[2]} (A = the team listed first, the home side off neutral ground)`);

  const model = buildModel({ task: 'classify', cell: 'lstm', inputSize: FEATURES, hiddenSize: cfg.hiddenSize, numClasses: OUTCOMES.length, dropout: cfg.dropout, seed });
  out.line(`  model: LSTM(${FEATURES} → ${cfg.hiddenSize}) → dropout ${cfg.dropout} → Linear(${cfg.hiddenSize} → 3); Adam lr ${cfg.lr}, clip 1, batch ${cfg.batchSize}, ≤${epochs} epochs`);
  const history = await fit(model, new DataLoader(datasetOf(train), { batchSize: cfg.batchSize, shuffle: true, seed }), {
    epochs,
    optimizer: { kind: 'adam', lr: cfg.lr },
    validation: { split: 0.1 },
    metrics: ['accuracy', 'macroF1'],
    clipGradNorm: 1,
    earlyStopping: { patience: cfg.patience, restoreBest: true },
    seed,
    progress: out.progress,
  });

  const pt = predict(model, test);
  const ph = predict(model, holdout);
  const testTally = tally(test, pt.classes, majority);
  const holdTally = tally(holdout, ph.classes, majority);
  const majorityName = `majority class (${OUTCOMES[majority]})`;
  const result: WorldCupResult = {
    demo: 'worldcup',
    metric: `accuracy on the ${test.length} matches of the 2022 World Cup`,
    higherIsBetter: true,
    value: testTally.model / testTally.matches,
    baselines: [
      { name: 'Elo favourite wins', value: testTally.eloFavourite / testTally.matches },
      { name: majorityName, value: testTally.majority / testTally.matches },
    ],
    reportPath: reportFile(options, 'worldcup'),
    seconds: 0,
    test: testTally,
    holdout: holdTally,
    trainMatches: train.length,
    tournament: batch,
    history,
  };

  const actualTest = test.map((c) => outcome(c.match));
  const rate = (k: number, n: number): string => `${k}/${n} (${percent(k / n)})`;
  const tallyRows = (t: Tally): (string | number)[][] => [
    ['LSTM', t.model, t.matches, t.model / t.matches],
    ['Elo favourite wins', t.eloFavourite, t.matches, t.eloFavourite / t.matches],
    [majorityName, t.majority, t.matches, t.majority / t.matches],
  ];
  const se = Math.sqrt(0.25 / test.length);
  writeReport(
    result.reportPath,
    trainingReport(history, {
      title: 'World Cup 2022: match outcomes from both teams\u2019 recent histories',
      subtitle: `trained on ${train.length} international matches ${cfg.from} … 2021; tested on the 64 matches of the 2022 World Cup`,
      description:
        `Each sample is one match seen from the team listed first in results.csv (A; the home side when not on neutral ground): the last ${cfg.history} ` +
        `matches of A and of B before it, merged in date order, one step per past match with ${FEATURES} features (whose match, goals for and against, ` +
        `the opponent's Elo rating before it, the team's own rating after it, venue, years ago, friendly or not, and the venue of the match predicted). ` +
        `Elo ratings follow the World Football Elo formula over every match in results.csv up to the day before. The label is A wins, draw or B wins ` +
        `(full time incl. extra time; a penalty shoot-out is not a win).\n\n` +
        `Model: LSTM with ${cfg.hiddenSize} hidden units, dropout ${cfg.dropout}, seed ${seed}. The last 10% of the training matches (in date order) ` +
        `validate; early stopping keeps the best epoch. On the World Cup: LSTM ${rate(testTally.model, 64)}, Elo favourite ${rate(testTally.eloFavourite, 64)}, ` +
        `majority class ${rate(testTally.majority, 64)}. With 64 matches one standard error is about ${(se * 100).toFixed(1)} points, so differences of a few ` +
        `matches are noise; the hold-out year (${holdout.length} matches) gives LSTM ${rate(holdTally.model, holdTally.matches)}, Elo favourite ` +
        `${rate(holdTally.eloFavourite, holdTally.matches)}, majority ${rate(holdTally.majority, holdTally.matches)}.`,
      test: { accuracy: result.value },
      baselines: result.baselines.map((b) => ({ name: b.name, values: { accuracy: b.value } })),
      confusion: { matrix: confusionMatrix(pt.classes, actualTest, 3), labels: [...OUTCOMES], title: 'Confusion matrix, the 64 World Cup matches' },
      sections: [
        {
          heading: 'Correct predictions',
          table: {
            columns: ['predictor', 'World Cup: correct', 'of', 'accuracy', 'hold-out 2022: correct', 'of', 'accuracy'],
            rows: tallyRows(testTally).map((r, k) => [...r, ...tallyRows(holdTally)[k].slice(1)]),
          },
        },
        {
          heading: 'The tournament as one packed batch',
          text:
            `The 32 teams, each a sequence of its World Cup matches (days since the opening match / 30, opponent, goals for, goals against). ` +
            `Lengths ${Math.min(...batch.lengths)} to ${Math.max(...batch.lengths)}: a padded tensor would be [32, ${T}, 4] = ${batch.paddedValues} numbers; ` +
            `the PackedSequence holds [${batch.packedValues / 4}, 4] = ${batch.packedValues}, time-major with batchSizes [${batch.batchSizes.join(', ')}], ` +
            `so an LSTM over it runs ${batch.packedValues / 4} cell steps instead of ${batch.paddedValues / 4}.`,
          table: {
            columns: ['team', 'length', 'its sequence: result, goals for–against, opponent'],
            rows: batch.teams.map((t, i) => [t, batch.lengths[i], batch.results[i]]),
          },
        },
        {
          heading: 'The 64 matches',
          table: {
            columns: ['date', 'match', 'Elo A', 'Elo B', 'P(A wins)', 'P(draw)', 'P(B wins)', 'LSTM', 'Elo favourite', 'actual'],
            rows: test.map((c, i) => [
              c.match.date, matchLabel(c), Math.round(c.eloHome), Math.round(c.eloAway),
              Math.round(pt.probs[i][0] * 100) / 100, Math.round(pt.probs[i][1] * 100) / 100, Math.round(pt.probs[i][2] * 100) / 100,
              OUTCOMES[pt.classes[i]], OUTCOMES[eloFavourite(c)], OUTCOMES[actualTest[i]],
            ]),
          },
        },
      ],
    }),
  );

  result.seconds = secondsSince(started);
  out.line();
  out.line(lossCurve(history));
  out.line();
  for (const l of comparisonLines(result, 'LSTM', 3)) out.line(l);
  out.line(`  correct of 64: LSTM ${testTally.model}, Elo favourite ${testTally.eloFavourite}, majority ${testTally.majority} (one standard error ≈ ${(se * 100).toFixed(1)} points: a few matches either way is noise)`);
  out.line(
    `hold-out 2022 before the tournament, ${holdTally.matches} matches: LSTM ${percent(holdTally.model / holdTally.matches)}, ` +
      `Elo favourite ${percent(holdTally.eloFavourite / holdTally.matches)}, majority ${percent(holdTally.majority / holdTally.matches)}`,
  );
  out.line(`report: ${result.reportPath}  (${result.seconds.toFixed(1)} s)`);
  return result;
}
