// Losses: PyTorch fixtures (fixtures/losses.safetensors, scripts/gen_fixtures.py, torch 1.13) for
// every loss × reduction (output and input gradient), inline torch 1.13 values for class weights and
// label smoothing, PackedSequence pairs, boundary errors, and central-difference checks.
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PackedSequence } from '../src/data/packed.ts';
import { readSafetensors } from '../src/io/safetensors.ts';
import { bceWithLogits, crossEntropy, huberLoss, l1Loss, mseLoss, type Reduction } from '../src/losses/index.ts';
import { randn, tensor } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';
import { Tensor } from '../src/tensor/tensor.ts';
import { gradCheck } from './gradcheck.ts';

const ATOL = 1e-5;
const RTOL = 1e-4;
const worst = { fixtures: 0, inline: 0, packed: 0, gradcheck: 0 };
type Family = keyof typeof worst;

/** |Δ| ≤ max(ATOL, RTOL·|expected|) everywhere; records the largest |Δ| under `family`. */
function check(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, family: Family): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    const tol = Math.max(ATOL, RTOL * Math.abs(expected[i]));
    assert.ok(d <= tol, `${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (|Δ| ${d.toExponential(2)})`);
    worst[family] = Math.max(worst[family], d);
  }
}

function grad(t: Tensor): Float32Array {
  assert.ok(t.grad !== null, 'no gradient reached the tensor');
  return t.grad.data;
}

const REDUCTIONS: Reduction[] = ['mean', 'sum', 'none'];

// ---------------------------------------------------------------------------------------------
// PyTorch fixtures

const fx = readSafetensors(readFileSync(new URL('../fixtures/losses.safetensors', import.meta.url)));
const fxNames = JSON.parse(fx.metadata.names) as string[];

interface FixtureConfig {
  fn: 'mse_loss' | 'l1_loss' | 'huber_loss' | 'bce_with_logits' | 'cross_entropy';
  delta?: number;
  pos_weight?: boolean;
  ignore_index?: number;
  label_smoothing?: number;
}

function callFixture(name: string, cfg: FixtureConfig, x: Tensor, target: Tensor, reduction: Reduction): Tensor {
  switch (cfg.fn) {
    case 'mse_loss':
      return mseLoss(x, target, { reduction });
    case 'l1_loss':
      return l1Loss(x, target, { reduction });
    case 'huber_loss':
      return huberLoss(x, target, { reduction, delta: cfg.delta });
    case 'bce_with_logits':
      return bceWithLogits(x, target, { reduction, posWeight: cfg.pos_weight ? fx.tensors[`${name}.pos_weight`] : undefined });
    case 'cross_entropy':
      return crossEntropy(x, target, { reduction, ignoreIndex: cfg.ignore_index, labelSmoothing: cfg.label_smoothing });
  }
}

test('fixtures list every loss family', () => {
  const fns = new Set(fxNames.map((n) => (JSON.parse(fx.metadata[n]) as FixtureConfig).fn));
  assert.deepEqual([...fns].sort(), ['bce_with_logits', 'cross_entropy', 'huber_loss', 'l1_loss', 'mse_loss']);
  assert.deepEqual(JSON.parse(fx.metadata.reductions), REDUCTIONS);
});

for (const name of fxNames) {
  const cfg = JSON.parse(fx.metadata[name]) as FixtureConfig;
  for (const reduction of REDUCTIONS) {
    test(`fixture ${name} (${cfg.fn}), reduction ${reduction}: output and input gradient`, () => {
      const input = fx.tensors[`${name}.input`];
      const x = new Tensor(input.data.slice(), input.shape, true);
      const out = callFixture(name, cfg, x, fx.tensors[`${name}.target`], reduction);
      const expectedOut = fx.tensors[`${name}.${reduction}.out`];
      if (reduction === 'none') {
        assert.deepEqual(out.shape, expectedOut.shape);
        out.backward(fx.tensors[`${name}.none.w`]);
      } else {
        assert.deepEqual(out.shape, []);
        out.backward();
      }
      check(out.data, expectedOut.data, `${name}.${reduction}.out`, 'fixtures');
      check(grad(x), fx.tensors[`${name}.${reduction}.grad`].data, `${name}.${reduction}.grad`, 'fixtures');
    });
  }
}

