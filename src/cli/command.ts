/**
 * Commander setup shared by every subcommand: errors are thrown (not process.exit) and printed as
 * one line naming the command's --help; actions report an exit status.
 */
import { Command } from 'commander';

/** The exit status an action sets (commander's actions return nothing). */
export const outcome = { exitCode: 0 };

/** Commander's own error text ("error: unknown option '--foo'\n") as one recur line. */
export function commanderLine(message: string, command: string | null): string {
  const text = message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').trim();
  const help = command === null ? "'recur --help'" : `'recur ${command} --help'`;
  return `recur: ${text} (see ${help})\n`;
}

/**
 * A subcommand configured like the program: commander errors become one line on stderr and a
 * thrown CommanderError (which main turns into exit status 2).
 */
export function newCommand(name: string, summary: string): Command {
  const cmd = new Command(name);
  cmd.summary(summary);
  cmd.exitOverride();
  cmd.configureOutput({ outputError: (message, write) => write(commanderLine(message, name)) });
  cmd.showSuggestionAfterError(true);
  cmd.helpOption('-h, --help', 'show this help');
  return cmd;
}

/** Set an action that returns its exit status (async or not). */
export function act<O>(cmd: Command, run: (options: O, command: Command) => number | Promise<number>): Command {
  return cmd.action(async (...received: unknown[]) => {
    const c = received[received.length - 1] as Command;
    outcome.exitCode = await run(c.opts<O & Record<string, unknown>>(), c);
  });
}

/** Names of the options the user gave on the command line (not defaults). */
export function explicitOptions(cmd: Command): Set<string> {
  return new Set(Object.keys(cmd.opts()).filter((k) => cmd.getOptionValueSource(k) === 'cli'));
}

/** Examples for a command's --help, after the options. */
export function examples(cmd: Command, lines: readonly string[]): Command {
  return cmd.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}
