/**
 * `recur demo [name]`: the demos on the data shipped in data/ (registry: src/demos/index.ts),
 * each printing its result next to its baselines and writing an HTML report. The registry loads
 * a demo's module only when it runs.
 */
import type { Command } from 'commander';
import { DEFAULT_DEMO, DEMOS, DEMO_NAMES, isDemoName, type DemoOptions } from '../../demos/index.ts';
import { nonNegativeInt, positiveInt } from '../args.ts';
import { act, examples, newCommand } from '../command.ts';
import { EXIT_OK, UsageError } from '../errors.ts';
import { say } from '../output.ts';

interface DemoFlags {
  quick?: boolean;
  seed?: number;
  epochs?: number;
  outDir?: string;
  list?: boolean;
}

function list(): string {
  return DEMO_NAMES.map((n) => `  ${n.padEnd(10)} ${DEMOS[n].description}${n === DEFAULT_DEMO ? ' (default)' : ''}`).join('\n');
}

export function demoCommand(): Command {
  const cmd = newCommand('demo', 'run a demo on the data shipped with recur')
    .description('Run a demo: train on data shipped in data/, print the result next to its baselines, and write an HTML report to --out-dir.')
    .argument('[name]', `demo to run (default ${DEFAULT_DEMO})`)
    .option('--quick', 'a short configuration (seconds): fewer samples and epochs')
    .option('--epochs <n>', 'training epochs, overriding the demo\'s', positiveInt)
    .option('--seed <n>', 'seed of data sampling, initialisation and shuffling', nonNegativeInt)
    .option('--out-dir <folder>', 'folder for <name>-report.html (default reports)')
    .option('--list', 'list the demos')
    .addHelpText('after', `\nDemos:\n${list()}`);
  examples(cmd, ['recur demo', 'recur demo worldcup --quick', 'recur demo grammar --out-dir /tmp/reports', 'recur demo --list']);
  return act<DemoFlags>(cmd, async (f, c) => {
    if (f.list === true) {
      say(list());
      return EXIT_OK;
    }
    const name = c.args[0] ?? DEFAULT_DEMO;
    if (!isDemoName(name)) throw new UsageError(`unknown demo '${name}'; the demos are ${DEMO_NAMES.join(', ')}`, 'demo');
    const options: DemoOptions = { quick: f.quick === true };
    if (f.seed !== undefined) options.seed = f.seed;
    if (f.epochs !== undefined) options.epochs = f.epochs;
    if (f.outDir !== undefined) options.outDir = f.outDir;
    await DEMOS[name].run(options);
    return EXIT_OK;
  });
}