test('crossEntropy takes class indices as Tensor, number[] or Int32Array alike', () => {
  const logits = fx.tensors['cross_entropy.input'];
  const asArray = Array.from(fx.tensors['cross_entropy.target'].data);
  assert.deepEqual(asArray, [3, 0, -100, 4, 1, 2]);
  const expected = fx.tensors['cross_entropy.mean.out'].data;
  for (const target of [asArray, Int32Array.from(asArray), tensor(asArray)]) {
    check(crossEntropy(logits, target).data, expected, 'cross_entropy mean', 'fixtures');
  }
});

// ---------------------------------------------------------------------------------------------
// ignoreIndex, class weights, label smoothing (torch 1.13 values, printed by:
//   x = <X5> (float64), R = <R5>; out = F.cross_entropy(x, t, reduction=r, **opts)
//   (out * R if r == 'none' else out).sum().backward(); print(out, x.grad)

const X5 = [
  [0.5, -1.25, 2.0, 0.25],
  [1.5, 0.75, -0.5, -2.0],
  [-1.0, 0.0, 1.0, 3.0],
  [2.5, -0.25, 0.125, -1.5],
  [0.0, 1.0, -2.0, 0.5],
];
const T5 = [2, 0, -100, 3, 1];
const R5 = [0.3, -0.7, 1.1, 0.4, -0.2];
const W4 = [0.5, 2.0, 1.0, 1.5];

interface InlineCase {
  opts: { weight?: number[]; labelSmoothing?: number; ignoreIndex?: number };
  target: number[];
  out: Record<Reduction, number[]>;
  grad: Record<Reduction, number[]>;
}

const INLINE: Record<string, InlineCase> = {
  weight: {
    opts: { weight: W4 },
    target: T5,
    out: { mean: [1.652184503], sum: [8.260922515], none: [0.361637428, 0.246707228, 0.0, 6.242231533, 1.410346325] },
    grad: {
      mean: [0.031083587, 0.005401518, -0.060693027, 0.024207922, -0.038946183, 0.028839781, 0.008262736, 0.001843666, 0, 0, 0, 0, 0.255263102, 0.016318424, 0.023743167, -0.295324693, 0.072696365, -0.202390792, 0.009838383, 0.119856043],
      sum: [0.155417936, 0.027007588, -0.303465134, 0.12103961, -0.194730913, 0.144198906, 0.041313678, 0.009218328, 0, 0, 0, 0, 1.27631551, 0.081592121, 0.118715835, -1.476623466, 0.363481826, -1.011953959, 0.049191916, 0.599280217],
      none: [0.046625381, 0.008102276, -0.09103954, 0.036311883, 0.136311639, -0.100939235, -0.028919575, -0.006452829, 0, 0, 0, 0, 0.510526204, 0.032636848, 0.047486334, -0.590649386, -0.072696365, 0.202390792, -0.009838383, -0.119856043],
    },
  },
  smooth: {
    opts: { labelSmoothing: 0.2 },
    target: T5,
    out: { mean: [1.560115684], sum: [6.240462737], none: [0.686637428, 0.805914457, 0.0, 3.817737689, 0.930173162] },
    grad: {
      mean: [0.026354484, -0.005748103, -0.038366284, 0.017759903, -0.059865456, 0.059599453, 0.008156839, -0.007890836, 0, 0, 0, 0, 0.200219252, 0.001098687, 0.007285973, -0.208603911, 0.032935228, -0.088994245, -0.006351011, 0.062410027],
      sum: [0.105417936, -0.022992412, -0.153465134, 0.07103961, -0.239461825, 0.238397813, 0.032627357, -0.031563345, 0, 0, 0, 0, 0.800877007, 0.004394747, 0.02914389, -0.834415644, 0.131740913, -0.355976979, -0.025404042, 0.249640109],
      none: [0.031625381, -0.006897724, -0.04603954, 0.021311883, 0.167623278, -0.166878469, -0.02283915, 0.022094341, 0, 0, 0, 0, 0.320350803, 0.001757899, 0.011657556, -0.333766258, -0.026348183, 0.071195396, 0.005080808, -0.049928022],
    },
  },
  weightSmooth: {
    opts: { weight: W4, labelSmoothing: 0.2 },
    target: T5,
    out: { mean: [1.775333239], sum: [8.876666196], none: [0.8734693, 0.758219397, 0.0, 5.727907149, 1.51707035] },
    grad: {
      mean: [0.027637767, -0.014328407, -0.023727678, 0.010418318, -0.005630037, 0.017491716, 0.000741556, -0.012603235, 0, 0, 0, 0, 0.241754332, -0.004225523, 0.012951728, -0.250480537, 0.062244138, -0.157211482, -0.000899496, 0.09586684],
      sum: [0.138188833, -0.071642033, -0.118638391, 0.052091591, -0.028150186, 0.087458578, 0.003707782, -0.063016174, 0, 0, 0, 0, 1.20877166, -0.021127617, 0.064758641, -1.252402684, 0.311220689, -0.786057412, -0.004497478, 0.479334201],
      none: [0.04145665, -0.02149261, -0.035591517, 0.015627477, 0.01970513, -0.061221005, -0.002595447, 0.044111322, 0, 0, 0, 0, 0.483508664, -0.008451047, 0.025903456, -0.500961074, -0.062244138, 0.157211482, 0.000899496, -0.09586684],
    },
  },
  // ignoreIndex = 1 is also a valid class: rows with target 1 are skipped, not scored as class 1.
  ignoreClass1Smooth: {
    opts: { ignoreIndex: 1, labelSmoothing: 0.1 },
    target: [2, 0, 1, 3, 1],
    out: { mean: [1.721138191], sum: [5.163414574], none: [0.524137428, 0.649664457, 0.0, 3.989612689, 0.0] },
    grad: {
      mean: [0.043472645, 0.000669196, -0.076155045, 0.032013203, -0.104820608, 0.087799271, 0.019209119, -0.002187782, 0, 0, 0, 0, 0.275292336, 0.009798249, 0.018047963, -0.303138548, 0, 0, 0, 0],
      sum: [0.130417936, 0.002007588, -0.228465134, 0.09603961, -0.314461825, 0.263397813, 0.057627357, -0.006563345, 0, 0, 0, 0, 0.825877007, 0.029394747, 0.05414389, -0.909415644, 0, 0, 0, 0],
      none: [0.039125381, 0.000602276, -0.06853954, 0.028811883, 0.220123278, -0.184378469, -0.04033915, 0.004594341, 0, 0, 0, 0, 0.330350803, 0.011757899, 0.021657556, -0.363766258, 0, 0, 0, 0],
    },
  },
};

