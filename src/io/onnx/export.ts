/**
 * ONNX export of a recurrent stack (RNN / LSTM / GRU, stacked, bidirectional) with an optional
 * Embedding in front and an optional Linear head, using ONNX's own RNN, LSTM and GRU operators
 * (opset 14, IR version 7) so any ONNX runtime or server runs it.
 *
 * Legend: B batch, T steps, D input, E embedding, V vocabulary, H hidden, L layers, dirs 1 or 2,
 * G gates (RNN 1, GRU 3, LSTM 4), O head outputs, F = dirs·H.
 *
 * Graph inputs and outputs (batch-first, as recur's padded tensors; names in ONNX_NAMES):
 *   input    float [B, T, D]        features, or
 *   ids      int64 [B, T]           token ids when an Embedding comes first (pad with any valid id)
 *   lengths  int32 [B]              each sample's real steps, 1 ≤ lengths[b] ≤ T
 *   h0, c0   float [L·dirs, B, H]   initial state (only with `initialState: true`; zeros otherwise)
 *   output   float [B, T, F]        top layer's output at every step; zeros past each length
 *   h_n, c_n float [L·dirs, B, H]   final state, index layer·dirs + direction, as recur and PyTorch:
 *                                   forward after each sample's last real step, reverse after step 0
 *   head     float [B, O]           head on the final top-layer state (both directions concatenated), or
 *            float [B, T, O]        head on every step, zeros past each length
 *
 * Inside, the ONNX operators run seq-major (layout 0):
 *   input ─Transpose→ X [T, B, D]            (ids ─Transpose→ [T, B] ─Gather(embedding.weight)→ [T, B, E])
 *   layer l: RNN|LSTM|GRU(X, W, R, B, lengths, h0[l·dirs:(l+1)·dirs], c0[…]) → Y [T, dirs, B, H], Y_h, Y_c [dirs, B, H]
 *     next X = Squeeze(Y, 1) (dirs 1) | Reshape(Transpose(Y, [0, 2, 1, 3]), [T, B, dirs·H]) (dirs 2)
 *   output = Transpose(X of the top) ; h_n = Concat(Y_h of every layer) ; c_n = Concat(Y_c …)
 *   head 'last':       Reshape(Transpose(Y_h top, [1, 0, 2]), [B, F]) ─Gemm(W, b, transB)→ [B, O]
 *   head 'every-step': output ─MatMul(Wᵀ)─Add(b)→ [B, T, O] × mask [B, T, 1] (1 where t < lengths[b])
 *
 * Weights, per layer and direction (PyTorch → ONNX):
 *   W [dirs, G·H, D_l] = weight_ih rows, R [dirs, G·H, H] = weight_hh rows, B [dirs, 2·G·H] = bias_ih ‖ bias_hh,
 *   with the H-row gate blocks reordered: LSTM i,f,g,o → i,o,f,c; GRU r,z,n → z,r,h (with
 *   linear_before_reset = 1: PyTorch's b_hn sits inside r ⊙ (W_hn h + b_hn)); RNN unchanged.
 * ONNX Runtime writes zeros to Y past each sample's length and returns each direction's state at
 * its last real step, which is exactly recur's packed semantics.
 *
 * Export is inference: dropout (training only) does not appear in the graph.
 */
import type { Embedding } from '../../layers/embedding.ts';
import type { Linear } from '../../layers/linear.ts';
import { GRU, LSTM, RNN } from '../../layers/recurrent.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { GraphBuilder } from './graph.ts';
import { encodeModel, type OnnxAttribute, type OnnxValueInfo } from './proto.ts';

/** Names of the exported graph's inputs and outputs. */
export const ONNX_NAMES = {
  input: 'input',
  ids: 'ids',
  lengths: 'lengths',
  h0: 'h0',
  c0: 'c0',
  output: 'output',
  hN: 'h_n',
  cN: 'c_n',
  head: 'head',
} as const;

/** ONNX operator set and IR version written (opset 14 is IR 7's). */
export const ONNX_OPSET = 14;
export const ONNX_IR_VERSION = 7;

/** A Linear head and where it reads. */
export interface OnnxHead {
  linear: Linear;
  /** 'last': each sample's final top-layer state (both directions); 'every-step': the top layer's output at every step. */
  on: 'last' | 'every-step';
}

export interface OnnxExportOptions {
  layer: RNN | LSTM | GRU;
  /** Token ids in: the graph takes int64 `ids` [B, T] instead of float `input` [B, T, D]. */
  embedding?: Embedding;
  head?: OnnxHead;
  /** Add `h0` (and `c0` for LSTM) inputs [L·dirs, B, H]; otherwise the state starts at zero. Default false. */
  initialState?: boolean;
  /** Stored as the model's metadata_props (e.g. the spec it was built from). */
  metadata?: Readonly<Record<string, string>>;
  /** The graph's name (default 'recur'). */
  name?: string;
}

