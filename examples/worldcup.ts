/**
 * The 2022 FIFA World Cup as a batch of variable-length sequences: one sequence per team, one
 * step per match in date order. Teams knocked out in the group stage played 3 matches, the four
 * semi-finalists 7, so the batch is ragged: PackedSequence stores N = Σ lengths = 128 rows instead
 * of 32 × 7 = 224 padded ones, and the LSTM does no work on pads.
 *
 * Legend: B = 32 teams, T = 7 (longest), F = 4 features per step, H = 8 hidden, N = 128 rows.
 * Features of a step (a match seen from the team's side):
 *   [days since the tournament's first match / 30, opponent's index among the 32 teams / 32,
 *    goals for, goals against]      (full time incl. extra time, penalty shoot-outs excluded)
 *
 * Run: node --import tsx examples/worldcup.ts
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { LSTM, PackedSequence, Tensor, tensor } from '../src/index.ts';

const RESULTS = new URL('../data/international_football_results/results.csv', import.meta.url);
const DAY_MS = 24 * 60 * 60 * 1000;

/** One match from a team's side. */
export interface TeamMatch {
  date: string;
  opponent: string;
  goalsFor: number;
  goalsAgainst: number;
}

export interface WorldCupBatch {
  /** [B] team names, alphabetical; a team's index is its opponent code. */
  teams: string[];
  /** [B] each team's matches in date order. */
  matches: TeamMatch[][];
  /** [B][length][4] features per match (see the file header). */
  sequences: number[][][];
  /** [B] matches played per team. */
  lengths: number[];
  /** Date of the tournament's first match (YYYY-MM-DD). */
  firstDate: string;
}

interface ResultRow {
  date: string;
  home_team: string;
  away_team: string;
  home_score: string;
  away_score: string;
  tournament: string;
}

/**
 * Reads results.csv and builds the per-team sequences of the 2022 FIFA World Cup.
 * @example const { teams, sequences, lengths } = worldCupBatch(); // 32 teams, lengths 3..7
 */
export function worldCupBatch(csv: string | Buffer = readFileSync(RESULTS)): WorldCupBatch {
  const rows = parse<ResultRow>(csv, { columns: true, skip_empty_lines: true });
  const games = rows.filter((r) => r.tournament === 'FIFA World Cup' && r.date.startsWith('2022-'));
  if (games.length === 0) throw new Error('worldCupBatch: no 2022 "FIFA World Cup" matches in results.csv');
  games.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)); // stable: file order within a day

  const teams = [...new Set(games.flatMap((g) => [g.home_team, g.away_team]))].sort();
  const code = new Map(teams.map((t, i) => [t, i]));
  const matches: TeamMatch[][] = teams.map(() => []);
  for (const g of games) {
    const home = Number(g.home_score);
    const away = Number(g.away_score);
    if (!Number.isInteger(home) || !Number.isInteger(away)) {
      throw new Error(`worldCupBatch: ${g.date} ${g.home_team}–${g.away_team} has score ${g.home_score}–${g.away_score}, expected integers`);
    }
    matches[code.get(g.home_team) as number].push({ date: g.date, opponent: g.away_team, goalsFor: home, goalsAgainst: away });
    matches[code.get(g.away_team) as number].push({ date: g.date, opponent: g.home_team, goalsFor: away, goalsAgainst: home });
  }

  const firstDate = games[0].date;
  const start = Date.parse(firstDate);
  const B = teams.length;
  const sequences = matches.map((ms) =>
    ms.map((m) => [(Date.parse(m.date) - start) / DAY_MS / 30, (code.get(m.opponent) as number) / B, m.goalsFor, m.goalsAgainst]),
  );
  return { teams, matches, sequences, lengths: sequences.map((s) => s.length), firstDate };
}

/** Zero-padded values [B, T, F] of ragged sequences, flat. */
function padded(sequences: number[][][], T: number, F: number): Float32Array {
  const out = new Float32Array(sequences.length * T * F);
  sequences.forEach((s, b) => s.forEach((step, t) => out.set(step, (b * T + t) * F)));
  return out;
}

const fmt = (v: number, digits = 3): string => (v >= 0 ? ' ' : '') + v.toFixed(digits);
const row = (values: ArrayLike<number>, digits = 3): string => Array.from(values, (v) => fmt(v, digits)).join(' ');

