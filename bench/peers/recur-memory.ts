/**
 * Worker: peak memory of recur's training step (forward + backward + Adam) on one case, in a fresh
 * process run with --expose-gc. argv: `<job.json> <result.json>`; the job's first case is measured.
 *
 * Measured, relative to a baseline taken after the input is built and before the layer exists (so
 * parameters, gradients, Adam state and activations all count):
 *   - peak RSS during each of two steps (Linux VmHWM, reset through /proc/self/clear_refs before each);
 *   - process.memoryUsage().arrayBuffers after forward, after backward and after Adam, largest kept;
 *   - recur's own allocation counter (allocStats): float32 bytes allocated by one step, in total.
 * Theoretical floor: params + grads + Adam m and v (4 x P floats) + what BPTT must keep per real
 * step (LSTM: 4H gate activations + c + h = 6H; GRU: r, z, n, W_hn h + b_hn and h = 5H).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Adam, GRU, LSTM, PackedSequence, allocStats, resetAllocStats, tensor } from '../../src/index.ts';
import { readF32, readI32, type Job } from '../common.ts';
import { recurRuntime } from '../recur-api.ts';
import { forward } from './recur-model.ts';

export interface MemoryReport {
  case: string;
  backend: string;
  theoretical: { paramsB: number; gradsB: number; adamB: number; activationsB: number; totalB: number };
  peakRssB: number;
  /** 'step' when VmHWM could be reset before each step; 'process' when it is the whole process's peak. */
  peakRssScope: 'step' | 'process';
  peakArrayBuffersB: number;
  allocatedPerStepB: number;
  ratioRss: number;
  ratioArrayBuffers: number;
}

function vmHwmBytes(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  if (!m) throw new Error('no VmHWM in /proc/self/status');
  return Number(m[1]) * 1024;
}

function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

const [jobPath, outPath] = process.argv.slice(2);
const job = JSON.parse(readFileSync(jobPath, 'utf8')) as Job;
const { case: c, files } = job.cases[0];
const gc = globalThis.gc;
if (!gc) throw new Error('run with --expose-gc');
const rt = await recurRuntime();
if (job.backend !== null && !(await rt.use(job.backend))) throw new Error(`backend '${job.backend}' cannot be selected`);
if (job.threads !== null) await rt.setThreads(job.threads);

const { B, T, D, H } = c.size;
const x = tensor(readF32(files.x, B * T * D), [B, T, D]);
const lengths = readI32(files.lengths, B);
const input = c.layout === 'varlen' ? PackedSequence.fromPadded(x, lengths) : x;
const steps = c.layout === 'varlen' ? lengths.reduce((a, b) => a + b, 0) : B * T;
// Bring the kernel backend up (a WebAssembly module compiles on first use) on a throwaway layer,
// so that the baseline already holds the runtime and the step measures only the step.
{
  const tiny = c.cell === 'lstm' ? new LSTM({ inputSize: 2, hiddenSize: 2, seed: 1 }) : new GRU({ inputSize: 2, hiddenSize: 2, seed: 1 });
  forward(tiny, tensor(new Float32Array(2 * 2 * 2), [2, 2, 2])).out.mean().backward();
}
gc();
const rss0 = process.memoryUsage().rss;
const ab0 = process.memoryUsage().arrayBuffers;

const layer = c.cell === 'lstm' ? new LSTM({ inputSize: D, hiddenSize: H, seed: 1 }) : new GRU({ inputSize: D, hiddenSize: H, seed: 1 });
const opt = new Adam(layer.parameters(), { lr: 1e-3 });
let peakRss = 0;
let peakAb = 0;
let scoped = true;
let allocated = 0;
for (let i = 0; i < 2; i++) {
  scoped = resetPeak() && scoped;
  resetAllocStats();
  const sample = (): void => void (peakAb = Math.max(peakAb, process.memoryUsage().arrayBuffers - ab0));
  opt.zeroGrad();
  const { out } = forward(layer, input);
  sample();
  out.mean().backward();
  sample();
  opt.step();
  sample();
  allocated = allocStats().floats * 4;
  peakRss = Math.max(peakRss, vmHwmBytes() - rss0);
}

const P = layer.parameters().reduce((n, p) => n + p.size, 0) * 4;
const kept = (c.cell === 'lstm' ? 6 : 5) * H * steps * 4;
const total = 4 * P + kept;
const report: MemoryReport = {
  case: c.id,
  backend: job.backend ?? rt.active,
  theoretical: { paramsB: P, gradsB: P, adamB: 2 * P, activationsB: kept, totalB: total },
  peakRssB: peakRss,
  peakRssScope: scoped ? 'step' : 'process',
  peakArrayBuffersB: peakAb,
  allocatedPerStepB: allocated,
  ratioRss: peakRss / total,
  ratioArrayBuffers: peakAb / total,
};
writeFileSync(outPath, JSON.stringify(report));