type CellKind = 'rnn' | 'lstm' | 'gru';

/** ONNX gate block k is PyTorch gate block FROM_TORCH[cell][k]. */
const FROM_TORCH: Record<CellKind, readonly number[]> = {
  rnn: [0],
  lstm: [0, 3, 1, 2], // i, f, g, o → i, o, f, c
  gru: [1, 0, 2], // r, z, n → z, r, h
};

const OP_TYPE: Record<CellKind, string> = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' };

function cellKind(layer: RNN | LSTM | GRU): CellKind {
  if (layer instanceof LSTM) return 'lstm';
  if (layer instanceof GRU) return 'gru';
  if (layer instanceof RNN) return 'rnn';
  throw new Error('exportOnnx: layer must be an RNN, LSTM or GRU');
}

/**
 * Copies the H-row gate blocks of `src` [G·H, cols] into `out` at `offset` in ONNX's gate order.
 */
function reorderGates(out: Float32Array, offset: number, src: Readonly<Float32Array>, order: readonly number[], d: { H: number; cols: number }): void {
  const block = d.H * d.cols;
  order.forEach((from, k) => out.set(src.subarray(from * block, (from + 1) * block), offset + k * block));
}

/** W, R and B of one layer, every direction, in ONNX's layout and gate order. */
function layerWeights(
  params: ReadonlyMap<string, Tensor>,
  l: number,
  dirs: number,
  order: readonly number[],
  d: { H: number; D: number },
): { W: Float32Array; R: Float32Array; B: Float32Array | null } {
  const G = order.length;
  const GH = G * d.H;
  const W = new Float32Array(dirs * GH * d.D); // [dirs, G·H, D]
  const R = new Float32Array(dirs * GH * d.H); // [dirs, G·H, H]
  const hasBias = params.has(`bias_ih_l${l}`);
  const B = hasBias ? new Float32Array(dirs * 2 * GH) : null; // [dirs, 2·G·H]
  const get = (name: string): Float32Array => {
    const t = params.get(name);
    if (!t) throw new Error(`exportOnnx: the layer has no parameter ${name}`);
    return t.data;
  };
  for (let dir = 0; dir < dirs; dir++) {
    const sfx = `_l${l}${dir === 1 ? '_reverse' : ''}`;
    reorderGates(W, dir * GH * d.D, get(`weight_ih${sfx}`), order, { H: d.H, cols: d.D });
    reorderGates(R, dir * GH * d.H, get(`weight_hh${sfx}`), order, { H: d.H, cols: d.H });
    if (B) {
      reorderGates(B, dir * 2 * GH, get(`bias_ih${sfx}`), order, { H: d.H, cols: 1 });
      reorderGates(B, dir * 2 * GH + GH, get(`bias_hh${sfx}`), order, { H: d.H, cols: 1 });
    }
  }
  return { W, R, B };
}

function checkOptions(opts: OnnxExportOptions): void {
  const { layer, embedding, head } = opts;
  cellKind(layer);
  if (embedding) {
    const [, E] = embedding.weight.shape;
    if (E !== layer.inputSize) {
      throw new Error(`exportOnnx: the embedding gives ${E} features per step, expected ${layer.inputSize} (the layer's inputSize)`);
    }
  }
  if (head) {
    if (head.on !== 'last' && head.on !== 'every-step') {
      throw new Error(`exportOnnx: head.on is ${JSON.stringify(head.on)}, expected 'last' or 'every-step'`);
    }
    const F = layer.numDirections * layer.hiddenSize;
    const I = head.linear.weight.shape[1];
    if (I !== F) {
      throw new Error(`exportOnnx: the head takes ${I} features, expected ${F} (${layer.numDirections} direction(s) × hiddenSize ${layer.hiddenSize})`);
    }
  }
}

/**
 * Write a recurrent stack (and its embedding and head) as an ONNX model: the bytes of a `.onnx`
 * file, runnable by ONNX Runtime. Graph inputs and outputs are described in this file's header
 * and named by `ONNX_NAMES`.
 * @example
 * const lstm = new LSTM({ inputSize: 3, hiddenSize: 16, numLayers: 2, bidirectional: true });
 * const head = new Linear({ inFeatures: 32, outFeatures: 4 });
 * const bytes = exportOnnx({ layer: lstm, head: { linear: head, on: 'last' } });
 * writeFileSync('model.onnx', bytes); // feeds: input [B, T, 3] float, lengths [B] int32 → head [B, 4]
 */
