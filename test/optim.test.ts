// Optimizers and clipping: PyTorch fixtures (fixtures/optim.safetensors, scripts/gen_fixtures.py,
// torch 1.13) for every config over its 5 steps and for clip_grad_norm_ / clip_grad_value_, inline
// torch 1.13 values for other norms, bit-identical resume from a saved state, and the contract
// (skipped null grads, zeroGrad, no allocation per step, errors).
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSafetensors } from '../src/io/safetensors.ts';
import {
  Adam,
  AdamW,
  RMSprop,
  SGD,
  clipGradNorm,
  clipGradValue,
  createOptimizer,
  type Optimizer,
  type OptimizerConfig,
  type OptimizerState,
} from '../src/optim/index.ts';
import { allocStats } from '../src/tensor/alloc.ts';
import { randn, tensor } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';
import { Tensor } from '../src/tensor/tensor.ts';

const ATOL = 1e-5;
const RTOL = 1e-4;
const worst = { optimizers: 0, clipping: 0 };

function check(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, family: keyof typeof worst): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    const tol = Math.max(ATOL, RTOL * Math.abs(expected[i]));
    assert.ok(d <= tol, `${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (|Δ| ${d.toExponential(2)})`);
    worst[family] = Math.max(worst[family], d);
  }
}

const fx = readSafetensors(readFileSync(new URL('../fixtures/optim.safetensors', import.meta.url)));
const names = JSON.parse(fx.metadata.names) as string[];
const STEPS = Number(fx.metadata.steps);
const configs = names.map((name) => [name, JSON.parse(fx.metadata[name]) as OptimizerConfig] as const);

function param(t: Tensor): Tensor {
  return new Tensor(t.data.slice(), t.shape, true);
}

// ---------------------------------------------------------------------------------------------
// PyTorch fixtures

test('optimizer fixtures cover every kind', () => {
  assert.deepEqual([...new Set(configs.map(([, c]) => c.kind))].sort(), ['adam', 'adamw', 'rmsprop', 'sgd']);
  assert.equal(STEPS, 5);
});

for (const [name, config] of configs) {
  test(`fixture ${name}: ${STEPS} steps match torch.optim`, () => {
    const p = param(fx.tensors[`${name}.init`]);
    const opt = createOptimizer([p], config);
    assert.equal(opt.kind, config.kind);
    for (let k = 0; k < STEPS; k++) {
      p.grad = fx.tensors[`${name}.g${k}`].clone();
      opt.step();
      check(p.data, fx.tensors[`${name}.p${k}`].data, `${name} after step ${k}`, 'optimizers');
    }
    // The stored options are exactly the config (every key present in the fixture config).
    const { kind, ...options } = config;
    assert.equal(opt.stateDict().kind, kind);
    assert.deepEqual(opt.stateDict().options, options);
  });
}

test('classes with explicit options give the same numbers as createOptimizer', () => {
  const cases: [string, (p: Tensor) => Optimizer][] = [
    ['sgd_nesterov_wd', (p) => new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true })],
    ['adam_amsgrad', (p) => new Adam([p], { lr: 0.01, amsgrad: true })],
    ['adamw', (p) => new AdamW([p], { lr: 0.01, weightDecay: 0.1 })],
    ['rmsprop_centered', (p) => new RMSprop([p], { momentum: 0.9, centered: true, weightDecay: 0.01 })],
  ];
  for (const [name, make] of cases) {
    const p = param(fx.tensors[`${name}.init`]);
    const opt = make(p);
    for (let k = 0; k < STEPS; k++) {
      p.grad = fx.tensors[`${name}.g${k}`].clone();
      opt.step();
    }
    check(p.data, fx.tensors[`${name}.p${STEPS - 1}`].data, `${name} via constructor`, 'optimizers');
  }
});

// The fixture's 5 steps never shrink v (β2 = 0.999 from zero), so amsgrad's max is exercised here:
// torch 1.13, Adam([p], lr=0.1, betas=(0.5, 0.9), amsgrad=a), p = [1, -2], grads below, float64.
test('Adam amsgrad keeps the largest v after a gradient spike (torch 1.13 values)', () => {
  const grads = [[10, -5], [0.125, 0.25], [0.125, 0.25], [-0.5, 0]];
  const expected: [boolean, number[]][] = [
    [true, [0.819278409, -1.833531657]],
    [false, [0.812521053, -1.828127389]],
  ];
  for (const [amsgrad, want] of expected) {
    const p = param(tensor([1, -2]));
    const opt = new Adam([p], { lr: 0.1, betas: [0.5, 0.9], amsgrad });
    for (const g of grads) {
      p.grad = tensor(g);
      opt.step();
    }
    check(p.data, want, `amsgrad ${amsgrad}`, 'optimizers');
  }
});

