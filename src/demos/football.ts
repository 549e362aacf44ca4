/**
 * Football data for the worldcup demo: every international match of results.csv in date order,
 * Elo ratings computed from those results, and each match as a sample built from both teams'
 * recent histories.
 *
 * Elo (the World Football Elo formula of eloratings.net, every team starting at 1500):
 *   expected  E_home = 1 / (10^(−(R_home + adv − R_away) / 400) + 1),   adv = 100 at home, 0 on neutral ground
 *   update    R += K · G · (W − E),   W = 1 win, ½ draw, 0 loss
 *   K         60 World Cup finals, 50 continental finals (Euro, Copa América, AFCON, Asian Cup,
 *             Gold Cup, Confederations Cup), 40 qualifiers and Nations Leagues, 30 other
 *             tournaments, 20 friendlies
 *   G         goal-difference multiplier: 1 for 0–1 goals, 1.5 for 2, (11 + N) / 8 for N ≥ 3
 *
 * A sample is one match, seen from the team listed first (home_team, "A") against the other ("B"):
 * the last `history` matches of A and of B before the match, merged in date order, one step per
 * past match. Label: 0 A wins, 1 draw, 2 B wins (full time incl. extra time; shoot-outs do not count).
 *
 * Legend: M matches, F = 9 features per step, N history length per team, T ≤ 2N steps per sample.
 * Features of a step (a past match, from the side of the team that played it):
 *   0 whose match: +1 A's, −1 B's
 *   1 goals for / 3            (capped at 6 goals)
 *   2 goals against / 3        (capped at 6 goals)
 *   3 (opponent's Elo before that match − 1500) / 200
 *   4 (own Elo after that match − 1500) / 200          (the last of A's or B's steps is its rating now)
 *   5 venue of that match: +1 home, −1 away, 0 neutral
 *   6 years between that match and the one predicted
 *   7 1 for a friendly, else 0
 *   8 venue of the match predicted, for A: +1 home, −1 away, 0 neutral (the same on every step)
 */
import { readCsv, numberColumn, stringColumn, type Table } from '../data/csv.ts';
import { dataPath } from './common.ts';

export const RESULTS_FILE = 'international_football_results/results.csv';
export const FEATURES = 9;
export const OUTCOMES = ['A wins', 'draw', 'B wins'] as const;
export const HOME_ADVANTAGE = 100;
const DAY_MS = 86_400_000;

/** One row of results.csv. */
export interface Match {
  /** ISO date, YYYY-MM-DD. */
  date: string;
  /** Days since 1970-01-01. */
  day: number;
  home: string;
  away: string;
  homeGoals: number;
  awayGoals: number;
  tournament: string;
  neutral: boolean;
}

/** 0 home (A) wins, 1 draw, 2 away (B) wins. */
export function outcome(m: Match): number {
  return m.homeGoals > m.awayGoals ? 0 : m.homeGoals === m.awayGoals ? 1 : 2;
}

/** results.csv as a table, and every match in date order (file order within a day). */
export function loadResults(): { table: Table; matches: Match[] } {
  const t = readCsv(
    { path: dataPath(RESULTS_FILE) },
    {
      columns: ['date', 'home_team', 'away_team', 'home_score', 'away_score', 'tournament', 'neutral'],
      dateColumns: ['date'],
      numberColumns: ['home_score', 'away_score'],
      stringColumns: ['neutral'],
    },
  );
  const date = numberColumn(t, 'date');
  const home = stringColumn(t, 'home_team');
  const away = stringColumn(t, 'away_team');
  const hs = numberColumn(t, 'home_score');
  const as = numberColumn(t, 'away_score');
  const tournament = stringColumn(t, 'tournament');
  const neutral = stringColumn(t, 'neutral');
  const matches: Match[] = [];
  for (let r = 0; r < t.rowCount; r++) {
    matches.push({
      date: new Date(date[r]).toISOString().slice(0, 10),
      day: Math.round(date[r] / DAY_MS),
      home: home[r],
      away: away[r],
      homeGoals: hs[r],
      awayGoals: as[r],
      tournament: tournament[r],
      neutral: neutral[r] === 'TRUE',
    });
  }
  // Stable: ties keep the file's order.
  const sorted = matches.map((m, i) => ({ m, i })).sort((p, q) => p.m.day - q.m.day || p.i - q.i).map((p) => p.m);
  return { table: t, matches: sorted };
}

const CONTINENTAL_FINALS = ['UEFA Euro', 'Copa América', 'African Cup of Nations', 'AFC Asian Cup', 'Gold Cup', 'Confederations Cup'];

/** The Elo K factor of a tournament (see the file header). */
export function eloK(tournament: string): number {
  if (tournament === 'FIFA World Cup') return 60;
  if (CONTINENTAL_FINALS.includes(tournament)) return 50;
  if (tournament.includes('qualification') || tournament.includes('Nations League')) return 40;
  if (tournament === 'Friendly') return 20;
  return 30;
}