export function exportOnnx(opts: OnnxExportOptions): Uint8Array {
  checkOptions(opts);
  const { layer, embedding, head } = opts;
  const cell = cellKind(layer);
  const isLstm = cell === 'lstm';
  const withState = opts.initialState ?? false;
  const L = layer.numLayers;
  const dirs = layer.numDirections;
  const H = layer.hiddenSize;
  const F = dirs * H;
  const N = ONNX_NAMES;

  const g = new GraphBuilder();
  g.reserve(...Object.values(N));
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const stateDims = [L * dirs, 'batch', H] as const;
  const stateDoc = `[${L * dirs}, B, ${H}]: index layer*${dirs} + direction`;

  // X [T, B, D]: the seq-major input of the first layer
  let x: string;
  if (embedding) {
    const [V, E] = embedding.weight.shape;
    inputs.push({ name: N.ids, type: 'int64', dims: ['batch', 'time'], doc: `token ids in [0, ${V}), [B, T]` });
    const table = g.floats('embedding.weight', [V, E], embedding.weight.data.slice());
    x = g.op('Gather', [table, g.transpose(N.ids, [1, 0], 'ids_tb')], 'embedded', [{ name: 'axis', kind: 'int', value: 0 }]);
  } else {
    inputs.push({ name: N.input, type: 'float', dims: ['batch', 'time', layer.inputSize], doc: 'features, [B, T, D]' });
    x = g.transpose(N.input, [1, 0, 2], 'input_tb');
  }
  inputs.push({ name: N.lengths, type: 'int32', dims: ['batch'], doc: "each sample's real steps, 1 <= lengths[b] <= T" });
  if (withState) {
    inputs.push({ name: N.h0, type: 'float', dims: stateDims, doc: `initial hidden state ${stateDoc}` });
    if (isLstm) inputs.push({ name: N.c0, type: 'float', dims: stateDims, doc: `initial cell state ${stateDoc}` });
  }

  const { x: xTop, hs, cs } = writeStack(g, layer, cell, x, withState);

  const output = g.transpose(xTop, [1, 0, 2], { exact: N.output });
  outputs.push({ name: N.output, type: 'float', dims: ['batch', 'time', F], doc: "top layer's output at every step, zeros past each length, [B, T, dirs*H]" });
  g.op('Concat', hs, { exact: N.hN }, [{ name: 'axis', kind: 'int', value: 0 }]);
  outputs.push({ name: N.hN, type: 'float', dims: stateDims, doc: `final hidden state ${stateDoc}` });
  if (isLstm) {
    g.op('Concat', cs, { exact: N.cN }, [{ name: 'axis', kind: 'int', value: 0 }]);
    outputs.push({ name: N.cN, type: 'float', dims: stateDims, doc: `final cell state ${stateDoc}` });
  }

  if (head) outputs.push(writeHead(g, head, { output, finalState: hs[L - 1], dirs, batchFirst: embedding ? N.ids : N.input }));

  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opset: ONNX_OPSET,
    producerName: 'recur',
    doc: `recur ${OP_TYPE[cell]}: ${L} layer(s), ${dirs} direction(s), hiddenSize ${H}${embedding ? ', embedding' : ''}${head ? `, head on ${head.on}` : ''}`,
    metadata: opts.metadata ?? {},
    graph: { name: opts.name ?? 'recur', doc: '', nodes: g.nodes, initializers: g.initializers, inputs, outputs },
  });
}

/**
 * The recurrent layers, one ONNX operator each, from X [T, B, D] to the top layer's X [T, B, dirs·H];
 * hs / cs: each layer's Y_h / Y_c [dirs, B, H].
 */
