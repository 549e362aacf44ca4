/**
 * Decoding from anything that steps: greedy, sampling and beam search, batched over B samples.
 *
 * A `Stepper` maps each row's previous token and state to next-token logits and the next state;
 * `selectState` keeps rows (dropping finished samples, following beam hypotheses). Seq2seq
 * decoders, vector → sequence decoders and language models (languageModelStepper) all step the
 * same way, so every strategy serves them all.
 *
 * Every sample starts from a prompt (at least one id: `<bos>` for a decoder, the text so far for a
 * language model). Step t feeds token t of prompt ++ generated; while the next token is still
 * the prompt's, it is forced (its logits ignored). Generation stops at `eosId` (kept as the last
 * id) or after `maxLength` generated ids.
 *
 * Legend: B samples, R rows (hypotheses) in a step, V vocabulary, K beam width, S source steps.
 *   logProb = Σ log p(generated id) under the model (temperature 1)
 *   beam score = logProb / length^α   (length = generated ids, <eos> included; α = lengthPenalty)
 * Beam search (fairseq's rule): each step ranks the K·V continuations of a sample's live
 * hypotheses by logProb, takes the top 2K; an <eos> among the first K finishes a hypothesis, the
 * others fill up to K live ones. A sample is done when it has K finished hypotheses, or at
 * maxLength, where the best remaining continuations finish as they are (not forced to <eos>).
 * Width 1 is exactly greedy decoding; a width covering every continuation is exhaustive search.
 */
import { Module } from '../layers/module.ts';
import { Rng } from '../tensor/rng.ts';
import { noGrad, type Tensor } from '../tensor/tensor.ts';
import { argmaxRow, checkSampling, logSoftmaxRow, sampleToken, type TokenSamplingOptions } from './sampling.ts';

export interface StepOutput<S> {
  /** [R, V] next-token logits. */
  logits: Tensor;
  state: S;
  /** [R, S] attention weights of this step, or null. */
  attention: Tensor | null;
}

/** One step for R rows; the state is whatever the model carries (recurrent state, attention memory). */
export interface Stepper<S> {
  step(ids: ArrayLike<number>, state: S): StepOutput<S>;
  /** The state of rows `rows` (in that order, repeats allowed). */
  selectState(state: S, rows: ArrayLike<number>): S;
}

export interface Hypothesis {
  /** Generated ids (the prompt excluded), ending with eosId when the sample ended there. */
  ids: number[];
  /** Σ log p of the generated ids under the model. */
  logProb: number;
  /** What beam search ranks by: logProb / ids.length^α (logProb for greedy and sampling). */
  score: number;
  /** True when it ended with eosId, false when maxLength stopped it. */
  finished: boolean;
  /** Attention weights at each generated step ([ids.length][S], padded source steps included), or null. */
  attention: number[][] | null;
}

export interface DecodeOptions {
  /** Most ids to generate per sample (eos included, prompt excluded). */
  maxLength: number;
  /** Id that ends a sample; null: only maxLength does. */
  eosId: number | null;
}

export interface BeamOptions extends DecodeOptions {
  /** K ≥ 1. */
  width: number;
  /** α ≥ 0 in score = logProb / length^α (default 1; 0 ranks by logProb alone). */
  lengthPenalty?: number;
}

export interface SampleOptions extends DecodeOptions, Partial<TokenSamplingOptions> {
  /** Seed of the draws (default 0). Each sample has its own generator, so a sample's draw does not depend on its batch. */
  seed?: number;
}

/** A decoding strategy as plain data (CLI flags, configs). */
export type DecodeStrategy =
  | { kind: 'greedy' }
  | { kind: 'beam'; width: number; lengthPenalty?: number }
  | { kind: 'sample'; temperature?: number; topK?: number | null; topP?: number; seed?: number };

type Prompts = readonly (readonly number[])[];

function checkOptions(prompts: Prompts, o: DecodeOptions, what: string): void {
  if (!Array.isArray(prompts) || prompts.length === 0) throw new Error(`${what}: no prompts given (expected one id list per sample, e.g. [[bos], [bos]])`);
  prompts.forEach((p, b) => {
    if (!Array.isArray(p) || p.length === 0) throw new Error(`${what}: prompt ${b} is empty; give at least one id (e.g. <bos>)`);
    p.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0) throw new Error(`${what}: prompt ${b}[${i}] is ${id}, expected a token id`);
    });
  });
  if (!Number.isInteger(o.maxLength) || o.maxLength < 0) throw new Error(`${what}: maxLength is ${o.maxLength}, expected an integer ≥ 0`);
  if (o.eosId !== null && (!Number.isInteger(o.eosId) || o.eosId < 0)) throw new Error(`${what}: eosId is ${o.eosId}, expected a token id or null`);
}

/** Run `fn` without the tape and, for a Module, in evaluation mode (restored after). */
export function inference<T>(stepper: object, fn: () => T): T {
  const m = stepper instanceof Module ? stepper : null;
  const was = m?.training ?? false;
  m?.eval();
  try {
    return noGrad(fn);
  } finally {
    m?.train(was);
  }
}

