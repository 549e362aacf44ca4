/**
 * `recur translate`: sentences through a sequence-to-sequence model trained with
 * `recur train --source … --target …`. Its flags and help; the action (translate-run.ts) is
 * loaded when the command runs.
 */
import type { Command } from 'commander';
import { nonNegativeInt, nonNegativeNumber, positiveInt, probability } from '../args.ts';
import { act, examples, newCommand } from '../command.ts';

/** How to decode: beam search (the default), greedy, or sampling. */
export interface DecodeFlags {
  beam?: number;
  greedy?: boolean;
  sample?: boolean;
  temperature?: number;
  topK?: number;
  topP?: number;
  seed?: number;
  maxLength?: number;
}

export interface TranslateFlags extends DecodeFlags {
  model: string;
  input?: string;
  out?: string;
  attention?: string;
}

export function translateCommand(): Command {
  const cmd = newCommand('translate', 'translate sentences with a sequence-to-sequence model')
    .description(
      'Translate sentences with a model trained on sentence pairs (recur train --source … --target …): the ones given as ' +
        'arguments, else the lines of --input, else the lines of standard input. Writes one translation per line, in order ' +
        '(a blank input line gives a blank line). Decodes with beam search (width 5) unless --greedy or --sample. ' +
        'Tokens the model never saw are read as <unk> (noted on stderr); <unk> in a translation shows as □.',
    )
    .argument('[sentences...]', 'sentences to translate (quote each one)')
    .requiredOption('--model <file.recur>', 'sequence-to-sequence model written by recur train --source … --target …')
    .option('--input <file.txt>', 'sentences to translate, one per line')
    .option('--out <file.txt>', 'file to write the translations to (default: stdout)')
    .option('--beam <n>', 'beam search with n hypotheses (default 5)', positiveInt)
    .option('--greedy', 'take the most likely token at every step')
    .option('--sample', 'draw every token from the model\'s distribution (seeded)')
    .option('--temperature <t>', 'with --sample: 0 is greedy, 1 the model\'s own distribution (default 1)', nonNegativeNumber)
    .option('--top-k <n>', 'with --sample: draw among the k most likely tokens only', positiveInt)
    .option('--top-p <p>', 'with --sample: draw among the most likely tokens whose probabilities add up to p', probability)
    .option('--seed <n>', 'with --sample: seed of the draws (default 0)', nonNegativeInt)
    .option('--max-length <n>', 'most tokens per translation, <eos> included (default: twice the longest training target, plus 1)', positiveInt)
    .option('--attention <file>', 'write the attention weights as a heat-map: file.svg (one sentence) or file.html (one map per sentence)');
  examples(cmd, [
    'recur translate --model en-ko.recur "I love you." "Where is the station?"',
    'recur translate --model en-ko.recur --input sentences.txt --out translations.txt',
    'echo "Thank you." | recur translate --model en-ko.recur --greedy',
    'recur translate --model en-ko.recur --sample --temperature 0.7 --seed 3 "Good morning."',
    'recur translate --model en-ko.recur "I am hungry." --attention hungry.svg',
  ]);
  return act<TranslateFlags>(cmd, async (f, c) => (await import('./translate-run.ts')).runTranslate(f, c.args));
}