for (const [name, c] of Object.entries(INLINE)) {
  for (const reduction of REDUCTIONS) {
    test(`crossEntropy ${name}, reduction ${reduction}: torch 1.13 values`, () => {
      const x = tensor(X5, undefined, { requiresGrad: true });
      const weight = c.opts.weight ? tensor(c.opts.weight) : undefined;
      const out = crossEntropy(x, c.target, { ...c.opts, weight, reduction });
      if (reduction === 'none') out.backward(tensor(R5));
      else out.backward();
      check(out.data, c.out[reduction], `${name}.${reduction}.out`, 'inline');
      check(grad(x), c.grad[reduction], `${name}.${reduction}.grad`, 'inline');
    });
  }
}

test('crossEntropy: an ignored row neither counts nor receives gradient, whatever its logits', () => {
  const base = fx.tensors['cross_entropy.input'];
  const target = Array.from(fx.tensors['cross_entropy.target'].data); // row 2 is -100
  const x1 = new Tensor(base.data.slice(), base.shape, true);
  const x2 = new Tensor(base.data.slice(), base.shape, true);
  for (let c = 0; c < 5; c++) x2.data[2 * 5 + c] = 1000 * (c - 2); // wild logits on the ignored row
  const l1 = crossEntropy(x1, target);
  const l2 = crossEntropy(x2, target);
  assert.equal(l1.item(), l2.item());
  l1.backward();
  assert.deepEqual(Array.from(grad(x1).subarray(10, 15)), [0, 0, 0, 0, 0]);
  // Mean over the 5 counted rows: sum / 5.
  const sum = crossEntropy(base, target, { reduction: 'sum' }).item();
  assert.ok(Math.abs(l1.item() - sum / 5) < 1e-6, `mean ${l1.item()} vs sum/5 ${sum / 5}`);
  // Every row ignored: 0/0, as PyTorch.
  assert.ok(Number.isNaN(crossEntropy(base, [-100, -100, -100, -100, -100, -100]).item()));
});

