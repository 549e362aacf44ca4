/**
 * Time saving and loading a 50 MB checkpoint (12.5M float32 weights plus an Adam state of a small
 * part): encode, atomic write (fsync included) and load, best and median of 5.
 *
 *   node --import tsx test/helpers/checkpoint-bench.ts [directory]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCheckpoint, loadCheckpoint, saveCheckpoint, type Checkpoint } from '../../src/io/checkpoint.ts';
import { writeFileAtomic } from '../../src/io/atomic.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Rng } from '../../src/tensor/rng.ts';

const dir = mkdtempSync(join(process.argv[2] ?? tmpdir(), 'recur-bench-'));
const rng = new Rng(1);
const N = 12_500_000; // 50 MB of float32
const big = new Float32Array(N);
for (let i = 0; i < N; i++) big[i] = rng.normal();
const ckpt: Checkpoint = {
  spec: { kind: 'lstm', inputSize: 1000, hiddenSize: 1250 },
  weights: { 'lstm.weight_ih_l0': new Tensor(big, [10_000, 1250]) },
  training: { epoch: 1, history: [] },
};
const path = join(dir, 'model.recur');
const stats = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `best ${s[0].toFixed(0)} ms, median ${s[Math.floor(s.length / 2)].toFixed(0)} ms`;
};
const time = (fn: () => void): number => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};
const enc: number[] = [];
const write: number[] = [];
const save: number[] = [];
const load: number[] = [];
for (let r = 0; r < 5; r++) {
  let bytes: Uint8Array = new Uint8Array(0);
  enc.push(time(() => (bytes = encodeCheckpoint(ckpt))));
  write.push(time(() => writeFileAtomic(path, bytes)));
  save.push(time(() => saveCheckpoint(path, ckpt)));
  load.push(time(() => loadCheckpoint(path)));
}
console.log(`file ${(statSync(path).size / 1e6).toFixed(1)} MB in ${dir}`);
console.log(`encode (copy + CRC-32):          ${stats(enc)}`);
console.log(`atomic write (write+fsync+rename): ${stats(write)}`);
console.log(`saveCheckpoint (both):           ${stats(save)}`);
console.log(`loadCheckpoint (read+CRC+decode): ${stats(load)}`);
rmSync(dir, { recursive: true, force: true });