/** Prints the walk-through: packing, a forward pass, final states and gradients. */
export function main(): void {
  const { teams, matches, sequences, lengths, firstDate } = worldCupBatch();
  const B = teams.length;
  const T = Math.max(...lengths);
  const F = 4;
  const N = lengths.reduce((a, l) => a + l, 0);
  console.log(`2022 FIFA World Cup from results.csv: ${B} teams, ${N / 2} matches from ${firstDate}`);
  const byLength = [...new Set(lengths)].sort().map((l) => `${lengths.filter((x) => x === l).length} teams × ${l}`);
  console.log(`matches per team: ${byLength.join(', ')}`);
  const arg = teams.indexOf('Argentina');
  console.log(`\nArgentina's sequence (features: days/30, opponent code/32, goals for, goals against):`);
  matches[arg].forEach((m, t) => console.log(`  ${m.date}  ${m.goalsFor}–${m.goalsAgainst} ${m.opponent.padEnd(12)} [${row(sequences[arg][t])} ]`));

  // 1. Pack: time-major, longest first, no pads.
  const x = PackedSequence.fromArrays(sequences);
  console.log(`\nPackedSequence.fromArrays(sequences)`);
  console.log(`  batchSizes  [${x.batchSizes.join(', ')}]   (teams still playing at step t)`);
  console.log(`  data        [${x.data.shape.join(', ')}]   N = Σ lengths = ${x.rows} rows, padded would be ${B} × ${T} = ${B * T}`);

  // 2. Run an LSTM over the packed batch.
  const lstm = new LSTM({ inputSize: F, hiddenSize: 8, seed: 2022 });
  const { output, h, c } = lstm.forward(x);
  const out = output.toPadded().data; // [B, T, H]
  const H = lstm.hiddenSize;
  console.log(`\nLSTM({ inputSize: 4, hiddenSize: 8, seed: 2022 }).forward(packed)`);
  console.log(`  output.data  [${output.data.shape.join(', ')}]  output.toPadded().data [${out.shape.join(', ')}]  h [${h.shape.join(', ')}]  c [${c.shape.join(', ')}]`);

  // h[0, b] is team b's state after its own last match, not after step T.
  let worst = 0;
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < H; k++) {
      worst = Math.max(worst, Math.abs(h.data[b * H + k] - out.data[(b * T + lengths[b] - 1) * H + k]));
    }
  }
  console.log(`  h[0, b] = output[b, length_b − 1] for all ${B} teams: max |difference| ${worst}`);
  console.log(`  final h per team (state after its last real match):`);
  const shown = ['Argentina', 'France', 'Croatia', 'Morocco', 'Japan', 'Germany', 'Qatar'];
  for (const name of shown) {
    const b = teams.indexOf(name);
    console.log(`    ${name.padEnd(10)} (${lengths[b]})  [${row(h.data.subarray(b * H, (b + 1) * H))} ]`);
  }

  // 3. Backward from a toy loss, through fromPadded, into a padded input tensor.
  const xPad = tensor(padded(sequences, T, F), [B, T, F], { requiresGrad: true });
  const run = lstm.forward(PackedSequence.fromPadded(xPad, lengths));
  const loss = run.h.pow(2).sum().add(run.output.data.mean());
  loss.backward();
  const grad = (xPad.grad as Tensor).data; // [B, T, F]
  let padNonZero = 0;
  let realNonZero = 0;
  for (let b = 0; b < B; b++) {
    for (let k = 0; k < T * F; k++) {
      const g = grad[b * T * F + k];
      if (Math.floor(k / F) >= lengths[b]) padNonZero += g !== 0 ? 1 : 0;
      else realNonZero += g !== 0 ? 1 : 0;
    }
  }
  console.log(`\nloss = Σ h² + mean(output), loss.backward() through PackedSequence.fromPadded(x [${B}, ${T}, ${F}], lengths)`);
  console.log(`  loss ${loss.item().toFixed(4)}; x.grad: ${realNonZero} of ${N * F} real entries non-zero, ${padNonZero} of ${(B * T - N) * F} padded entries non-zero`);
  for (const name of ['Argentina', 'Qatar']) {
    const b = teams.indexOf(name);
    console.log(`  ${name} (${lengths[b]} matches): x.grad[b, t] for t = 0..${T - 1}`);
    for (let t = 0; t < T; t++) console.log(`    t=${t}  [${row(grad.subarray((b * T + t) * F, (b * T + t + 1) * F), 4)} ]`);
  }
}

/** True when this file is the script node was asked to run (not imported by a test). */
function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) main();