test('defaults are PyTorch 1.13 defaults', () => {
  const p = () => [param(tensor([1, 2]))];
  assert.deepEqual(new SGD(p(), { lr: 0.5 }).stateDict().options, { lr: 0.5, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 });
  assert.deepEqual(new Adam(p()).stateDict().options, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false });
  assert.deepEqual(new AdamW(p()).stateDict().options, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false });
  assert.deepEqual(new RMSprop(p()).stateDict().options, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false });
});

// ---------------------------------------------------------------------------------------------
// Clipping

test('clipGradNorm matches clip_grad_norm_ (fixture, norm 2)', () => {
  const clip = JSON.parse(fx.metadata.clip) as { maxNorm: number; normType: number; clipValue: number };
  const a = param(tensor([0], [1]));
  const params = [param(fx.tensors['clip.g0']), param(fx.tensors['clip.g1']), a];
  params[0].grad = fx.tensors['clip.g0'].clone();
  params[1].grad = fx.tensors['clip.g1'].clone();
  // params[2] has no grad: skipped.
  const total = clipGradNorm(params, clip.maxNorm, clip.normType);
  check([total], fx.tensors['clip.norm.total'].data, 'clip total norm', 'clipping');
  check(params[0].grad.data, fx.tensors['clip.norm.g0'].data, 'clip.norm.g0', 'clipping');
  check(params[1].grad.data, fx.tensors['clip.norm.g1'].data, 'clip.norm.g1', 'clipping');
  assert.equal(a.grad, null);
});

test('clipGradValue matches clip_grad_value_ (fixture)', () => {
  const clip = JSON.parse(fx.metadata.clip) as { clipValue: number };
  const params = [param(fx.tensors['clip.g0']), param(fx.tensors['clip.g1'])];
  params[0].grad = fx.tensors['clip.g0'].clone();
  params[1].grad = fx.tensors['clip.g1'].clone();
  clipGradValue(params, clip.clipValue);
  check(params[0].grad.data, fx.tensors['clip.value.g0'].data, 'clip.value.g0', 'clipping');
  check(params[1].grad.data, fx.tensors['clip.value.g1'].data, 'clip.value.g1', 'clipping');
});

// torch 1.13: a.grad, b.grad = G0, G1 (float64); total = clip_grad_norm_([a, b], 2.0, norm_type=p)
const G0 = [0.5, -1.5, 2.0, 0.25, 0.0, -3.0];
const G1 = [1.0, -0.75];
const NORMS: [number, number, number[], number[]][] = [
  [Infinity, 3.0, [0.333333222, -0.999999667, 1.333332889, 0.166666611, 0, -1.999999333], [0.666666444, -0.499999833]],
  [1, 9.0, [0.111111099, -0.333333296, 0.444444395, 0.055555549, 0, -0.666666593], [0.222222198, -0.166666648]],
  [3, 3.41816974, [0.29255414, -0.877662419, 1.170216559, 0.14627707, 0, -1.755324838], [0.585108279, -0.438831209]],
];
for (const [normType, total, g0, g1] of NORMS) {
  test(`clipGradNorm with normType ${normType} (torch 1.13 values)`, () => {
    const a = param(tensor(G0, [2, 3]));
    const b = param(tensor(G1));
    a.grad = tensor(G0, [2, 3]);
    b.grad = tensor(G1);
    check([clipGradNorm([a, b], 2.0, normType)], [total], `total ${normType}`, 'clipping');
    check(a.grad.data, g0, `g0 ${normType}`, 'clipping');
    check(b.grad.data, g1, `g1 ${normType}`, 'clipping');
  });
}

