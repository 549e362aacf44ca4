/**
 * A CSV of events as one sequence per entity (e.g. every team's matches), labelled per sequence
 * (classify) or per step (tag): group rows by a key column, order them, split the entities
 * (seeded), fit the scaler on the training entities' rows only.
 *
 * Legend: G groups (sequences), T_g length of group g, D input columns, C classes.
 */
import {
  ArrayDataset, Rng, StandardScaler, accuracy, chronologicalSplit, confusionMatrix, getColumn, groupBy, macroF1, readCsv, selectRows,
  type Group, type SequenceDataset, type SequenceModel, type Table,
} from '../../index.ts';
import { CliError } from '../errors.ts';
import { checkColumns, csvHeader, readTextFile } from './files.ts';
import { argmaxRow, predictSequences, softmaxRow } from './infer.ts';
import { scalerOf, type Fractions, type GroupsPrep, type MissingSetting } from './prep.ts';

export interface GroupsOptions {
  path: string;
  groupBy: string;
  sortBy: string | null;
  label: string;
  /** Default: every numeric column other than the key, label and sort columns. */
  inputs: string[] | null;
  task: 'classify' | 'tag';
  missing: MissingSetting;
  split: Fractions;
  seed: number;
}

/** Sequences of one part, with their keys and, per sequence or per step, class ids. */
export interface GroupedPart {
  keys: string[];
  /** [G][T_g][D] scaled inputs. */
  x: number[][][];
  /** [G][T_g] class id per step (tag), or [G][1] per sequence (classify); null when unlabelled. */
  labels: number[][] | null;
  /** [G][T_g] file line of every step. */
  lines: number[][];
}

export interface GroupsTraining {
  prep: GroupsPrep;
  train: GroupedPart;
  validation: GroupedPart;
  test: GroupedPart;
}

function unique(names: readonly (string | null)[]): string[] {
  return [...new Set(names.filter((n): n is string => n !== null))];
}

/** Labels sorted numerically when all are numbers, else as text. */
function sortLabels(values: Iterable<string>): string[] {
  const all = [...new Set(values)];
  const numeric = all.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
  return numeric ? all.sort((a, b) => Number(a) - Number(b)) : all.sort();
}

function readGroups(text: string, path: string, o: { groupBy: string; sortBy: string | null; label: string | null; inputs: string[] | null; missing: MissingSetting }): Table {
  const header = csvHeader(text, path);
  checkColumns([o.groupBy], header, '--group-by', path);
  if (o.sortBy !== null) checkColumns([o.sortBy], header, '--sort-by', path);
  if (o.label !== null) checkColumns([o.label], header, '--label', path);
  if (o.inputs !== null) checkColumns(o.inputs, header, '--inputs', path);
  const text2 = unique([o.groupBy, o.label]);
  return readCsv(text, {
    columns: o.inputs === null ? undefined : unique([o.groupBy, o.sortBy, o.label, ...o.inputs]),
    stringColumns: text2,
    numberColumns: o.inputs ?? [],
    missing: o.missing,
  });
}

/** One part's sequences from the (scaled) table. */
function partOf(table: Table, groups: readonly Group[], prep: GroupsPrep, labelled: boolean): GroupedPart {
  const cols = prep.inputs.map((n) => getColumn(table, n).values as Float64Array);
  const classOf = new Map(prep.classes.map((c, i) => [c, i]));
  const labelColumn = labelled ? getColumn(table, prep.label) : null;
  const labelText = labelColumn !== null && labelColumn.kind === 'string' ? labelColumn.values : null;
  const idOf = (r: number): number => {
    const v = (labelText as readonly string[])[r];
    const id = classOf.get(v);
    if (id === undefined) {
      throw new CliError(`line ${table.lines[r]}: label ${JSON.stringify(v)} in column ${JSON.stringify(prep.label)} is not a class the model knows (${prep.classes.map((c) => JSON.stringify(c)).join(', ')})`);
    }
    return id;
  };
  return {
    keys: groups.map((g) => g.key),
    x: groups.map((g) => Array.from(g.rows, (r) => cols.map((c) => c[r]))),
    labels: labelText === null ? null : groups.map((g) => (prep.task === 'tag' ? Array.from(g.rows, idOf) : [idOf(g.rows[g.rows.length - 1])])),
    lines: groups.map((g) => Array.from(g.rows, (r) => table.lines[r])),
  };
}

/** For classify, every row of an entity must carry the same label. */
function checkConstantLabels(table: Table, groups: readonly Group[], label: string): void {
  const values = getColumn(table, label).values as readonly string[];
  for (const g of groups) {
    const first = values[g.rows[0]];
    const r = Array.from(g.rows).find((row) => values[row] !== first);
    if (r !== undefined) {
      throw new CliError(
        `--label ${label}: group ${JSON.stringify(g.key)} has labels ${JSON.stringify(first)} and ${JSON.stringify(values[r])} (line ${table.lines[r]}); ` +
          'a sequence label must be the same on all its rows, or use --task tag for a label per row',
      );
    }
  }
}