test('crossEntropy is stable for huge logits', () => {
  const x = tensor([[1e4, 0, -1e4], [-5e3, 5e3, 0]], undefined, { requiresGrad: true });
  const out = crossEntropy(x, [0, 2], { reduction: 'none' });
  check(out.data, [0, 5e3], 'huge logits', 'inline');
  const b = bceWithLogits(tensor([1e4, -1e4, 50]), tensor([0, 1, 1]), { reduction: 'none' });
  check(b.data, [1e4, 1e4, 0], 'bce huge logits', 'inline');
});

// ---------------------------------------------------------------------------------------------
// PackedSequence pairs

/** Ragged batch: B = 3, T = 4, lengths [2, 4, 1] (unsorted). */
function raggedBatch(C: number, seed: number): { padded: Tensor; classes: number[][]; lengths: number[] } {
  const rng = new Rng(seed);
  const lengths = [2, 4, 1];
  const B = 3;
  const T = 4;
  const padded = randn([B, T, C], { rng, requiresGrad: true });
  const classes = lengths.map((len) => Array.from({ length: len }, () => rng.int(C)));
  return { padded, classes, lengths };
}

test('crossEntropy over PackedSequences covers exactly the real steps (vs padded rows with ignored pads)', () => {
  const C = 5;
  const { padded, classes, lengths } = raggedBatch(C, 7);
  const [B, T] = [3, 4];
  const targets = PackedSequence.fromArrays(classes.map((seq) => seq.map((c) => [c])));
  // Reference: all B·T padded rows, pads marked ignored.
  const flatTargets: number[] = [];
  for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) flatTargets.push(t < lengths[b] ? classes[b][t] : -100);

  for (const reduction of ['mean', 'sum'] as const) {
    for (const labelSmoothing of [0, 0.1]) {
      padded.grad = null;
      const logits = PackedSequence.fromPadded(padded, lengths);
      const loss = crossEntropy(logits, targets, { reduction, labelSmoothing });
      loss.backward();
      const gPacked = grad(padded).slice();

      const ref = new Tensor(padded.data.slice(), [B * T, C], true);
      const refLoss = crossEntropy(ref, flatTargets, { reduction, labelSmoothing });
      refLoss.backward();
      check(loss.data, refLoss.data, `packed ${reduction} ε=${labelSmoothing}`, 'packed');
      check(gPacked, grad(ref), `packed ${reduction} ε=${labelSmoothing} grad`, 'packed');
    }
  }
  // 'none': one loss per packed row, in packed order.
  const logits = PackedSequence.fromPadded(padded, lengths);
  const none = crossEntropy(logits, targets, { reduction: 'none' });
  assert.deepEqual(none.shape, [7]);
  const ref = crossEntropy(new Tensor(padded.data.slice(), [B * T, C]), flatTargets, { reduction: 'none' });
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < lengths[b]; t++) {
      check([none.data[logits.rowOf(b, t)]], [ref.data[b * T + t]], `none row (b ${b}, t ${t})`, 'packed');
    }
  }
});

test('regression losses and bceWithLogits over PackedSequence pairs equal the losses over the real steps', () => {
  const { padded } = raggedBatch(2, 11);
  const lengths = [2, 4, 1];
  const rng = new Rng(12);
  const targetPadded = randn([3, 4, 2], { rng });
  const probs = new Tensor(targetPadded.data.map((v) => 1 / (1 + Math.exp(-v))), [3, 4, 2]);
  const real = (x: Tensor): number[] => {
    const out: number[] = [];
    for (let b = 0; b < 3; b++) for (let t = 0; t < lengths[b]; t++) out.push(x.data[(b * 4 + t) * 2], x.data[(b * 4 + t) * 2 + 1]);
    return out;
  };
  const fns: [string, (a: PackedSequence, b: PackedSequence) => Tensor, (a: Tensor, b: Tensor) => Tensor, Tensor][] = [
    ['mse', (a, b) => mseLoss(a, b), (a, b) => mseLoss(a, b), targetPadded],
    ['l1', (a, b) => l1Loss(a, b, { reduction: 'sum' }), (a, b) => l1Loss(a, b, { reduction: 'sum' }), targetPadded],
    ['huber', (a, b) => huberLoss(a, b, { delta: 0.5 }), (a, b) => huberLoss(a, b, { delta: 0.5 }), targetPadded],
    ['bce', (a, b) => bceWithLogits(a, b), (a, b) => bceWithLogits(a, b), probs],
  ];
  for (const [name, onPacked, onTensors, tgt] of fns) {
    const got = onPacked(PackedSequence.fromPadded(padded, lengths), PackedSequence.fromPadded(tgt, lengths));
    const want = onTensors(tensor(real(padded), [7, 2]), tensor(real(tgt), [7, 2]));
    check(got.data, want.data, `packed ${name}`, 'packed');
  }
});

