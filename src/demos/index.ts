/**
 * The demos: training runs on the data shipped in data/, each printing its result next to its
 * baselines and writing `<outDir>/<name>-report.html`. `recur demo [name]` runs them.
 *
 *   sunspots    LSTM one-year-ahead forecaster, yearly sunspot numbers 1700–2008, against
 *               persistence and seasonal naive (11-year cycle)                         (default)
 *   worldcup    2022 World Cup match outcomes from both teams' recent histories, against the
 *               Elo favourite and the majority class
 *   grammar     valid or invalid arithmetic expressions: hidden sizes 4/16/64 with and without
 *               dropout, and static (padded) against dynamic (packed) batches
 *   sentiment   word-level LSTM on Korean movie reviews (NSMC), against the majority class
 *
 * Each demo's module is loaded only when it runs, so listing them costs nothing.
 */
import type { DemoOptions, DemoResult } from './common.ts';

export const DEMO_NAMES = ['sunspots', 'worldcup', 'grammar', 'sentiment', 'translate', 'shakespeare'] as const;
export type DemoName = (typeof DEMO_NAMES)[number];
export const DEFAULT_DEMO: DemoName = 'sunspots';

export interface Demo {
  name: DemoName;
  /** One line: what it trains on what, against which baselines. */
  description: string;
  run(options?: DemoOptions): Promise<DemoResult>;
}

/**
 * The demos by name.
 * @example const r = await DEMOS.sunspots.run({ quick: true }); console.log(r.value, r.baselines);
 */
export const DEMOS: Readonly<Record<DemoName, Demo>> = {
  sunspots: {
    name: 'sunspots',
    description: 'LSTM forecaster on the yearly sunspot numbers 1700–2008: test RMSE against persistence and seasonal naive (11-year cycle)',
    run: async (o) => (await import('./sunspots.ts')).runSunspots(o),
  },
  worldcup: {
    name: 'worldcup',
    description: '2022 World Cup outcomes from both teams\u2019 recent matches (packed, ragged histories): accuracy against the Elo favourite and the majority class',
    run: async (o) => (await import('./worldcup.ts')).runWorldCup(o),
  },
  grammar: {
    name: 'grammar',
    description: 'valid or invalid arithmetic expressions: hidden sizes 4/16/64 with and without dropout, static (padded) against dynamic (packed) batches',
    run: async (o) => (await import('./grammar.ts')).runGrammar(o),
  },
  sentiment: {
    name: 'sentiment',
    description: 'word-level LSTM on Korean movie reviews (NSMC) with a vocabulary and a padding-aware embedding: accuracy against the majority class',
    run: async (o) => (await import('./sentiment.ts')).runSentiment(o),
  },
  translate: {
    name: 'translate',
    description: 'character-level GRU encoder–decoder on Tatoeba English → Korean: test BLEU and chrF with and without attention, greedy and beam search, against retrieval and the most common translation',
    run: async (o) => (await import('./translate.ts')).run(o),
  },
  shakespeare: {
    name: 'shakespeare',
    description: 'character-level LSTM language model on tiny_shakespeare: validation nats and bits per character against unigram and bigram models, samples at temperatures 0.5/0.8/1.0',
    run: async (o) => (await import('./shakespeare.ts')).run(o),
  },
};

export function isDemoName(name: string): name is DemoName {
  return (DEMO_NAMES as readonly string[]).includes(name);
}

/**
 * The demo called `name`; an unknown name throws an error listing the demos.
 * @example await getDemo('grammar').run({ quick: true, outDir: 'reports' });
 */
export function getDemo(name: string): Demo {
  if (!isDemoName(name)) throw new Error(`unknown demo '${name}'; the demos are ${DEMO_NAMES.join(', ')}`);
  return DEMOS[name];
}

export type { DemoOptions, DemoResult, Score } from './common.ts';
