/**
 * recur's side of a case, shared by the timing worker (recur.ts) and the memory worker (recur-memory.ts):
 *   inference: noGrad(() => layer.forward(x))
 *   training:  zeroGrad; loss = mean(output); loss.backward(); Adam.step()
 * x is the padded Tensor [B, T, D] (every sample runs T steps) or, for 'varlen', a PackedSequence
 * packed once before timing (PyTorch's side packs once too).
 */
import { Adam, GRU, LSTM, PackedSequence, Tensor, tensor, type StateDict } from '../../src/index.ts';
import { readF32, readI32, splitWeights, type BenchCase, type InputFiles } from '../common.ts';

export type RecurLayer = LSTM | GRU;

/** The layer with the shared weights, and its input (padded or packed), at the case's full size. */
export function buildRecur(c: BenchCase, files: InputFiles, reduced?: { B: number; T: number }): { layer: RecurLayer; input: Tensor | PackedSequence } {
  const { B, T, D, H } = c.size;
  const layer = c.cell === 'lstm' ? new LSTM({ inputSize: D, hiddenSize: H, seed: 1 }) : new GRU({ inputSize: D, hiddenSize: H, seed: 1 });
  const w = splitWeights(readF32(files.weights, layer.parameters().reduce((n, p) => n + p.size, 0)), c);
  const G = w.bIh.length;
  const dict: StateDict = {
    weight_ih_l0: new Tensor(w.wIh, [G, D]),
    weight_hh_l0: new Tensor(w.wHh, [G, H]),
    bias_ih_l0: new Tensor(w.bIh, [G]),
    bias_hh_l0: new Tensor(w.bHh, [G]),
  };
  layer.loadStateDict(dict);

  const full = readF32(files.x, B * T * D);
  const lengths = readI32(files.lengths, B);
  // The probe runs the first rB samples for their first rT steps.
  const rB = reduced?.B ?? B;
  const rT = reduced?.T ?? T;
  const xData = new Float32Array(rB * rT * D);
  for (let b = 0; b < rB; b++) xData.set(full.subarray(b * T * D, (b * T + rT) * D), b * rT * D);
  const x = tensor(xData, [rB, rT, D]);
  const lens = Array.from(lengths.subarray(0, rB), (l) => Math.min(l, rT));
  return { layer, input: c.layout === 'varlen' ? PackedSequence.fromPadded(x, lens) : x };
}

/** Output rows of either input kind: the padded output tensor or the packed data [N, H]. */
export function forward(layer: RecurLayer, input: Tensor | PackedSequence): { out: Tensor; h: Tensor } {
  if (input instanceof PackedSequence) {
    const r = layer.forward(input);
    return { out: r.output.data, h: r.h };
  }
  const r = layer.forward(input);
  return { out: r.output, h: r.h };
}

export function trainingStep(layer: RecurLayer, input: Tensor | PackedSequence, opt: Adam): void {
  opt.zeroGrad();
  forward(layer, input).out.mean().backward();
  opt.step();
}

