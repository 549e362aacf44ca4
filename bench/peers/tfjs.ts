/**
 * Worker: TensorFlow.js 4.22 layers (`tf.layers.lstm` / `tf.layers.gru`, returnSequences) on the
 * backend named in the job: 'cpu' (plain JS) or 'wasm' (@tensorflow/tfjs-backend-wasm, its .wasm
 * files loaded from node_modules, never from the network).
 *   inference: y = layer.apply(x); read y back
 *   training:  Adam.minimize(() => mean(layer.apply(x)))
 * The weights are TF's own initialisation (the shared file is used by recur and PyTorch only):
 * timing does not depend on weight values. No packed sequences: 'varlen' is not available.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Scalar, Tensor } from '@tensorflow/tfjs';
import { readF32, runWorker, type BenchCase, type InputFiles, type Job, type Prepared } from '../common.ts';

type TF = typeof import('@tensorflow/tfjs');

let tf: TF | null = null;

async function load(job: Job): Promise<void> {
  const backend = job.tfBackend ?? 'cpu';
  const lib = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    wasm.setWasmPaths(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/');
  }
  if (!(await lib.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
  await lib.ready();
  tf = lib;
}

function prepare(c: BenchCase, files: InputFiles, reduced?: { B: number; T: number }): Promise<Prepared> {
  if (tf === null) throw new Error('not loaded');
  const t = tf;
  const { B, T, D, H } = c.size;
  const rB = reduced?.B ?? B;
  const rT = reduced?.T ?? T;
  const full = readF32(files.x, B * T * D);
  const xData = new Float32Array(rB * rT * D);
  for (let b = 0; b < rB; b++) xData.set(full.subarray(b * T * D, (b * T + rT) * D), b * rT * D);
  const x = t.tensor3d(xData, [rB, rT, D]);
  // glorotUniform for the recurrent kernel: the default orthogonal initializer is slow to build at H = 512.
  const opts = { units: H, returnSequences: true, recurrentInitializer: 'glorotUniform' as const };
  const layer = c.cell === 'lstm' ? t.layers.lstm(opts) : t.layers.gru(opts);
  const apply = (): Tensor => {
    const y = layer.apply(x);
    if (!(y instanceof t.Tensor)) throw new Error('layer.apply did not return one tensor');
    return y;
  };
  // Build the weights outside minimize(): variables created inside it are not seen as trainable.
  t.tidy(() => void apply());
  const dispose = (): void => {
    x.dispose();
    layer.dispose();
  };
  if (c.mode === 'inference') {
    return Promise.resolve({
      step: () => {
        const y = t.tidy(apply);
        y.dataSync();
        y.dispose();
      },
      dispose,
    });
  }
  const opt = t.train.adam(1e-3);
  return Promise.resolve({
    step: () => {
      const loss = opt.minimize(() => t.mean(apply()) as Scalar, true);
      loss?.dataSync();
      loss?.dispose();
    },
    dispose: () => {
      opt.dispose();
      dispose();
    },
  });
}

await runWorker({
  load,
  supports: (c) => (c.layout === 'varlen' ? 'n/a (no packed sequences)' : null),
  prepare,
  probeShape: (c) => ({ B: c.size.B, T: Math.max(2, Math.ceil(c.size.T / 10)) }),
});
