/**
 * Opening a `.recur` model file for the CLI: the checkpoint, its spec validated, the model rebuilt
 * with its weights, and the data preparation `recur train` saved with it. Each way a file can be
 * wrong (missing, truncated, corrupted, foreign, weights that do not fit the spec, no preparation)
 * becomes one clear error.
 */
import { statSync } from 'node:fs';
import {
  ModelSpecError, buildModel, loadCheckpoint, validateSpec,
  type Checkpoint, type ModelSpec, type SequenceModel,
} from '../../index.ts';
import { CliError } from '../errors.ts';
import { savedFromJson, type DataPrep } from './prep.ts';
import type { RunSettings } from './run.ts';

export interface ModelFile {
  path: string;
  checkpoint: Checkpoint;
  spec: ModelSpec;
  model: SequenceModel;
  /** Size of the file in bytes. */
  bytes: number;
}

/** The checkpoint's spec, validated, with the file named in the error. */
export function specOf(ckpt: Checkpoint, path: string): ModelSpec {
  try {
    return validateSpec(ckpt.spec);
  } catch (e) {
    if (e instanceof ModelSpecError) throw new CliError(`${path}: the model spec inside is invalid (${e.message}); the file was not written by this version of recur`);
    throw e;
  }
}

/**
 * Load a model file and rebuild its model.
 * @example const { model, spec } = openModel('sunspots.recur');
 */
export function openModel(path: string): ModelFile {
  const checkpoint = loadCheckpoint(path);
  const spec = specOf(checkpoint, path);
  const model = buildModel(spec);
  try {
    model.loadStateDict(checkpoint.weights);
  } catch (e) {
    throw new CliError(`${path}: its weights do not fit its spec (${e instanceof Error ? e.message : String(e)}); the file is damaged or was edited`);
  }
  return { path, checkpoint, spec, model, bytes: statSync(path).size };
}

/** What `recur train` saved with the model: the data preparation and the run's settings. */
export interface Saved {
  prep: DataPrep;
  run: RunSettings | null;
}

/** The preparation saved in a model file (an error when there is none or it does not fit the spec). */
export function savedOf(file: ModelFile): Saved {
  const { prep, run } = savedFromJson(file.checkpoint.data, file.path);
  const expected = prep.kind === 'series' ? ['forecast'] : prep.kind === 'groups' ? [prep.task] : ['language-model'];
  if (!expected.includes(file.spec.task)) {
    throw new CliError(`${file.path}: its data preparation (${prep.kind}) does not fit its task '${file.spec.task}'; the file was edited`);
  }
  return { prep, run };
}