/** Everything `train` needs from a grouped file. */
export function prepareGroups(o: GroupsOptions): GroupsTraining {
  const table = readGroups(readTextFile(o.path, '--data'), o.path, o);
  const special = [o.groupBy, o.label, o.sortBy];
  const inputs = o.inputs ?? table.columns.filter((c) => c.kind === 'number' && !special.includes(c.name)).map((c) => c.name);
  if (inputs.length === 0) {
    throw new CliError(`${o.path} has no numeric column to read besides --group-by, --label and --sort-by; name the input columns with --inputs`);
  }
  for (const n of inputs) {
    if (special.includes(n)) throw new CliError(`--inputs ${n}: that column is already the --group-by, --label or --sort-by column`);
  }
  const groups = groupBy(table, o.groupBy, o.sortBy ?? undefined);
  if (o.task === 'classify') checkConstantLabels(table, groups, o.label);
  const classes = sortLabels(getColumn(table, o.label).values as readonly string[]);
  if (classes.length < 2) throw new CliError(`--label ${o.label}: every row has the label ${JSON.stringify(classes[0])}; a classifier needs at least 2 classes`);

  // Split the entities in a seeded random order.
  const order = new Rng(o.seed).shuffle(groups.map((_, g) => g));
  if (order.length < 3) throw new CliError(`${o.path} holds ${order.length} group(s) of --group-by ${o.groupBy}; training, validation and test need at least 3`);
  const s = chronologicalSplit(order.length, o.split);
  const pick = (r: { start: number; end: number }): Group[] => order.slice(r.start, r.end).map((g) => groups[g]);
  const parts = { train: pick(s.train), validation: pick(s.validation), test: pick(s.test) };

  const trainRows = Int32Array.from(parts.train.flatMap((g) => Array.from(g.rows)));
  const scaler = StandardScaler.fit(selectRows(table, trainRows), { columns: inputs });
  const prep: GroupsPrep = {
    kind: 'groups', source: o.path, groupBy: o.groupBy, sortBy: o.sortBy, inputs, label: o.label, task: o.task,
    classes, classCounts: new Array<number>(classes.length).fill(0), missing: o.missing, split: o.split, seed: o.seed, scaler: scaler.toJSON(),
  };
  const scaled = scaler.transform(table);
  const train = partOf(scaled, parts.train, prep, true);
  for (const row of train.labels ?? []) for (const id of row) prep.classCounts[id]++;
  return { prep, train, validation: partOf(scaled, parts.validation, prep, true), test: partOf(scaled, parts.test, prep, true) };
}

/** A part as a dataset for a DataLoader: y [1] class id per sequence, or yPerStep [T][1]. */
export function groupDataset(part: GroupedPart, task: 'classify' | 'tag'): SequenceDataset {
  const labels = part.labels;
  if (labels === null) throw new Error('groupDataset: the part has no labels');
  return task === 'tag' ? new ArrayDataset({ x: part.x, yPerStep: labels.map((l) => l.map((id) => [id])) }) : new ArrayDataset({ x: part.x, y: labels });
}

/** A file read for an existing model: every entity as a sequence; labels when the file has the label column. */
export function readGroupsForModel(path: string, prep: GroupsPrep, needLabels: boolean): GroupedPart {
  const text = readTextFile(path, '--data');
  const header = csvHeader(text, path);
  const labelled = header.includes(prep.label);
  if (needLabels && !labelled) {
    throw new CliError(`${path} has no column ${JSON.stringify(prep.label)} with the labels to score against; its columns are ${header.map((h) => JSON.stringify(h)).join(', ')}`);
  }
  for (const n of prep.inputs) {
    if (!header.includes(n)) {
      throw new CliError(
        `${path} has no column ${JSON.stringify(n)}; the model reads ${prep.inputs.length} columns per step (${prep.inputs.join(', ')}) ` +
          `and the file has ${header.map((h) => JSON.stringify(h)).join(', ')}`,
      );
    }
  }
  const sortBy = prep.sortBy !== null && header.includes(prep.sortBy) ? prep.sortBy : null;
  const table = readGroups(text, path, { groupBy: prep.groupBy, sortBy, label: labelled ? prep.label : null, inputs: prep.inputs, missing: prep.missing });
  const groups = groupBy(table, prep.groupBy, sortBy ?? undefined);
  return partOf(scalerOf(prep).transform(table), groups, prep, labelled);
}

/** Index of the most frequent class (the lowest id on ties). */
export function majorityClass(counts: readonly number[]): number {
  let k = 0;
  for (let i = 1; i < counts.length; i++) if (counts[i] > counts[k]) k = i;
  return k;
}

/** Class probabilities per sequence (classify: [G][1][C]) or per step (tag: [G][T_g][C]). */
export function classProbabilities(model: SequenceModel, part: GroupedPart): number[][][] {
  return predictSequences(model, part.x).map((rows) => rows.map(softmaxRow));
}

export interface ClassScores {
  /** Scored predictions: sequences (classify) or steps (tag). */
  n: number;
  accuracy: number;
  macroF1: number;
  majority: { label: string; accuracy: number; macroF1: number };
  /** [C][C] rows actual, columns predicted. */
  confusion: number[][];
}

/** Accuracy and macro-F1 of the model on a labelled part, next to always predicting the training majority. */
export function scoreGroups(model: SequenceModel, prep: GroupsPrep, part: GroupedPart): ClassScores {
  if (part.labels === null) throw new Error('scoreGroups: the part has no labels');
  const predicted = classProbabilities(model, part).flatMap((rows) => rows.map(argmaxRow));
  const actual = part.labels.flat();
  const m = majorityClass(prep.classCounts);
  const always = actual.map(() => m);
  return {
    n: actual.length,
    accuracy: accuracy(predicted, actual),
    macroF1: macroF1(predicted, actual),
    majority: { label: prep.classes[m], accuracy: accuracy(always, actual), macroF1: macroF1(always, actual) },
    confusion: confusionMatrix(predicted, actual, prep.classes.length),
  };
}
