/**
 * Worker: recur, with the kernel backend and thread count named in the job (see recur-model.ts
 * for what one step is).
 */
import { Adam, noGrad } from '../../src/index.ts';
import { runWorker, type BenchCase, type InputFiles, type Job, type Prepared } from '../common.ts';
import { recurRuntime } from '../recur-api.ts';
import { buildRecur, forward, trainingStep } from './recur-model.ts';

function prepare(c: BenchCase, files: InputFiles, reduced?: { B: number; T: number }): Promise<Prepared> {
  const { layer, input } = buildRecur(c, files, reduced);
  if (c.mode === 'inference') {
    return Promise.resolve({
      step: () => void noGrad(() => forward(layer, input)),
      check: () => noGrad(() => forward(layer, input).h.sum().item()),
    });
  }
  const opt = new Adam(layer.parameters(), { lr: 1e-3 });
  return Promise.resolve({ step: () => trainingStep(layer, input, opt) });
}

async function load(job: Job): Promise<void> {
  const rt = await recurRuntime();
  if (job.backend !== null && !(await rt.use(job.backend))) {
    throw new Error(`backend '${job.backend}' cannot be selected (this build has: ${rt.backends.join(', ')})`);
  }
  if (job.threads !== null && !(await rt.setThreads(job.threads))) {
    throw new Error('setThreads is not in the public API');
  }
}

await runWorker({
  load,
  supports: () => null,
  prepare,
  probeShape: (c) => ({ B: c.size.B, T: Math.max(2, Math.ceil(c.size.T / 10)) }),
});