/** Token t of prompt ++ generated. */
function tokenAt(prompt: readonly number[], generated: readonly number[], t: number): number {
  return t < prompt.length ? prompt[t] : generated[t - prompt.length];
}

function attentionRow(attention: Tensor | null, r: number): number[] | null {
  if (attention === null) return null;
  const S = attention.shape[1];
  return Array.from(attention.data.subarray(r * S, (r + 1) * S));
}

type Pick = (logits: Readonly<Float32Array>, off: number, V: number, sample: number) => number;

/** Greedy and sampling: one hypothesis per sample, rows dropped as samples finish. */
function decodeEach<S>(stepper: Stepper<S>, state0: S, prompts: Prompts, o: DecodeOptions, pick: Pick): Hypothesis[] {
  const hyps: Hypothesis[] = prompts.map(() => ({ ids: [], logProb: 0, score: 0, finished: false, attention: null }));
  if (o.maxLength === 0) return hyps;
  let active = prompts.map((_, b) => b);
  let state = state0;
  let lp = new Float64Array(0);
  for (let t = 0; active.length > 0; t++) {
    const out = stepper.step(active.map((b) => tokenAt(prompts[b], hyps[b].ids, t)), state);
    const V = out.logits.shape[1];
    if (lp.length !== V) lp = new Float64Array(V);
    const keep: number[] = [];
    const next: number[] = [];
    active.forEach((b, r) => {
      const h = hyps[b];
      if (t + 1 < prompts[b].length) {
        keep.push(r);
        next.push(b);
        return;
      }
      logSoftmaxRow(lp, out.logits.data, r * V, V);
      const id = pick(out.logits.data, r * V, V, b);
      h.ids.push(id);
      h.logProb += lp[id];
      const row = attentionRow(out.attention, r);
      if (row !== null) (h.attention ??= []).push(row);
      if (id === o.eosId) h.finished = true;
      else if (h.ids.length < o.maxLength) {
        keep.push(r);
        next.push(b);
      }
    });
    if (next.length > 0) state = next.length === active.length ? out.state : stepper.selectState(out.state, keep);
    active = next;
  }
  for (const h of hyps) h.score = h.logProb;
  return hyps;
}

/**
 * The most likely next id at every step (the lowest id on ties).
 * @example const [hyp] = greedyDecode(model, model.start([[5, 6, 7]]), [[BOS]], { maxLength: 20, eosId: EOS });
 */
export function greedyDecode<S>(stepper: Stepper<S>, state: S, prompts: Prompts, opts: DecodeOptions): Hypothesis[] {
  checkOptions(prompts, opts, 'greedyDecode');
  return inference(stepper, () => decodeEach(stepper, state, prompts, opts, (x, off, V) => argmaxRow(x, off, V)));
}

/** A generator for sample b, from the seed (independent of the other samples in the batch). */
function sampleRng(seed: number, b: number): Rng {
  return new Rng((seed ^ Math.imul(b + 1, 0x9e3779b9)) >>> 0);
}

/**
 * Draws each next id from softmax(logits / temperature), optionally restricted to the top-k ids
 * and the top-p nucleus (sampling.ts). Same seed, same draws.
 * @example sampleDecode(lmStepper, null, [prompt], { maxLength: 200, eosId: null, temperature: 0.8, topP: 0.9, seed: 1 });
 */
export function sampleDecode<S>(stepper: Stepper<S>, state: S, prompts: Prompts, opts: SampleOptions): Hypothesis[] {
  checkOptions(prompts, opts, 'sampleDecode');
  const s: TokenSamplingOptions = { temperature: opts.temperature ?? 1, topK: opts.topK ?? null, topP: opts.topP ?? 1 };
  checkSampling(s, 'sampleDecode');
  const seed = opts.seed ?? 0;
  const rngs = prompts.map((_, b) => sampleRng(seed, b));
  return inference(stepper, () => decodeEach(stepper, state, prompts, opts, (x, off, V, b) => sampleToken(x, off, V, s, rngs[b])));
}

interface Live {
  /** Source sample. */
  b: number;
  ids: number[];
  logProb: number;
  attention: number[][] | null;
}

/** The best M (value, row, token) of a sample's candidates, best first; ties keep the earlier (row, token). */
class TopM {
  readonly value: Float64Array;
  readonly row: Int32Array;
  readonly token: Int32Array;
  n = 0;

  constructor(readonly M: number) {
    this.value = new Float64Array(M);
    this.row = new Int32Array(M);
    this.token = new Int32Array(M);
  }

  offer(v: number, r: number, tok: number): void {
    const { M } = this;
    if (M === 0 || (this.n === M && !(v > this.value[M - 1]))) return;
    let i = this.n < M ? this.n++ : M - 1;
    while (i > 0 && this.value[i - 1] < v) {
      this.value[i] = this.value[i - 1];
      this.row[i] = this.row[i - 1];
      this.token[i] = this.token[i - 1];
      i--;
    }
    this.value[i] = v;
    this.row[i] = r;
    this.token[i] = tok;
  }
}