test('PackedSequence pairs must line up, with errors naming what differs', () => {
  const a = PackedSequence.fromArrays([[[1], [2], [3]], [[4]]]); // lengths [3, 1], batchSizes [2, 1, 1]
  const b = PackedSequence.fromArrays([[[1], [2]], [[3], [4]]]); // lengths [2, 2], batchSizes [2, 2]
  assert.throws(() => mseLoss(a, b), {
    message: 'mseLoss: target has batchSizes [2, 2] but input has [2, 1, 1]; pack both from the same lengths',
  });
  const swapped = PackedSequence.fromArrays([[[4]], [[1], [2], [3]]]); // lengths [1, 3]: same batchSizes
  assert.throws(() => mseLoss(a, swapped), /same batchSizes but different lengths per sample \(\[1, 3\] vs \[3, 1\]\)/);
  const logits = PackedSequence.fromArrays([[[1, 2], [3, 4], [5, 6]], [[7, 8]]]);
  const cls = PackedSequence.fromArrays([[[0], [1]], [[1], [0]]]);
  assert.throws(() => crossEntropy(logits, cls), /crossEntropy: target has batchSizes \[2, 2\] but logits has \[2, 1, 1\]/);
  assert.throws(() => mseLoss(a as unknown as Tensor, a.data), /mseLoss: input is a PackedSequence but target is a Tensor/);
  assert.throws(() => crossEntropy(logits as unknown as Tensor, [0, 1, 1, 0]), /logits is a PackedSequence but target is an array/);
  // Class ids in a packed target are validated too (row order is packed order).
  const bad = PackedSequence.fromArrays([[[0], [9], [1]], [[1]]]);
  assert.throws(() => crossEntropy(logits, bad), { message: 'crossEntropy: target[2] = 9 is out of range for 2 classes (expected 0..1, or ignoreIndex -100)' });
});

// ---------------------------------------------------------------------------------------------
// Boundary errors

test('shape and option errors name what was expected and what came', () => {
  const logits = randn([6, 5], { rng: new Rng(1) });
  assert.throws(() => crossEntropy(logits, [0, 1, 2, 3, 4]), { message: 'crossEntropy: target has 5 entries, logits have 6 rows' });
  assert.throws(() => crossEntropy(logits, [0, 1, 2, 5, 4, 0]), {
    message: 'crossEntropy: target[3] = 5 is out of range for 5 classes (expected 0..4, or ignoreIndex -100)',
  });
  assert.throws(() => crossEntropy(logits, [0, 1, -1, 3, 4, 0]), /target\[2\] = -1 is out of range/);
  assert.throws(() => crossEntropy(logits, [0, 1.5, 2, 3, 4, 0]), { message: 'crossEntropy: target[1] = 1.5 is not an integer class index' });
  assert.throws(() => crossEntropy(tensor([1, 2, 3]), [0]), { message: 'crossEntropy: logits have shape [3], expected [N, C]' });
  assert.throws(() => crossEntropy(logits, tensor([[0, 1, 2, 3, 4, 0]])), /target has shape \[1, 6\], expected \[6\] class indices/);
  assert.throws(() => crossEntropy(logits, [0, 1, 2, 3, 4, 0], { weight: tensor([1, 1, 1]) }), {
    message: 'crossEntropy: weight has shape [3], expected [5] (one per class)',
  });
  assert.throws(() => crossEntropy(logits, [0, 1, 2, 3, 4, 0], { labelSmoothing: 1.5 }), /labelSmoothing = 1.5, expected a number in \[0, 1\]/);
  const x = randn([4, 3], { rng: new Rng(2) });
  assert.throws(() => mseLoss(x, randn([4, 2])), { message: 'mseLoss: target has shape [4, 2], input has shape [4, 3] (they must match)' });
  assert.throws(() => l1Loss(x, randn([12])), /l1Loss: target has shape \[12\], input has shape \[4, 3\]/);
  assert.throws(() => huberLoss(x, x, { delta: 0 }), { message: 'huberLoss: delta = 0, expected a finite number > 0' });
  assert.throws(() => bceWithLogits(x, x, { posWeight: tensor([1, 2]) }), /bceWithLogits: posWeight has shape \[2\], expected \[3\]/);
  assert.throws(() => mseLoss(x, x, { reduction: 'avg' as Reduction }), { message: "mseLoss: reduction 'avg' is not one of 'mean', 'sum', 'none'" });
});

