/**
 * recur — recurrent neural networks for TypeScript, matching PyTorch's numbers.
 * The public API: everything the browser entry lists by hand (src/browser.ts), plus the functions
 * that need a file system or Node worker threads. Anything not exported here is internal.
 */
export * from './browser.ts';

export {
  saveCheckpoint, loadCheckpoint, type SaveCheckpointOptions, type JsonValue,
} from './io/checkpoint.ts';
export { writeReport } from './report/index.ts';
export { saveSeq2Seq, loadSeq2Seq } from './seq2seq/train.ts';
export { setThreads, getThreads, availableThreads } from './kernels/backend.ts';