test('clipGradNorm leaves small gradients alone and returns 0 without gradients', () => {
  const a = param(tensor([0, 0]));
  a.grad = tensor([0.3, -0.4]);
  assert.equal(clipGradNorm([a], 1), Math.sqrt(Math.fround(0.3) ** 2 + Math.fround(0.4) ** 2));
  assert.deepEqual(Array.from(a.grad.data), [Math.fround(0.3), Math.fround(-0.4)]);
  assert.equal(clipGradNorm([param(tensor([1]))], 1), 0);
  assert.throws(() => clipGradNorm([a], -1), { message: 'clipGradNorm: maxNorm = -1, expected a number ≥ 0' });
  assert.throws(() => clipGradNorm([a], 1, 0), /normType = 0, expected a number > 0 or Infinity/);
  assert.throws(() => clipGradValue([a], -0.5), /clipValue = -0.5/);
});

// ---------------------------------------------------------------------------------------------
// State: save, restore, resume bit for bit

/** Two parameters of different sizes and a seeded gradient stream (param 1 skips step 1). */
function setup(seed: number): { params: Tensor[]; grads: (Tensor | null)[][] } {
  const rng = new Rng(seed);
  const params = [randn([3, 4], { rng, requiresGrad: true }), randn([5], { rng, requiresGrad: true })];
  const grads = Array.from({ length: 6 }, (_, step) => params.map((p, i) => (i === 1 && step === 1 ? null : randn(p.shape, { rng }))));
  return { params, grads };
}

function runSteps(opt: Optimizer, params: Tensor[], grads: (Tensor | null)[][], from: number, to: number): void {
  for (let s = from; s < to; s++) {
    params.forEach((p, i) => {
      const g = grads[s][i];
      p.grad = g === null ? null : g.clone();
    });
    opt.step();
  }
}

for (const [name, config] of configs) {
  test(`${name}: resuming from stateDict() gives bit-identical parameters`, () => {
    const a = setup(5);
    const straight = createOptimizer(a.params, config);
    runSteps(straight, a.params, a.grads, 0, 6);

    const b = setup(5);
    const first = createOptimizer(b.params, config);
    runSteps(first, b.params, b.grads, 0, 3);
    // A snapshot survives a structured clone (what a checkpoint writer would do) and later steps.
    const saved = structuredClone(first.stateDict());
    const savedParams = b.params.map((p) => p.data.slice());
    runSteps(first, b.params, b.grads, 3, 4); // the old optimizer moves on; the snapshot must not

    const c = setup(5);
    c.params.forEach((p, i) => p.data.set(savedParams[i]));
    const resumed = createOptimizer(c.params, { ...config, lr: 123 }); // lr comes back from the state
    resumed.loadStateDict(saved);
    assert.equal(resumed.lr, config.lr);
    runSteps(resumed, c.params, c.grads, 3, 6);
    c.params.forEach((p, i) => assert.deepEqual(p.data, a.params[i].data, `${name} param ${i}`));
    assert.deepEqual(resumed.stateDict(), straight.stateDict());
    assert.deepEqual(resumed.stateDict().steps, [6, 5]);
  });
}

test('loadStateDict rejects another kind, another parameter count, a wrong buffer length', () => {
  const p = [param(tensor([1, 2, 3])), param(tensor([4, 5]))];
  const adam = new Adam(p);
  p.forEach((t) => (t.grad = tensor(Array.from(t.data, () => 0.1))));
  adam.step();
  const state = adam.stateDict();
  assert.throws(() => new SGD(p, { lr: 0.1 }).loadStateDict(state), { message: "SGD.loadStateDict: state is for a 'adam' optimizer, expected 'sgd'" });
  assert.throws(() => new AdamW(p).loadStateDict(state), /AdamW.loadStateDict: state is for a 'adam' optimizer, expected 'adamw'/);
  assert.throws(() => new Adam([p[0]]).loadStateDict(state), { message: 'Adam.loadStateDict: state has 2 parameters, this optimizer has 1' });
  const short: OptimizerState = structuredClone(state);
  if (short.kind !== 'adam') throw new Error('unreachable');
  short.buffers.expAvgSq[1] = new Float32Array(3);
  assert.throws(() => new Adam(p).loadStateDict(short), { message: 'Adam.loadStateDict: buffers.expAvgSq[1] has 3 values, parameter 1 [2] has 2' });
  const missing = structuredClone(state);
  if (missing.kind !== 'adam') throw new Error('unreachable');
  missing.buffers.expAvg[0] = null;
  assert.throws(() => new Adam(p).loadStateDict(missing), /buffers.expAvg\[0\] is missing for a parameter that has been stepped/);
  // A failed load leaves the optimizer as it was.
  const intact = new Adam(p);
  assert.throws(() => intact.loadStateDict(short));
  assert.deepEqual(intact.stateDict().steps, [0, 0]);
});

