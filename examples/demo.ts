/**
 * `npm run demo`: `recur demo` through the command-line interface — the sunspots demo by default
 * (an LSTM forecaster on the yearly sunspot numbers, against persistence and seasonal naive; a
 * few seconds), with a progress bar on a terminal, the result next to its baselines, and the HTML
 * report in reports/sunspots-report.html.
 *
 * Arguments go to `recur demo`:
 *   npm run demo -- worldcup            another demo (worldcup, grammar, sentiment)
 *   npm run demo -- grammar --quick     its short configuration
 *   npm run demo -- --list              the demos
 *
 * The demos themselves live in src/demos/ (registry: src/demos/index.ts).
 */
import { main } from '../src/cli/main.ts';

process.exitCode = await main(['demo', ...process.argv.slice(2)]);