/**
 * Beam search of width K for each sample; returns each sample's finished hypotheses, best score
 * first (K of them, fewer only when fewer continuations exist).
 * @example const [best] = beamSearch(model, model.start(src), src.map(() => [BOS]), { width: 5, lengthPenalty: 1, maxLength: 40, eosId: EOS })[0];
 */
export function beamSearch<S>(stepper: Stepper<S>, state0: S, prompts: Prompts, opts: BeamOptions): Hypothesis[][] {
  checkOptions(prompts, opts, 'beamSearch');
  const K = opts.width;
  const alpha = opts.lengthPenalty ?? 1;
  if (!Number.isInteger(K) || K < 1) throw new Error(`beamSearch: width is ${K}, expected a positive integer`);
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new Error(`beamSearch: lengthPenalty is ${alpha}, expected a finite number ≥ 0`);
  const eos = opts.eosId;
  const finished: Hypothesis[][] = prompts.map(() => []);
  const finish = (h: Live, ended: boolean): void => {
    finished[h.b].push({ ids: h.ids, logProb: h.logProb, score: h.logProb / h.ids.length ** alpha, finished: ended, attention: h.attention });
  };
  if (opts.maxLength === 0) return prompts.map(() => [{ ids: [], logProb: 0, score: 0, finished: false, attention: null }]);

  return inference(stepper, () => {
    // Live hypotheses, grouped by sample in sample order; row r of the state is live[r].
    let live: Live[] = prompts.map((_, b) => ({ b, ids: [], logProb: 0, attention: null }));
    let state = state0;
    let lp = new Float64Array(0);
    for (let t = 0; live.length > 0; t++) {
      const out = stepper.step(live.map((h) => tokenAt(prompts[h.b], h.ids, t)), state);
      const V = out.logits.shape[1];
      const R = live.length;
      if (lp.length !== R * V) lp = new Float64Array(R * V);
      for (let r = 0; r < R; r++) logSoftmaxRow(lp.subarray(r * V, (r + 1) * V), out.logits.data, r * V, V);

      const next: Live[] = [];
      const parents: number[] = [];
      for (let r0 = 0; r0 < R; ) {
        const b = live[r0].b;
        let r1 = r0;
        while (r1 < R && live[r1].b === b) r1++;
        if (t + 1 < prompts[b].length) {
          // Still inside the prompt: one live hypothesis, the next id is forced.
          next.push(live[r0]);
          parents.push(r0);
        } else {
          const last = live[r0].ids.length + 1 === opts.maxLength;
          const top = new TopM(last ? K - finished[b].length : 2 * K);
          for (let r = r0; r < r1; r++) for (let v = 0; v < V; v++) top.offer(live[r].logProb + lp[r * V + v], r, v);
          const mine: Live[] = [];
          const mineParents: number[] = [];
          for (let k = 0; k < top.n; k++) {
            const r = top.row[k];
            const tok = top.token[k];
            const parent = live[r];
            const row = attentionRow(out.attention, r);
            const h: Live = {
              b,
              ids: [...parent.ids, tok],
              logProb: top.value[k],
              attention: row === null ? null : [...(parent.attention ?? []), row],
            };
            if (last) finish(h, tok === eos);
            else if (tok === eos) {
              if (k < K && finished[b].length < K) finish(h, true);
            } else if (mine.length < K) {
              mine.push(h);
              mineParents.push(r);
            }
          }
          if (!last && finished[b].length < K) {
            next.push(...mine);
            parents.push(...mineParents);
          }
        }
        r0 = r1;
      }
      if (next.length > 0) state = stepper.selectState(out.state, parents);
      live = next;
    }
    // Stable sort: equal scores keep the order they finished in.
    return finished.map((hs) => hs.sort((p, q) => q.score - p.score));
  });
}

/**
 * The best hypothesis per sample under a strategy given as plain data.
 * @example decode(model, model.start(src), src.map(() => [BOS]), { strategy: { kind: 'beam', width: 4 }, maxLength: 30, eosId: EOS });
 */
export function decode<S>(stepper: Stepper<S>, state: S, prompts: Prompts, opts: DecodeOptions & { strategy: DecodeStrategy }): Hypothesis[] {
  const base: DecodeOptions = { maxLength: opts.maxLength, eosId: opts.eosId };
  const s = opts.strategy;
  switch (s.kind) {
    case 'greedy':
      return greedyDecode(stepper, state, prompts, base);
    case 'sample':
      return sampleDecode(stepper, state, prompts, { ...base, temperature: s.temperature, topK: s.topK, topP: s.topP, seed: s.seed });
    case 'beam':
      return beamSearch(stepper, state, prompts, { ...base, width: s.width, lengthPenalty: s.lengthPenalty }).map((hs) => hs[0]);
    default:
      throw new Error(`decode: strategy kind ${JSON.stringify((s as { kind: unknown }).kind)} is not one of 'greedy', 'beam', 'sample'`);
  }
}
