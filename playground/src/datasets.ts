/**
 * The datasets shipped with the playground: copied from data/ into the build at build time
 * (playground/build.ts), fetched by the page from its own server, so the page works offline.
 */

export interface ShippedSeries {
  kind: 'series';
  id: string;
  title: string;
  /** Path in the repository (data/...), also the model's `source`, as `recur train --data` gets it. */
  path: string;
  /** File name in the build's data/ folder. */
  file: string;
  target: string;
  time: string;
  note: string;
}

export interface ShippedText {
  kind: 'text';
  id: string;
  title: string;
  path: string;
  file: string;
  /** The shipped file holds the first `maxChars` characters of the original, cut at a line end. */
  maxChars: number;
  note: string;
}

export type Shipped = ShippedSeries | ShippedText;

export const SHIPPED: readonly Shipped[] = [
  {
    kind: 'series', id: 'sunspots-yearly', title: 'Sunspots, yearly 1700–2008',
    path: 'data/sunspots/sunspots_yearly_1700_2008.csv', file: 'sunspots_yearly_1700_2008.csv',
    target: 'sunactivity', time: 'year', note: '309 yearly mean sunspot numbers (SILSO via statsmodels)',
  },
  {
    kind: 'series', id: 'sunspots-monthly', title: 'Sunspots, monthly 1749–1983',
    path: 'data/sunspots/sunspots_monthly_1749_1983.csv', file: 'sunspots_monthly_1749_1983.csv',
    target: 'sunspots', time: 'month', note: '2,820 monthly mean sunspot numbers',
  },
  {
    kind: 'text', id: 'shakespeare', title: 'Tiny Shakespeare',
    path: 'data/tiny_shakespeare/input.txt', file: 'tiny_shakespeare_200k.txt', maxChars: 200_000,
    note: "Karpathy's char-rnn corpus (the first 200k of its 1.1M characters ship with the page); train on a prefix of it",
  },
];

/** The first `maxChars` characters of `text`, cut after the last newline within them. */
export function textPrefix(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const head = text.slice(0, maxChars);
  const end = head.lastIndexOf('\n');
  return end > 0 ? head.slice(0, end + 1) : head;
}
