/**
 * Messages between the page (main.ts) and the training worker (worker.ts). Plain data: everything
 * crosses by structured clone, the model file's bytes by transfer.
 */
import type { ModelSpec } from '../../src/browser.ts';
import type { DataPrep } from '../../src/cli/pipeline/prep.ts';
import type { RunSettings } from '../../src/cli/pipeline/run.ts';
import type { TargetScores } from '../../src/cli/pipeline/series.ts';
import type { CsvFile, DataSource, EpochUpdate, TrainSettings, View } from './trainer.ts';

export type ToWorker =
  | { type: 'train'; source: DataSource; settings: TrainSettings }
  | { type: 'stop' }
  /** Open a `.recur` file; a series model is shown on the first candidate holding its columns. */
  | { type: 'open'; name: string; bytes: ArrayBuffer; candidates: CsvFile[] };

/** What the page shows about a model: trained here or opened from a file. */
export interface ModelInfo {
  name: string;
  spec: ModelSpec;
  parameters: number;
  prep: DataPrep;
  run: RunSettings | null;
  /** Bytes of the `.recur` file. */
  fileBytes: number;
  /** Epoch losses saved in the file (CLI runs), for the chart. */
  losses: { epoch: number; loss: number; valLoss: number | null }[];
  /** The data the view was computed on, or a note why there is none. */
  shownOn: string;
}

export type FromWorker =
  | { type: 'ready'; backend: string }
  | { type: 'prepared'; summary: string; spec: ModelSpec; parameters: number; stepsPerEpoch: number }
  /** The steps' losses since the last message, at most ~10 messages a second. */
  | { type: 'steps'; steps: { epoch: number; batch: number; step: number; loss: number }[] }
  | { type: 'epoch'; update: EpochUpdate }
  | {
      type: 'done';
      stopReason: 'completed' | 'early-stopping' | 'aborted';
      stepsPerSecond: number;
      testScores: TargetScores[] | null;
      /** The `.recur` file. */
      bytes: ArrayBuffer;
      info: ModelInfo;
    }
  | { type: 'opened'; info: ModelInfo; view: View | null; bytes: ArrayBuffer }
  | { type: 'error'; message: string; during: 'train' | 'open' };
