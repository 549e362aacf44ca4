/**
 * Batched inference for the CLI: a model's outputs for many windows or sequences, in evaluation
 * mode (no dropout) and without recording gradients, a few hundred samples at a time.
 *
 * Legend: W windows, L window length, I input features, O head outputs, C classes.
 */
import { PackedSequence, noGrad, tensor, type SequenceModel } from '../../index.ts';

const CHUNK = 256;

/** Run `fn` with the model in evaluation mode and no tape; the mode is restored afterwards. */
function inference<T>(model: SequenceModel, fn: () => T): T {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(fn);
  } finally {
    model.train(wasTraining);
  }
}

/**
 * Outputs of a sequence → one model for equal-length windows.
 * x: [W, L, I] → out: [W, O]
 */
export function predictWindows(model: SequenceModel, x: Float32Array, d: { W: number; L: number; I: number }): { out: Float32Array; O: number } {
  const { W, L, I } = d;
  return inference(model, () => {
    const parts: Float32Array[] = [];
    let O = 0;
    for (let w = 0; w < W; w += CHUNK) {
      const B = Math.min(CHUNK, W - w);
      const xb = tensor(x.slice(w * L * I, (w + B) * L * I), [B, L, I]); // [B, L, I]
      const y = model.forward(PackedSequence.fromPadded(xb, new Array<number>(B).fill(L)));
      if (y instanceof PackedSequence) throw new Error('predictWindows: expected a sequence → one model');
      O = y.shape[1];
      parts.push(y.data.slice()); // [B, O]
    }
    const out = new Float32Array(W * O); // [W, O]
    parts.forEach((p, k) => out.set(p, k * CHUNK * O));
    return { out, O };
  });
}

/**
 * Outputs for ragged sequences, one row per sequence (sequence → one) or per step (sequence →
 * sequence): seqs [S][T_s][I] → [S][1 or T_s][O].
 */
export function predictSequences(model: SequenceModel, seqs: readonly (readonly (readonly number[])[])[]): number[][][] {
  return inference(model, () => {
    const out: number[][][] = [];
    for (let s = 0; s < seqs.length; s += CHUNK) {
      const y = model.forward(PackedSequence.fromArrays(seqs.slice(s, s + CHUNK)));
      if (y instanceof PackedSequence) out.push(...y.toArrays());
      else {
        const [B, O] = y.shape;
        for (let b = 0; b < B; b++) out.push([Array.from(y.data.subarray(b * O, (b + 1) * O))]);
      }
    }
    return out;
  });
}

/** softmax of one row of logits. */
export function softmaxRow(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Index of the largest value (the first on ties). */
export function argmaxRow(row: readonly number[]): number {
  let k = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[k]) k = i;
  return k;
}
