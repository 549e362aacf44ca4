/**
 * Keras weights → recur parameters.
 *
 * Reading: a TF.js weights manifest (`weightsManifest: [{ paths, weights: [{ name, shape, dtype }] }]`)
 * names the tensors stored back to back in the shards, group after group; `decodeWeights` cuts
 * them out as float32 Tensors by name.
 *
 * Converting (Legend: D input, H units, G gates, E embedding, V vocabulary, O units of Dense):
 *   Keras                                   recur / PyTorch
 *   kernel           [D, G*H] columns       weight_ih_l0  [G*H, D] rows   (transposed)
 *   recurrent_kernel [H, G*H]               weight_hh_l0  [G*H, H]        (transposed)
 *   bias             [G*H]                  bias_ih_l0 = bias, bias_hh_l0 = 0   (SimpleRNN, LSTM, GRU v1)
 *   bias             [2, 3H] (GRU reset_after=true)   bias_ih_l0 = bias[0], bias_hh_l0 = bias[1]
 *   Dense kernel     [D, O]                 weight [O, D] (transposed), bias [O]
 *   Embedding embeddings [V, E]             weight [V, E] (as is)
 * Gate blocks: LSTM i, f, c, o = recur's i, f, g, o (same order, same equations);
 * GRU z, r, h → recur's r, z, n (blocks 0 and 1 swap). SimpleRNN has one block.
 */
import { zeros } from '../../tensor/create.ts';
import type { StateDict } from '../../layers/module.ts';
import { Tensor, shapeStr } from '../../tensor/tensor.ts';
import { KerasImportError } from './errors.ts';
import { ConfigReader, isObject } from './json.ts';
import type { KerasCell } from './layers.ts';

/** recur's gate block g comes from Keras's block GATE_SOURCE[cell][g]. */
const GATE_SOURCE: Record<KerasCell, readonly number[]> = {
  simple_rnn: [0],
  lstm: [0, 1, 2, 3],
  gru: [1, 0, 2],
};

/** A weight's place in the shards. */
interface WeightEntry {
  name: string;
  shape: number[];
}

/** The weight entries of a manifest in storage order, and how many bytes they take. */
function manifestEntries(manifest: unknown): WeightEntry[] {
  if (!Array.isArray(manifest)) throw new KerasImportError('', "model.json: 'weightsManifest' is not an array of { paths, weights } groups");
  const out: WeightEntry[] = [];
  manifest.forEach((group, g) => {
    if (!isObject(group) || !Array.isArray(group.weights)) throw new KerasImportError('', `model.json: weightsManifest[${g}] has no 'weights' list`);
    for (const w of group.weights) {
      if (!isObject(w)) throw new KerasImportError('', `model.json: weightsManifest[${g}] has an entry that is not an object`);
      const r = new ConfigReader(w, '', `weightsManifest[${g}] entry`);
      const name = r.string('name');
      const shape = r.array('shape');
      if (!shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0)) r.fail('shape', 'a list of non-negative integers');
      if (w.quantization !== undefined && w.quantization !== null) {
        throw new KerasImportError('', `weight '${name}' is quantized; recur reads float32 weights only (convert the model without --quantize_*)`);
      }
      const dtype = r.string('dtype', 'float32');
      if (dtype !== 'float32') throw new KerasImportError('', `weight '${name}' has dtype '${dtype}'; recur reads float32 weights only`);
      out.push({ name: name.replace(/:0$/, ''), shape: shape as number[] });
    }
  });
  return out;
}

/** The shards as one byte array (they are consecutive pieces of one buffer). */
function concatShards(data: ArrayBuffer | Uint8Array | readonly Uint8Array[]): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (data instanceof Uint8Array) return data;
  const total = data.reduce((n, s) => n + s.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const s of data) {
    out.set(s, at);
    at += s.byteLength;
  }
  return out;
}

/**
 * Every weight of a TF.js weights manifest as a float32 Tensor, by name (`:0` suffixes dropped),
 * in storage order. `data`: all shards' bytes in manifest order, as one buffer or a list of shards.
 */