function writeStack(g: GraphBuilder, layer: RNN | LSTM | GRU, cell: CellKind, x0: string, withState: boolean): { x: string; hs: string[]; cs: string[] } {
  const N = ONNX_NAMES;
  const isLstm = cell === 'lstm';
  const L = layer.numLayers;
  const dirs = layer.numDirections;
  const H = layer.hiddenSize;
  const G = FROM_TORCH[cell].length;
  const params = new Map(layer.namedParameters());
  const attributes: OnnxAttribute[] = [
    { name: 'hidden_size', kind: 'int', value: H },
    { name: 'direction', kind: 'string', value: dirs === 2 ? 'bidirectional' : 'forward' },
  ];
  if (layer instanceof RNN) {
    attributes.push({ name: 'activations', kind: 'strings', value: new Array<string>(dirs).fill(layer.nonlinearity === 'relu' ? 'Relu' : 'Tanh') });
  }
  if (cell === 'gru') attributes.push({ name: 'linear_before_reset', kind: 'int', value: 1 });

  let x = x0;
  const hs: string[] = [];
  const cs: string[] = [];
  for (let l = 0; l < L; l++) {
    const D = l === 0 ? layer.inputSize : dirs * H;
    const w = layerWeights(params, l, dirs, FROM_TORCH[cell], { H, D });
    const W = g.floats(`W_l${l}`, [dirs, G * H, D], w.W);
    const R = g.floats(`R_l${l}`, [dirs, G * H, H], w.R);
    const B = w.B ? g.floats(`B_l${l}`, [dirs, 2 * G * H], w.B) : ''; // '' : an optional input left out
    // This layer's initial state: rows l·dirs .. (l+1)·dirs of h0 / c0 [L·dirs, B, H].
    const stateOf = (s: string): string => (!withState ? '' : L === 1 ? s : g.slice(s, 0, l * dirs, (l + 1) * dirs, `${s}_l${l}`));
    const ins = [x, W, R, B, N.lengths, stateOf(N.h0)];
    if (isLstm) ins.push(stateOf(N.c0));
    const outs = g.node(OP_TYPE[cell], ins, [`Y_l${l}`, `Y_h_l${l}`, ...(isLstm ? [`Y_c_l${l}`] : [])], attributes);
    hs.push(outs[1]);
    if (isLstm) cs.push(outs[2]);
    // Y [T, dirs, B, H] → next X [T, B, dirs·H]
    const Y = outs[0];
    x = dirs === 1 ? g.squeeze(Y, [1], `X_l${l + 1}`) : g.reshape(g.transpose(Y, [0, 2, 1, 3], `Y_tbdh_l${l}`), [0, 0, -1], `X_l${l + 1}`);
  }
  return { x, hs, cs };
}

/**
 * The Linear head, writing the graph output `head`: on the top layer's final state
 * (`finalState` Y_h [dirs, B, H]) or on every step of `output` [B, T, dirs·H].
 */
function writeHead(g: GraphBuilder, head: OnnxHead, v: { output: string; finalState: string; dirs: number; batchFirst: string }): OnnxValueInfo {
  const N = ONNX_NAMES;
  const [O, I] = head.linear.weight.shape;
  const bias = head.linear.bias;
  if (head.on === 'last') {
    // Y_h [dirs, B, H] → [B, dirs, H] → [B, dirs·H]: forward state next to the reverse one, as recur.
    const feats = v.dirs === 1 ? g.squeeze(v.finalState, [0], 'final_features') : g.reshape(g.transpose(v.finalState, [1, 0, 2], 'Y_h_bdh'), [0, -1], 'final_features');
    const W = g.floats('head.weight', [O, I], head.linear.weight.data.slice());
    const gemmIn = bias ? [feats, W, g.floats('head.bias', [O], bias.data.slice())] : [feats, W];
    g.op('Gemm', gemmIn, { exact: N.head }, [{ name: 'transB', kind: 'int', value: 1 }]);
    return { name: N.head, type: 'float', dims: ['batch', O], doc: "head on each sample's final state, [B, O]" };
  }
  const Wt = new Float32Array(I * O); // [I, O] = weightᵀ, for MatMul over [B, T, I]
  const src = head.linear.weight.data;
  for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) Wt[i * O + o] = src[o * I + i];
  let y = g.op('MatMul', [v.output, g.floats('head.weight_t', [I, O], Wt)], 'head_matmul');
  if (bias) y = g.op('Add', [y, g.floats('head.bias', [O], bias.data.slice())], 'head_biased');
  g.op('Mul', [y, stepMask(g, v.batchFirst)], { exact: N.head });
  return { name: N.head, type: 'float', dims: ['batch', 'time', O], doc: 'head at every step, zeros past each length, [B, T, O]' };
}

/** mask [B, T, 1]: 1 where t < lengths[b], else 0. `batchFirst` is the graph input [B, T, …]. */
function stepMask(g: GraphBuilder, batchFirst: string): string {
  const T = g.op('Gather', [g.op('Shape', [batchFirst], 'input_shape'), g.int64s([1], [])], 'T', [{ name: 'axis', kind: 'int', value: 0 }]);
  const steps = g.op('Range', [g.int64s([0], []), T, g.int64s([1], [])], 'steps'); // [T]
  const lengths = g.unsqueeze(g.cast(ONNX_NAMES.lengths, 'int64', 'lengths_i64'), [1], 'lengths_b1'); // [B, 1]
  const real = g.op('Less', [steps, lengths], 'real_step'); // [B, T] bool
  return g.unsqueeze(g.cast(real, 'float', 'real_step_f'), [2], 'step_mask');
}
