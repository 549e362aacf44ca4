/**
 * `recur train`: its flags and help. The run itself (train-run.ts) is loaded when the command
 * runs, so that `--help` and usage errors do not load the library.
 */
import { Option, type Command } from 'commander';
import { columnList, missingPolicy, nonNegativeInt, positiveInt, positiveNumber, splitFractions, unitFraction } from '../args.ts';
import { act, examples, newCommand } from '../command.ts';
import type { TrainFlags } from './train-modes.ts';

export function trainCommand(): Command {
  const cmd = newCommand('train', 'train a model on a CSV time series, CSV sequences, a text file or sentence pairs')
    .description(
      'Train a recurrent model and save it, with its data preparation, to one .recur file. ' +
        'Series are split in time order and the scaler is fitted on the training part only. At the end the held-out ' +
        'test part is scored next to a naive baseline, and an HTML report is written. Ctrl-C finishes the current ' +
        'step, saves the model and exits with status 130; run the same command with --resume to continue.',
    )
    .option('--data <file.csv>', 'CSV file with a header line (sentence pairs: also tab-separated, with or without a header)')
    .option('--text <file.txt>', 'text file: train a character language model')
    .option('--target <cols>', 'series: column(s) to forecast, comma-separated; sentence pairs: the target column', columnList)
    .option('--source <col>', 'sentence pairs: the source column, by name or by number from 1 (numbers: the file has no header line)')
    .option('--inputs <cols>', 'columns the model reads (series default: the targets; sequences: every numeric column)', columnList)
    .option('--time <col>', 'series: column labelling the rows (a year, a date), used in outputs')
    .option('--window <n>', 'steps of history per window (series, default 24) or characters per sequence (text, default 64)', positiveInt)
    .option('--horizon <n>', 'series: steps predicted at once (default 1)', positiveInt)
    .option('--group-by <col>', 'sequences: one sequence per value of this column')
    .option('--label <col>', 'sequences: column holding the class')
    .option('--sort-by <col>', 'sequences: order of the rows within a sequence (default: file order)')
    .addOption(new Option('--task <task>', 'forecast (series), classify or tag (sequences), language-model (text), seq2seq (sentence pairs); default: from the data').choices(['forecast', 'classify', 'tag', 'language-model', 'seq2seq']))
    .addOption(new Option('--units <unit>', 'sentence pairs: tokens are characters or words (default char)').choices(['char', 'word']))
    .option('--max-vocab <n>', 'sentence pairs: keep the n most frequent tokens of each side, the 4 specials included (default: all)', positiveInt)
    .option('--max-tokens <n>', 'sentence pairs: leave out pairs whose source or target has more tokens', positiveInt)
    .option('--missing <policy>', 'missing values: error, drop, ffill, mean or a number to fill with', missingPolicy, 'error')
    .addOption(new Option('--split <fractions>', 'train,validation,test fractions of the rows (series), sequences or pairs (default for pairs 0.9,0.05,0.05)').argParser(splitFractions).default({ train: 0.7, validation: 0.15, test: 0.15 }, '0.7,0.15,0.15'))
    .addOption(new Option('--scaling <kind>', 'feature scaling, fitted on the training part').choices(['standard', 'minmax']).default('standard'))
    .option('--spec <file.json>', 'model spec as JSON (e.g. {"cell": "gru", "hiddenSize": 32}); flags below override it')
    .addOption(new Option('--cell <cell>', 'recurrent cell (default lstm; gru for sentence pairs)').choices(['rnn', 'lstm', 'gru']))
    .option('--hidden <n>', 'hidden size (default 64; 128 for sentence pairs)', positiveInt)
    .option('--layers <n>', 'stacked layers (default 1)', positiveInt)
    .option('--bidirectional', 'also read each sequence backwards (not for forecasts fed back or language models; the default for sentence pairs)')
    .option('--no-bidirectional', 'read each sequence forwards only')
    .option('--dropout <p>', 'dropout between layers and before the head (default 0)', unitFraction)
    .option('--embedding <n>', 'text and sentence pairs: embedding size (default 32; 64 for sentence pairs)', positiveInt)
    .addOption(new Option('--attention <kind>', 'sentence pairs: the decoder\'s attention over the source (default general)').choices(['none', 'dot', 'general', 'additive']))
    .option('--epochs <n>', 'epochs', positiveInt, 20)
    .option('--batch-size <n>', 'samples per batch', positiveInt, 32)
    .option('--lr <rate>', 'Adam learning rate', positiveNumber, 0.003)
    .option('--clip <norm>', 'clip the gradient norm to this', positiveNumber, 1)
    .option('--no-clip', 'do not clip gradients')
    .option('--patience <n>', 'stop after this many epochs without a better validation loss, keeping the best (not for sentence pairs)', positiveInt)
    .option('--seed <n>', 'seed of initialisation and shuffling', nonNegativeInt, 0)
    .requiredOption('--out <file.recur>', 'model file to write (replaced atomically after every epoch)')
    .option('--resume', 'continue the run saved in --out (same flags; --epochs may grow)')
    .option('--report <file.html>', 'HTML report to write (default: --out with .html)')
    .option('--no-report', 'write no report')
    .addOption(new Option('--progress <mode>', 'progress output: a live bar on a terminal, one line per epoch otherwise').choices(['auto', 'bar', 'lines', 'none']).default('auto'));
  cmd.addHelpText(
    'after',
    '\nFour kinds of data:\n' +
      '  time series     --data f.csv --target col     windows of past rows → the next --horizon rows (forecast)\n' +
      '  sequences       --data f.csv --group-by key   one sequence per key → its --label (classify),\n' +
      '                                                or a label per row (--task tag)\n' +
      '  text            --text f.txt                  a character language model (80/10/10 split of the text)\n' +
      '  sentence pairs  --data f.tsv --source col     an encoder–decoder translating --source into --target (seq2seq);\n' +
      '                    --target col                then: recur translate --model m.recur "a sentence"\n',
  );
  examples(cmd, [
    'recur train --data data/sunspots/sunspots_yearly_1700_2008.csv --target sunactivity --time year --window 20 --out sunspots.recur',
    'recur train --data prices.csv --target close --inputs open,close,volume --horizon 5 --cell gru --hidden 32 --out prices.recur',
    'recur train --data matches.csv --group-by team --label outcome --sort-by date --inputs goals_for,goals_against --out teams.recur',
    'recur train --text data/tiny_shakespeare/input.txt --hidden 128 --epochs 5 --out shakespeare.recur',
    'recur train --data data/tatoeba_kor_eng/kor.txt --source 1 --target 2 --max-tokens 30 --epochs 12 --out en-ko.recur',
    'recur train --data sales.csv --target units --spec spec.json --out sales.recur --epochs 40 --resume',
  ]);
  return act<TrainFlags>(cmd, async (f, c) => (await import('./train-run.ts')).runTrain(f, c));
}

