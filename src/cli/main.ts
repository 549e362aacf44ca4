/**
 * `recur`: the command-line interface. Argument parsing and output only; the work is the
 * library's (src/index.ts) and the data preparation in src/cli/pipeline/.
 *
 *   recur train     data → model file (+ HTML report)
 *   recur eval      scores on data, next to a naive baseline
 *   recur predict   predictions as CSV
 *   recur forecast  the next N steps of a series as CSV
 *   recur generate  text from a language model
 *   recur translate sentences through a sequence-to-sequence model
 *   recur info      what is inside a model file
 *   recur export    ONNX
 *   recur demo      the demos on the data shipped in data/
 *
 * Exit status: 0 success, 1 failure (a file, its content, a model that does not fit), 2 usage,
 * 130 interrupted (Ctrl-C during training, after saving). See errors.ts.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { commanderLine, outcome } from './command.ts';
import { demoCommand } from './commands/demo.ts';
import { exportCommand, infoCommand } from './commands/info.ts';
import { trainCommand } from './commands/train.ts';
import { translateCommand } from './commands/translate.ts';
import { evalCommand, forecastCommand, generateCommand, predictCommand } from './commands/use.ts';
import { EXIT_OK, EXIT_USAGE, describeFailure } from './errors.ts';

const VERSION = '0.1.0';

/** The program with every subcommand. */
export function program(): Command {
  const p = new Command('recur')
    .description('Recurrent neural networks (RNN, LSTM, GRU) for time series, sequences and text: train, evaluate, predict, forecast, generate, translate.')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .exitOverride()
    .configureOutput({ outputError: (message, write) => write(commanderLine(message, null)) })
    .showSuggestionAfterError(true);
  for (const cmd of [trainCommand(), evalCommand(), predictCommand(), forecastCommand(), generateCommand(), translateCommand(), infoCommand(), exportCommand(), demoCommand()]) {
    p.addCommand(cmd);
  }
  p.addHelpText(
    'after',
    '\nExamples:\n' +
      '  recur demo                                   the sunspots demo (a few seconds)  \n' +
      '  recur train --data series.csv --target value --out model.recur\n' +
      '  recur eval --model model.recur --data series.csv\n' +
      '  recur forecast --model model.recur --data series.csv --steps 12 --out forecast.csv\n' +
      '  recur info model.recur\n' +
      '  recur train --data pairs.tsv --source en --target ko --out en-ko.recur\n' +
      '  recur translate --model en-ko.recur "Where is the station?"\n' +
      "\nRun 'recur <command> --help' for a command's options and examples.\n" +
      'Exit status: 0 success, 1 failure (bad file or data), 2 usage error, 130 interrupted (model saved).\n',
  );
  return p;
}

/**
 * Run the CLI on `argv` (without node and the script) and return the exit status.
 * @example process.exitCode = await main(['info', 'model.recur']);
 */
export async function main(argv: readonly string[]): Promise<number> {
  outcome.exitCode = EXIT_OK;
  quietOnClosedPipe();
  const p = program();
  if (argv.length === 0) {
    p.outputHelp({ error: true });
    return EXIT_USAGE;
  }
  try {
    await p.parseAsync([...argv], { from: 'user' });
    return outcome.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; commander has already printed its one-line error otherwise.
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT_OK : EXIT_USAGE;
    }
    const failure = describeFailure(e);
    process.stderr.write(`${failure.line}\n`);
    if (failure.stack !== null) process.stderr.write(`${failure.stack}\n`);
    return failure.exitCode;
  }
}

/** `recur predict ... | head` closes stdout early: stop quietly instead of crashing on EPIPE. */
function quietOnClosedPipe(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_OK);
    throw e;
  });
}

/** Whether this module is the program node was started with (not imported). */
function isEntry(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  process.exitCode = await main(process.argv.slice(2));
}