test('reduced outputs are 0-d; none keeps the input shape; gradients reach the regression target', () => {
  const x = randn([2, 3], { rng: new Rng(3), requiresGrad: true });
  const y = randn([2, 3], { rng: new Rng(4), requiresGrad: true });
  assert.deepEqual(mseLoss(x, y).shape, []);
  assert.deepEqual(mseLoss(x, y, { reduction: 'none' }).shape, [2, 3]);
  mseLoss(x, y, { reduction: 'sum' }).backward();
  check(grad(y), Array.from(grad(x), (v) => -v), 'd target = −d input', 'inline');
  // mse sum gradient is 2 (x − y)
  check(grad(x), Array.from(x.data, (v, k) => 2 * (v - y.data[k])), 'mse sum grad', 'inline');
});

// ---------------------------------------------------------------------------------------------
// Central differences (float32, eps 1e-2; inputs kept away from the kinks)

/** Values in ±[lo, hi] with random signs: away from 0 by at least lo. */
function awayFromZero(shape: number[], lo: number, hi: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return Float32Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1) * rng.uniformRange(lo, hi));
}

function gc(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const r = gradCheck(f, inputs);
  worst.gradcheck = Math.max(worst.gradcheck, r.maxAbsDiff);
}

for (const reduction of REDUCTIONS) {
  test(`central differences: regression losses, reduction ${reduction}`, () => {
    const rng = new Rng(21);
    const y = randn([3, 4], { rng, requiresGrad: true });
    const dx = awayFromZero([3, 4], 0.1, 2, 22);
    const x = new Tensor(dx.map((d, k) => y.data[k] + d), [3, 4], true);
    gc((a, b) => mseLoss(a, b, { reduction }), [x, y]);
    gc((a, b) => l1Loss(a, b, { reduction }), [x, y]);
    // Huber with delta 1: differences stay clear of ±1 (values in ±[0.1, 0.9] ∪ ±[1.1, 2]).
    const dh = awayFromZero([3, 4], 0.1, 0.9, 23).map((d, k) => (k % 2 === 0 ? d : Math.sign(d) * (Math.abs(d) + 1)));
    const xh = new Tensor(dh.map((d, k) => y.data[k] + d), [3, 4], true);
    gc((a, b) => huberLoss(a, b, { reduction }), [xh, y]);
  });

  test(`central differences: bceWithLogits (logits, target, posWeight), reduction ${reduction}`, () => {
    const rng = new Rng(31);
    const x = randn([4, 3], { rng, requiresGrad: true });
    const y = new Tensor(Float32Array.from({ length: 12 }, () => rng.uniform()), [4, 3], true);
    const pw = new Tensor(Float32Array.from([0.5, 1.0, 2.5]), [3], true);
    gc((a, b, p) => bceWithLogits(a, b, { reduction, posWeight: p }), [x, y, pw]);
    gc((a, b) => bceWithLogits(a, b, { reduction }), [x, y]);
  });

  test(`central differences: crossEntropy with weight, smoothing and an ignored row, reduction ${reduction}`, () => {
    const x = randn([5, 4], { rng: new Rng(41), requiresGrad: true });
    const weight = tensor(W4);
    gc((a) => crossEntropy(a, T5, { reduction }), [x]);
    gc((a) => crossEntropy(a, T5, { reduction, weight, labelSmoothing: 0.3 }), [x]);
  });
}

test('max |Δ| per family', (t) => {
  t.diagnostic(`losses max |Δ|: ${JSON.stringify(worst)}`);
  for (const family of ['fixtures', 'inline', 'packed'] as const) assert.ok(worst[family] <= ATOL * 10, `${family} ${worst[family]}`);
  assert.ok(worst.fixtures > 0, 'the fixture tests compared nothing');
});
