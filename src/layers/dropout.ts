/** Dropout module: inverted dropout in training mode, identity in evaluation mode. */
import { dropout } from '../tensor/dropout.ts';
import { defaultRng, Rng } from '../tensor/rng.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

export class Dropout extends Module {
  readonly p: number;
  private readonly rng: Rng;

  /** @example const drop = new Dropout(0.2, { seed: 1 }); drop.forward(x); */
  constructor(p = 0.5, opts: { seed?: number } = {}) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout: p must be in [0, 1), got ${p}`);
    this.p = p;
    this.rng = this.registerRng('rng', opts.seed === undefined ? defaultRng() : new Rng(opts.seed));
  }

  forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training, this.rng);
  }
}
