/**
 * Commands that use a trained model: `eval` (scores in the data's own units, next to a naive
 * baseline; BLEU and chrF for translators), `predict` (a prediction per window or sequence, as
 * CSV), `forecast` (the next N steps after a series, as CSV) and `generate` (text from a language
 * model). Their flags and help; the actions (use-run.ts) are loaded when a command runs.
 */
import type { Command } from 'commander';
import { columnList, nonNegativeNumber, nonNegativeInt, positiveInt } from '../args.ts';
import { act, examples, newCommand } from '../command.ts';

export interface DataFlags {
  model: string;
  data?: string;
  text?: string;
  inputs?: string[];
  target?: string[];
  /** Translators (eval): the source column, and how to decode. */
  source?: string;
  beam?: number;
  greedy?: boolean;
  maxLength?: number;
}

const MAP_HELP = { inputs: 'file columns to feed as the model\'s inputs, in its order (when the names differ)', target: 'file columns holding the model\'s targets (when the names differ)' };

// ---------------------------------------------------------------------------------------------

export function evalCommand(): Command {
  const cmd = newCommand('eval', 'score a model on data, in the data\'s own units, next to a naive baseline')
    .description(
      'Score a trained model on a CSV (or text) file: MAE and RMSE in the data\'s units for forecasters, accuracy and macro-F1 for classifiers, ' +
        'perplexity for language models, each next to a naive baseline (persistence, majority class, character frequencies). ' +
        'Translators: the loss, BLEU and chrF on sentence pairs (each distinct source against all its translations), next to the most common training translation.',
    )
    .requiredOption('--model <file.recur>', 'model file written by recur train')
    .option('--data <file.csv>', 'CSV file with the columns the model reads and predicts (translators: sentence pairs)')
    .option('--text <file.txt>', 'text file (language models)')
    .option('--inputs <cols>', MAP_HELP.inputs, columnList)
    .option('--target <cols>', `${MAP_HELP.target}; translators: the target column`, columnList)
    .option('--source <col>', 'translators: the source column (default: the training file\'s)')
    .option('--beam <n>', 'translators: beam search with n hypotheses (default 5)', positiveInt)
    .option('--greedy', 'translators: greedy decoding')
    .option('--max-length <n>', 'translators: most tokens per translation (default: twice the longest training target, plus 1)', positiveInt);
  examples(cmd, [
    'recur eval --model sunspots.recur --data data/sunspots/sunspots_yearly_1700_2008.csv',
    'recur eval --model teams.recur --data matches_2023.csv',
    'recur eval --model shakespeare.recur --text more.txt',
    'recur eval --model en-ko.recur --data more-pairs.tsv --greedy',
  ]);
  return act<DataFlags>(cmd, async (f) => (await import('./use-run.ts')).runEval(f));
}

// ---------------------------------------------------------------------------------------------

export interface PredictFlags extends DataFlags {
  out?: string;
}

export function predictCommand(): Command {
  const cmd = newCommand('predict', 'predict for every window or sequence of a CSV file, in the data\'s own units')
    .description(
      'Run a trained model over a CSV file and write its predictions as CSV (to stdout without --out). ' +
        'Forecasters: one row per window, labelled with the row it predicts (the last one predicts past the end of the data). ' +
        'Classifiers: one row per sequence with the predicted class and the probability of each class; taggers: one row per input row.',
    )
    .requiredOption('--model <file.recur>', 'model file written by recur train')
    .option('--data <file.csv>', 'CSV file with the columns the model reads')
    .option('--inputs <cols>', MAP_HELP.inputs, columnList)
    .option('--out <file.csv>', 'CSV file to write (default: stdout)');
  examples(cmd, [
    'recur predict --model sunspots.recur --data data/sunspots/sunspots_yearly_1700_2008.csv --out predictions.csv',
    'recur predict --model teams.recur --data matches_2023.csv | head',
  ]);
  return act<PredictFlags>(cmd, async (f) => (await import('./use-run.ts')).runPredict(f));
}

// ---------------------------------------------------------------------------------------------

export interface ForecastFlags extends PredictFlags {
  steps: number;
}

export function forecastCommand(): Command {
  const cmd = newCommand('forecast', 'forecast the next N steps after the end of a series')
    .description(
      'Forecast the next --steps values after the last row of a CSV series, in the data\'s own units. ' +
        'Up to the model\'s horizon the forecast comes from one pass; beyond it, forecasts are fed back as ' +
        'inputs (possible when every input column is also a target). Rows are labelled by continuing the ' +
        'time column (years, months, days) when the model has one.',
    )
    .requiredOption('--model <file.recur>', 'forecaster written by recur train')
    .option('--data <file.csv>', 'CSV series ending where the forecast starts (at least --window rows)')
    .requiredOption('--steps <n>', 'steps to forecast', positiveInt)
    .option('--inputs <cols>', MAP_HELP.inputs, columnList)
    .option('--out <file.csv>', 'CSV file to write (default: stdout)');
  examples(cmd, [
    'recur forecast --model sunspots.recur --data data/sunspots/sunspots_yearly_1700_2008.csv --steps 11 --out forecast.csv',
  ]);
  return act<ForecastFlags>(cmd, async (f) => (await import('./use-run.ts')).runForecast(f));
}

// ---------------------------------------------------------------------------------------------

export interface GenerateFlags {
  model: string;
  prompt?: string;
  length: number;
  temperature: number;
  topK?: number;
  seed: number;
}

export function generateCommand(): Command {
  const cmd = newCommand('generate', 'write text with a character language model')
    .requiredOption('--model <file.recur>', 'language model written by recur train --text')
    .option('--prompt <text>', 'text to continue (default: a line break)')
    .option('--length <n>', 'characters to generate', positiveInt, 200)
    .option('--temperature <t>', '0 always picks the most likely character; higher is more varied', nonNegativeNumber, 0.8)
    .option('--top-k <n>', 'sample among the k most likely characters only', positiveInt)
    .option('--seed <n>', 'seed of the sampling', nonNegativeInt, 0);
  examples(cmd, ['recur generate --model shakespeare.recur --prompt "ROMEO:" --length 300 --temperature 0.7']);
  return act<GenerateFlags>(cmd, async (f) => (await import('./use-run.ts')).runGenerate(f));
}
