/**
 * Bridge: a decoder's initial state from a source summary, one learned map per decoder layer:
 *   h_l = tanh(Wh_l · a_l + bh_l),   c_l = tanh(Wc_l · a'_l + bc_l)   (c only for an LSTM decoder)
 * For an encoder, a_l is encoder layer e(l)'s final state with both directions concatenated
 * [h_fwd; h_bwd] and a'_l the same of its cell state (a_l again when the encoder has none); for
 * vector → sequence, a_l = a'_l = the input vector.
 * Encoder layer for decoder layer l: e(l) = max(0, Le − Ld + l) (top layers aligned).
 *
 * Legend: B batch, I input features (dirs·He or F), Hd decoder hidden, Ld decoder layers.
 * Parameters: h.<l>.weight [Hd, I], h.<l>.bias [Hd], and c.<l>.* alike (an nn.ModuleList each).
 */
import { Linear } from '../layers/linear.ts';
import { Module } from '../layers/module.ts';
import { concat, reshape, slice } from '../tensor/shape.ts';
import { tanh } from '../tensor/elementwise.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** Per-layer decoder state: h[l], c[l] are [B, Hd]. */
export interface LayerStates {
  h: Tensor[];
  c: Tensor[] | null;
}

export interface BridgeOptions {
  inFeatures: number;
  hiddenSize: number;
  numLayers: number;
  /** Also map a cell state (LSTM decoder). */
  withCell: boolean;
  seed: number;
}

/** @example const bridge = new Bridge({ inFeatures: 32, hiddenSize: 16, numLayers: 2, withCell: true, seed: 1 }); */
export class Bridge extends Module {
  private readonly hMaps: Linear[] = [];
  private readonly cMaps: Linear[] = [];

  constructor(opts: BridgeOptions) {
    super();
    const { inFeatures, hiddenSize, numLayers, withCell, seed } = opts;
    for (let l = 0; l < numLayers; l++) {
      this.hMaps.push(this.registerModule(`h.${l}`, new Linear({ inFeatures, outFeatures: hiddenSize, seed: seed + 2 * l })));
    }
    if (withCell) {
      for (let l = 0; l < numLayers; l++) {
        this.cMaps.push(this.registerModule(`c.${l}`, new Linear({ inFeatures, outFeatures: hiddenSize, seed: seed + 2 * l + 1 })));
      }
    }
  }

  /** h[l] from a[l] ([B, I] each); c[l] from aCell[l] (a[l] when aCell is null). */
  forward(a: readonly Tensor[], aCell: readonly Tensor[] | null): LayerStates {
    const h = this.hMaps.map((m, l) => tanh(m.forward(a[l])));
    const c = this.cMaps.length === 0 ? null : this.cMaps.map((m, l) => tanh(m.forward((aCell ?? a)[l])));
    return { h, c };
  }
}

/**
 * Encoder final states per decoder layer: for decoder layer l, encoder layer e(l)'s directions
 * concatenated, [B, dirs·He]. state: [Le·dirs, B, He].
 */
export function finalStatesPerLayer(state: Tensor, encoderLayers: number, dirs: number, decoderLayers: number): Tensor[] {
  const [, B, H] = state.shape;
  const out: Tensor[] = [];
  for (let l = 0; l < decoderLayers; l++) {
    const e = Math.max(0, encoderLayers - decoderLayers + l);
    const parts: Tensor[] = [];
    for (let d = 0; d < dirs; d++) parts.push(reshape(slice(state, 0, e * dirs + d, e * dirs + d + 1), [B, H]));
    out.push(parts.length === 1 ? parts[0] : concat(parts, 1));
  }
  return out;
}