export function decodeWeights(manifest: unknown, data: ArrayBuffer | Uint8Array | readonly Uint8Array[]): Map<string, Tensor> {
  const entries = manifestEntries(manifest);
  const bytes = concatShards(data);
  const need = entries.reduce((n, e) => n + 4 * e.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.byteLength !== need) {
    throw new KerasImportError('', `weight data has ${bytes.byteLength} bytes, the manifest's ${entries.length} float32 weights need ${need} (are all shards given, in manifest order?)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, Tensor>();
  let at = 0;
  for (const e of entries) {
    if (out.has(e.name)) throw new KerasImportError('', `the weights manifest names '${e.name}' twice`);
    const n = e.shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = view.getFloat32(at + 4 * i, true);
    at += 4 * n;
    out.set(e.name, new Tensor(values, e.shape));
  }
  return out;
}

/** Keras [D, G*H] (gate blocks in Keras order) → recur [G*H, D] (recur order). */
function kernelToRows(k: Tensor, cell: KerasCell, H: number): Tensor {
  const [D, GH] = k.shape;
  const src = GATE_SOURCE[cell];
  const out = new Float32Array(GH * D);
  for (let g = 0; g < src.length; g++) {
    for (let i = 0; i < H; i++) {
      const col = src[g] * H + i;
      const row = g * H + i;
      for (let d = 0; d < D; d++) out[row * D + d] = k.data[d * GH + col];
    }
  }
  return new Tensor(out, [GH, D]);
}

/** A [G*H] bias in Keras gate order → recur gate order. */
function reorderBias(b: Float32Array, cell: KerasCell, H: number): Tensor {
  const src = GATE_SOURCE[cell];
  const out = new Float32Array(src.length * H);
  for (let g = 0; g < src.length; g++) out.set(b.subarray(src[g] * H, (src[g] + 1) * H), g * H);
  return new Tensor(out, [src.length * H]);
}

function expectShape(t: Tensor, shape: readonly number[], what: string, layer: string): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new KerasImportError(layer, `${what} has shape ${shapeStr(t.shape)}, expected ${shapeStr(shape)}`);
  }
}

/** One direction of a Keras recurrent layer: what `layer.get_weights()` returns, by role. */
export interface KerasRecurrentWeights {
  /** [D, G*H] */
  kernel: Tensor;
  /** [H, G*H] */
  recurrentKernel: Tensor;
  /** [G*H], or [2, 3H] for GRU with reset_after=true; null when use_bias=false. */
  bias: Tensor | null;
}

export interface RecurrentConversion {
  cell: KerasCell;
  /** Parameter name suffix, e.g. '_l0' or '_l0_reverse'. */
  suffix: string;
  /** Keras layer name, for messages. */
  layer?: string;
}

/**
 * One direction of a Keras SimpleRNN / LSTM / GRU as recur (PyTorch-named) parameters.
 * GRU: a [2, 3H] bias is reset_after=true and gives bias_ih and bias_hh (load into `GRU`); a [3H]
 * bias is reset_after=false and gives bias_ih only (load into `GRUResetBefore`).
 * @example
 * const sd = kerasRecurrentToStateDict({ kernel, recurrentKernel, bias }, { cell: 'lstm', suffix: '_l0' });
 * new LSTM({ inputSize: 3, hiddenSize: 4 }).loadStateDict(sd);
 */
export function kerasRecurrentToStateDict(w: KerasRecurrentWeights, conv: RecurrentConversion): StateDict {
  const { cell, suffix } = conv;
  const layer = conv.layer ?? '';
  const G = GATE_SOURCE[cell].length;
  if (w.recurrentKernel.ndim !== 2) throw new KerasImportError(layer, `recurrent_kernel has shape ${shapeStr(w.recurrentKernel.shape)}, expected [H, ${G}*H]`);
  const H = w.recurrentKernel.shape[0];
  expectShape(w.recurrentKernel, [H, G * H], 'recurrent_kernel', layer);
  if (w.kernel.ndim !== 2) throw new KerasImportError(layer, `kernel has shape ${shapeStr(w.kernel.shape)}, expected [D, ${G * H}]`);
  expectShape(w.kernel, [w.kernel.shape[0], G * H], 'kernel', layer);
  const out: StateDict = {
    [`weight_ih${suffix}`]: kernelToRows(w.kernel, cell, H),
    [`weight_hh${suffix}`]: kernelToRows(w.recurrentKernel, cell, H),
  };
  const b = w.bias;
  if (b) {
    if (cell === 'gru' && b.ndim === 2) {
      expectShape(b, [2, 3 * H], 'bias (reset_after=true)', layer);
      out[`bias_ih${suffix}`] = reorderBias(b.data.subarray(0, 3 * H), cell, H);
      out[`bias_hh${suffix}`] = reorderBias(b.data.subarray(3 * H), cell, H);
    } else {
      expectShape(b, [G * H], 'bias', layer);
      out[`bias_ih${suffix}`] = reorderBias(b.data, cell, H);
      // Keras has one bias per gate: recur's b_hh is zero, except for GRU v1, which has no b_hh at all.
      if (cell !== 'gru') out[`bias_hh${suffix}`] = zeros([G * H]);
    }
  }
  return out;
}

/** A Keras Dense layer's kernel [D, O] and bias [O] as recur Linear parameters { weight [O, D], bias }. */
export function kerasDenseToStateDict(kernel: Tensor, bias: Tensor | null, layer = ''): StateDict {
  if (kernel.ndim !== 2) throw new KerasImportError(layer, `Dense kernel has shape ${shapeStr(kernel.shape)}, expected [D, units]`);
  const [D, O] = kernel.shape;
  const w = new Float32Array(O * D);
  for (let d = 0; d < D; d++) for (let o = 0; o < O; o++) w[o * D + d] = kernel.data[d * O + o];
  const out: StateDict = { weight: new Tensor(w, [O, D]) };
  if (bias) {
    expectShape(bias, [O], 'Dense bias', layer);
    out.bias = new Tensor(bias.data.slice(), [O]);
  }
  return out;
}
