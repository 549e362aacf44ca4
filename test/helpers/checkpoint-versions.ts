/**
 * The checkpoints the atomic-write test writes and checks: version k is fully determined by k,
 * so the parent process can rebuild exactly the bytes the killed child was writing.
 */
import type { Checkpoint } from '../../src/io/checkpoint.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

/** Elements of the big weight: 6M floats, a 24 MB file, so one write takes a while. */
export const BIG = 6_000_000;

/** Reused between versions so that the writer spends its time saving, not filling arrays. */
let big: Float32Array | null = null;

/**
 * Version k: a large weight whose first and last 1024 values are k, the rest a fixed pattern.
 * The returned weight shares one buffer with every other version: save it before asking for the next.
 */
export function makeVersion(k: number): Checkpoint {
  if (big === null) {
    big = new Float32Array(BIG);
    for (let i = 0; i < BIG; i++) big[i] = (i & 1023) / 1024;
  }
  big.fill(k, 0, 1024);
  big.fill(k, BIG - 1024);
  return {
    spec: { kind: 'lstm', inputSize: 3, hiddenSize: 1000 },
    weights: { 'lstm.weight_ih_l0': new Tensor(big, [BIG / 1000, 1000]), 'head.bias': new Tensor(new Float32Array([k, -k, 0.5 * k]), [3]) },
    training: { version: k, epoch: k, history: [{ loss: 1 / k }] },
  };
}