// ---------------------------------------------------------------------------------------------
// Contract

test('step() skips null grads (no update, no step count); zeroGrad() sets grads to null', () => {
  const [a, b] = [param(tensor([1, 2])), param(tensor([3, 4]))];
  const opt = new Adam([a, b], { lr: 0.1 });
  a.grad = tensor([0.5, -0.5]);
  opt.step();
  assert.deepEqual(Array.from(b.data), [3, 4]);
  assert.deepEqual(opt.stateDict().steps, [1, 0]);
  // b's first update later is a first Adam step: |Δ| = lr (m̂/√v̂ = ±1).
  b.grad = tensor([2, -3]);
  a.grad = null;
  const aBefore = a.data.slice();
  opt.step();
  assert.deepEqual(a.data, aBefore);
  check(b.data, [2.9, 4.1], 'first step of b', 'optimizers');
  assert.deepEqual(opt.stateDict().steps, [1, 1]);
  opt.zeroGrad();
  assert.equal(a.grad, null);
  assert.equal(b.grad, null);
});

test('step() never touches the gradients', () => {
  const p = param(tensor([1, 2]));
  p.grad = tensor([0.25, -0.5]);
  new SGD([p], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 }).step();
  assert.deepEqual(Array.from(p.grad.data), [0.25, -0.5]);
});

test('lr is mutable between steps', () => {
  const p = param(tensor([1, 1]));
  const opt = new SGD([p], { lr: 0.1 });
  p.grad = tensor([1, -1]);
  opt.lr = 0.5;
  opt.step();
  assert.deepEqual(Array.from(p.data), [0.5, 1.5]);
  assert.equal(opt.stateDict().options.lr, 0.5);
  opt.lr = -1;
  assert.throws(() => opt.step(), /SGD: lr = -1, expected a finite number ≥ 0/);
});

for (const [name, config] of configs) {
  test(`${name}: no allocation per step after the first`, () => {
    const { params, grads } = setup(9);
    const opt = createOptimizer(params, config);
    params.forEach((p, i) => (p.grad = grads[0][i]));
    opt.step(); // creates the state buffers
    opt.step(); // param 1 (skipped on step 1 of setup's stream) has its buffers already
    const before = allocStats();
    for (let k = 0; k < 20; k++) opt.step();
    assert.deepEqual(allocStats(), before);
  });
}

test('constructor and createOptimizer errors', () => {
  const p = param(tensor([1]));
  assert.throws(() => new SGD([p], { lr: 0.1, nesterov: true }), {
    message: 'SGD: nesterov needs momentum > 0 and dampening = 0 (got momentum 0, dampening 0)',
  });
  assert.throws(() => new SGD([p], { lr: -0.1 }), /SGD: lr = -0.1, expected a finite number ≥ 0/);
  assert.throws(() => new Adam([p], { betas: [0.9, 1] }), /Adam: betas\[1\] = 1, expected a number in \[0, 1\)/);
  assert.throws(() => new Adam([p, p]), /Adam: parameter 1 \[1\] appears more than once/);
  assert.throws(() => new SGD([p.mul(2)], { lr: 1 }), /SGD: parameter 0 \[1\] is not a leaf tensor/);
  assert.throws(() => createOptimizer([p], { kind: 'sgd', lr: 0.1, momentun: 0.9 } as OptimizerConfig), {
    message: "createOptimizer: unknown option 'momentun' for 'sgd' (known: lr, momentum, dampening, nesterov, weightDecay)",
  });
  assert.throws(() => createOptimizer([p], { kind: 'lbfgs' } as unknown as OptimizerConfig), /unknown kind 'lbfgs'/);
  const q = param(tensor([1, 2]));
  q.grad = tensor([1, 2, 3]);
  assert.throws(() => new SGD([q], { lr: 1 }).step(), { message: 'SGD: parameter 0 has shape [2] but its grad has shape [3]' });
});

test('max |Δ| per family', (t) => {
  t.diagnostic(`optim max |Δ|: ${JSON.stringify(worst)}`);
  assert.ok(worst.optimizers > 0 && worst.optimizers <= ATOL, `optimizers ${worst.optimizers}`);
  assert.ok(worst.clipping > 0 && worst.clipping <= ATOL, `clipping ${worst.clipping}`);
});