/** Goal-difference multiplier G. */
function goalMultiplier(diff: number): number {
  const n = Math.abs(diff);
  return n <= 1 ? 1 : n === 2 ? 1.5 : (11 + n) / 8;
}

/** Expected score of the home side. */
export function eloExpectation(home: number, away: number, neutral: boolean): number {
  const dr = home + (neutral ? 0 : HOME_ADVANTAGE) - away;
  return 1 / (10 ** (-dr / 400) + 1);
}

/** A past match from one team's side. */
interface PastMatch {
  day: number;
  goalsFor: number;
  goalsAgainst: number;
  opponentEloBefore: number;
  ownEloAfter: number;
  /** +1 home, −1 away, 0 neutral. */
  venue: number;
  friendly: boolean;
}

/** Ratings before a match, and each side's recent records (most recent last). */
export interface MatchContext {
  match: Match;
  /** Index in the full, date-ordered list. */
  index: number;
  eloHome: number;
  eloAway: number;
  /** [T][F] the sample's steps. */
  steps: number[][];
  /** How many of the steps are A's (the rest are B's). */
  stepsA: number;
}

function venueOf(m: Match, home: boolean): number {
  return m.neutral ? 0 : home ? 1 : -1;
}

function stepOf(r: PastMatch, side: number, day: number, targetVenue: number): number[] {
  return [
    side,
    Math.min(r.goalsFor, 6) / 3,
    Math.min(r.goalsAgainst, 6) / 3,
    (r.opponentEloBefore - 1500) / 200,
    (r.ownEloAfter - 1500) / 200,
    r.venue,
    (day - r.day) / 365.25,
    r.friendly ? 1 : 0,
    targetVenue,
  ];
}

/** A's and B's last `n` records merged in date order (A first on the same day). */
function mergedSteps(a: readonly PastMatch[], b: readonly PastMatch[], day: number, targetVenue: number): number[][] {
  const steps: number[][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i].day <= b[j].day)) steps.push(stepOf(a[i++], 1, day, targetVenue));
    else steps.push(stepOf(b[j++], -1, day, targetVenue));
  }
  return steps;
}

/**
 * Walk every match in date order, updating Elo ratings; for each match `want(m)` accepts, build its
 * sample from the ratings and histories as they stood before it was played.
 * Matches where neither side has played before are skipped (they would have no steps).
 */
export function buildContexts(matches: readonly Match[], history: number, want: (m: Match) => boolean): MatchContext[] {
  const elo = new Map<string, number>();
  const past = new Map<string, PastMatch[]>();
  const rating = (team: string): number => elo.get(team) ?? 1500;
  const records = (team: string): PastMatch[] => {
    let r = past.get(team);
    if (r === undefined) past.set(team, (r = []));
    return r;
  };
  const out: MatchContext[] = [];
  matches.forEach((m, index) => {
    const ra = rating(m.home);
    const rb = rating(m.away);
    const pa = records(m.home);
    const pb = records(m.away);
    if (want(m) && pa.length + pb.length > 0) {
      const a = pa.slice(-history);
      const steps = mergedSteps(a, pb.slice(-history), m.day, venueOf(m, true));
      out.push({ match: m, index, eloHome: ra, eloAway: rb, steps, stepsA: a.length });
    }
    // Elo update after the match.
    const w = m.homeGoals > m.awayGoals ? 1 : m.homeGoals === m.awayGoals ? 0.5 : 0;
    const delta = eloK(m.tournament) * goalMultiplier(m.homeGoals - m.awayGoals) * (w - eloExpectation(ra, rb, m.neutral));
    elo.set(m.home, ra + delta);
    elo.set(m.away, rb - delta);
    const friendly = m.tournament === 'Friendly';
    pa.push({ day: m.day, goalsFor: m.homeGoals, goalsAgainst: m.awayGoals, opponentEloBefore: rb, ownEloAfter: ra + delta, venue: venueOf(m, true), friendly });
    pb.push({ day: m.day, goalsFor: m.awayGoals, goalsAgainst: m.homeGoals, opponentEloBefore: ra, ownEloAfter: rb - delta, venue: venueOf(m, false), friendly });
    // Keep only what a sample can use.
    if (pa.length > 4 * history) pa.splice(0, pa.length - history);
    if (pb.length > 4 * history) pb.splice(0, pb.length - history);
  });
  return out;
}

/** The Elo favourite wins (home advantage counted off neutral ground): 0 A wins, 2 B wins. Never a draw. */
export function eloFavourite(c: MatchContext): number {
  return eloExpectation(c.eloHome, c.eloAway, c.match.neutral) >= 0.5 ? 0 : 2;
}

/** The 2022 World Cup matches (64), in date order. */
export function isWorldCup2022(m: Match): boolean {
  return m.tournament === 'FIFA World Cup' && m.date.startsWith('2022-');
}
