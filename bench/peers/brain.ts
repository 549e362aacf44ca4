/**
 * Worker: brain.js 2.0.0-beta.24 `recurrent.LSTMTimeStep` / `recurrent.GRUTimeStep` (CPU; its
 * recurrent nets are plain JS, gpu.js is not involved), inputSize D, hiddenLayers [H], outputSize D.
 *   inference: net.run(sequence) for each of the B sequences
 *   training:  net.train(B sequences, { iterations: 1 })
 * brain.js has no batches: it trains one sequence at a time, predicting step t+1 from step t (T-1
 * steps per sequence), with its own RMSprop-style update after each sequence and an output layer
 * H -> D on top; the FLOP count is the same nominal 2*(D+H)*G*H per step as for everyone.
 */
import { readF32, runWorker, type BenchCase, type InputFiles, type Prepared } from '../common.ts';

type Brain = typeof import('brain.js');

let brain: Brain | null = null;

function prepare(c: BenchCase, files: InputFiles, reduced?: { B: number; T: number }): Promise<Prepared> {
  if (brain === null) throw new Error('not loaded');
  const { B, T, D, H } = c.size;
  const rB = reduced?.B ?? B;
  const rT = reduced?.T ?? T;
  const full = readF32(files.x, B * T * D);
  // number[][] per sequence: brain.js's data-shape check does not accept typed arrays here.
  const seqs = Array.from({ length: rB }, (_, b) => Array.from({ length: rT }, (_, t) => Array.from(full.subarray((b * T + t) * D, (b * T + t + 1) * D))));
  const Net = c.cell === 'lstm' ? brain.recurrent.LSTMTimeStep : brain.recurrent.GRUTimeStep;
  const net = new Net({ inputSize: D, hiddenLayers: [H], outputSize: D });
  if (c.mode === 'inference') {
    // run() needs an initialised net: one tiny training call builds the model (not timed).
    net.train([seqs[0].slice(0, 2)], { iterations: 1, log: false });
    return Promise.resolve({ step: () => seqs.forEach((s) => void net.run(s)) });
  }
  return Promise.resolve({ step: () => void net.train(seqs, { iterations: 1, log: false, errorThresh: 0 }) });
}

await runWorker({
  load: async () => {
    brain = await import('brain.js');
  },
  supports: (c) => (c.layout === 'varlen' ? 'n/a (no packed sequences)' : null),
  prepare,
  // One sequence at a time: the cost is linear in both B and T.
  probeShape: (c) => ({ B: Math.max(1, Math.ceil(c.size.B / 16)), T: Math.max(3, Math.ceil(c.size.T / 10)) }),
});
