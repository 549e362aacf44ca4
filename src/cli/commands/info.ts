/**
 * `recur info` (what is inside a model file) and `recur export` (the model as ONNX): flags and
 * help; the actions (info-run.ts) are loaded when a command runs.
 */
import type { Command } from 'commander';
import { act, examples, newCommand } from '../command.ts';

export interface ExportFlags {
  onnx?: string;
}

export function infoCommand(): Command {
  const cmd = newCommand('info', 'show what is inside a model file')
    .description('Show a model file: its spec, parameter count per tensor, training history, data preparation (columns, window, scaling, vocabulary) and size.')
    .argument('<model.recur>', 'model file');
  examples(cmd, ['recur info sunspots.recur']);
  return act<Record<string, never>>(cmd, async (_f, c) => (await import('./info-run.ts')).runInfo(c.args[0]));
}

export function exportCommand(): Command {
  const cmd = newCommand('export', 'export a model file to ONNX')
    .description(
      'Write the model as an ONNX file (opset 14, the RNN/LSTM/GRU operators) for ONNX Runtime or a server. ' +
        'The graph holds the network only: scale inputs with the saved scaler first (see recur info), and ' +
        'map the outputs back to the data\'s units (forecasters) or to the class names (classifiers).',
    )
    .argument('<model.recur>', 'model file')
    .requiredOption('--onnx <file.onnx>', 'ONNX file to write');
  examples(cmd, ['recur export sunspots.recur --onnx sunspots.onnx']);
  return act<ExportFlags>(cmd, async (f, c) => (await import('./info-run.ts')).runExport(c.args[0], f.onnx as string));
}
