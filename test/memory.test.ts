// Memory discipline: the time loop allocates nothing. Every Float32Array the maths allocates is
// counted (src/tensor/alloc.ts); a forward + backward at B=64, D=H=512 must allocate exactly as
// many buffers for T=2 as for T=4 — buffers are sized per batch, never per step — on both
// backends. The WebAssembly backend keeps its caches in its own linear memory: they must be
// released once backward has read them (or when nothing can read them), and the next step must
// reuse that memory instead of growing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { allocStats, resetAllocStats } from '../src/tensor/alloc.ts';
import { randn } from '../src/tensor/create.ts';
import { PackedSequence } from '../src/data/packed.ts';
import { setBackend, type BackendName } from '../src/kernels/backend.ts';
import { singleEngine } from '../src/kernels/wasm/module.ts';
import { tuning } from '../src/kernels/wasm/engines.ts';
import { GRU, LSTM } from '../src/layers/recurrent.ts';
import { Rng } from '../src/tensor/rng.ts';
import { noGrad } from '../src/tensor/tensor.ts';

const B = 64;
const D = 512;
const H = 512;

function countAllocations(layer: LSTM | GRU, T: number): { allocations: number; floats: number } {
  const rng = new Rng(T);
  const x = randn([B, T, D], { rng, requiresGrad: true });
  // Variable lengths 1..T so the packed path (not only full steps) is exercised.
  const lengths = Array.from({ length: B }, (_, b) => 1 + (b % T));
  resetAllocStats();
  const { output, h } = layer.forward(PackedSequence.fromPadded(x, lengths));
  output.toPadded().data.sum().add(h.sum()).backward();
  return allocStats();
}

for (const backend of ['wasm', 'js'] as BackendName[]) {
  test(`${backend}: LSTM B=64 D=H=512, forward+backward allocation count does not grow with T`, () => {
    setBackend(backend);
    const lstm = new LSTM({ inputSize: D, hiddenSize: H, seed: 1 });
    const t2 = countAllocations(lstm, 2);
    lstm.zeroGrad();
    const t4 = countAllocations(lstm, 4);
    assert.equal(t4.allocations, t2.allocations, `T=2: ${t2.allocations} buffers, T=4: ${t4.allocations}`);
    assert.ok(t2.allocations < 80, `expected a few dozen buffers per batch, got ${t2.allocations}`);
    // Caches scale with the packed rows N (Σ lengths), not with T × B.
    assert.ok(t4.floats > t2.floats);
  });

  test(`${backend}: GRU B=64 D=H=512, 2 layers bidirectional: allocation count does not grow with T`, () => {
    setBackend(backend);
    const gru = new GRU({ inputSize: D, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 2 });
    const t2 = countAllocations(gru, 2);
    gru.zeroGrad();
    const t4 = countAllocations(gru, 4);
    assert.equal(t4.allocations, t2.allocations, `T=2: ${t2.allocations} buffers, T=4: ${t4.allocations}`);
  });
}

test('wasm: the JavaScript side allocates only the layer outputs and states, not the caches', () => {
  setBackend('wasm');
  const lstm = new LSTM({ inputSize: D, hiddenSize: H, seed: 1 });
  const x = randn([B, 4, D], { rng: new Rng(1) });
  resetAllocStats();
  noGrad(() => lstm.forward(PackedSequence.fromPadded(x, new Array<number>(B).fill(4))));
  // packed x [N, D] + out h [N, H] + h0, c0, hN, cN [B, H] and the stacked h, c [1, B, H]:
  // nothing of the size of the gates (4H per row).
  const N = 4 * B;
  const { floats } = allocStats();
  assert.ok(floats <= N * D + N * H + 8 * B * H, `${floats} floats allocated`);
});

test('wasm: caches are released after backward and their memory is reused by the next step', () => {
  setBackend('wasm');
  const e = singleEngine();
  const gru = new GRU({ inputSize: 96, hiddenSize: 80, numLayers: 2, bidirectional: true, seed: 3 });
  const x = randn([16, 30, 96], { rng: new Rng(2) });
  const step = (): void => {
    gru.zeroGrad();
    const { output } = gru.forward(x);
    // 2 layers × 2 directions keep their caches until backward.
    assert.ok(e.arena.keptBytes >= 4 * 16 * 30 * 80 * 4 * 4, `kept ${e.arena.keptBytes} bytes`);
    output.sum().backward();
    assert.equal(e.arena.keptBytes, 0, 'every cache released after backward');
  };
  step();
  const grown = e.memory.buffer.byteLength;
  for (let i = 0; i < 3; i++) step();
  assert.equal(e.memory.buffer.byteLength, grown, 'later steps reuse the same linear memory');
  // Inference keeps nothing.
  noGrad(() => gru.forward(x));
  assert.equal(e.arena.keptBytes, 0);
});

test('wasm: past the kept-cache budget, caches go to JavaScript arrays (collected with their graph) and results do not change', () => {
  setBackend('wasm');
  const e = singleEngine();
  const x = randn([6, 7, 12], { rng: new Rng(5) });
  const run = (): Float32Array[] => {
    const gru = new GRU({ inputSize: 12, hiddenSize: 20, numLayers: 2, bidirectional: true, seed: 7 });
    const lstm = new LSTM({ inputSize: 12, hiddenSize: 20, seed: 8 });
    gru.forward(x).output.sum().add(lstm.forward(x).output.sum()).backward();
    return [...gru.parameters(), ...lstm.parameters()].map((p) => p.grad!.data);
  };
  const want = run();
  const saved = tuning.keptLimitBytes;
  tuning.keptLimitBytes = 0;
  try {
    const graphs = Array.from({ length: 20 }, () => new LSTM({ inputSize: 12, hiddenSize: 20, seed: 9 }).forward(x).output);
    assert.equal(e.arena.keptBytes, 0, 'nothing kept in linear memory');
    graphs[0].sum().backward(); // a spilled cache is copied back in for its backward
    const got = run();
    got.forEach((g, i) => g.forEach((v, k) => assert.ok(Math.abs(v - want[i][k]) <= 1e-6, `parameter ${i}[${k}]: ${v} vs ${want[i][k]}`)));
  } finally {
    tuning.keptLimitBytes = saved;
  }
});

test('wasm: a second backward through the same graph throws instead of reading a released cache', () => {
  setBackend('wasm');
  const lstm = new LSTM({ inputSize: 4, hiddenSize: 8, seed: 4 });
  const { output } = lstm.forward(randn([3, 5, 4], { rng: new Rng(3) }));
  const loss = output.sum();
  loss.backward();
  assert.throws(() => loss.backward(), /backward through this layer a second time/);
});

test('wasm: a graph dropped without backward gives its cache back when collected', () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const script = [
    "const { LSTM } = await import('../src/layers/recurrent.ts');",
    "const { randn } = await import('../src/tensor/create.ts');",
    "const { singleEngine } = await import('../src/kernels/wasm/module.ts');",
    'const lstm = new LSTM({ inputSize: 8, hiddenSize: 32, seed: 1 });',
    'for (let i = 0; i < 3; i++) lstm.forward(randn([4, 6, 8]));',
    'const kept = singleEngine().arena.keptBytes;',
    'for (let i = 0; i < 5 && singleEngine().arena.keptBytes > 0; i++) { globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); }',
    'console.log(kept, singleEngine().arena.keptBytes);',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: here, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const [kept, after] = r.stdout.trim().split(/\s+/).map(Number);
  assert.ok(kept > 0, `forwards with grad keep their caches (${kept} bytes)`);
  assert.equal(after, 0, 'all given back once the graphs were collected');
});
