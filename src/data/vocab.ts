/**
 * Vocabulary: tokens ↔ integer ids for character- or word-level models, saved with the model.
 *
 * Ids 0..3 are the specials `<pad>` `<unk>` `<bos>` `<eos>`; the other tokens follow by descending
 * frequency, ties broken by code point, so the same texts always give the same ids.
 * Characters are Unicode code points (a Hangul syllable or an emoji is one token, never half of a
 * UTF-16 pair); words are runs of non-whitespace. Text is NFC-normalised first, so a syllable
 * typed as decomposed jamo is the same token as the precomposed one.
 *
 * Legend: V vocabulary size (specials included).
 */
import { compareCodePoints } from './dataset.ts';
import { DataError } from './errors.ts';

export type VocabLevel = 'char' | 'word';

/** A vocabulary as plain data: `tokens[id]`, the four specials first. */
export interface VocabularyJSON {
  readonly kind: 'vocabulary';
  readonly level: VocabLevel;
  readonly lowercase: boolean;
  readonly tokens: readonly string[];
}

export interface VocabularyOptions {
  readonly level: VocabLevel;
  /** Keep tokens seen at least this often (default 1). */
  readonly minFreq?: number;
  /** Largest V, the four specials included (default: no limit). */
  readonly maxSize?: number;
  /** Lower-case text before splitting it (default false). */
  readonly lowercase?: boolean;
}

export const PAD = 0;
export const UNK = 1;
export const BOS = 2;
export const EOS = 3;
const SPECIALS = ['<pad>', '<unk>', '<bos>', '<eos>'] as const;

export class Vocabulary {
  static readonly PAD = PAD;
  static readonly UNK = UNK;
  static readonly BOS = BOS;
  static readonly EOS = EOS;

  readonly level: VocabLevel;
  readonly lowercase: boolean;
  /** [V] token of each id. */
  readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;

  private constructor(level: VocabLevel, lowercase: boolean, tokens: readonly string[]) {
    this.level = level;
    this.lowercase = lowercase;
    this.tokens = tokens;
    this.ids = new Map(tokens.map((t, i) => [t, i]));
  }

  /**
   * Count the tokens of `texts` and keep the frequent ones.
   * @example
   * const v = Vocabulary.build(['영화 최고', '영화 별로'], { level: 'word' });
   * v.tokens; // ['<pad>', '<unk>', '<bos>', '<eos>', '영화', '별로', '최고']
   * v.encode('영화 재밌다'); // [4, 1]
   */
  static build(texts: Iterable<string>, options: VocabularyOptions): Vocabulary {
    const { level, minFreq = 1, maxSize = Infinity, lowercase = false } = options;
    if (level !== 'char' && level !== 'word') throw new DataError(`Vocabulary.build: level is ${JSON.stringify(level)}, expected 'char' or 'word'`);
    if (!(Number.isInteger(minFreq) && minFreq >= 1)) throw new DataError(`Vocabulary.build: minFreq is ${minFreq}, expected an integer ≥ 1`);
    if (!(maxSize === Infinity || (Number.isInteger(maxSize) && maxSize >= SPECIALS.length))) {
      throw new DataError(`Vocabulary.build: maxSize is ${maxSize}, expected an integer ≥ ${SPECIALS.length} (the specials count)`);
    }
    const counts = new Map<string, number>();
    for (const text of texts) {
      for (const tok of split(text, level, lowercase)) counts.set(tok, (counts.get(tok) ?? 0) + 1);
    }
    // A special written literally in the text ("<unk>") is that special, not a new token.
    for (const s of SPECIALS) counts.delete(s);
    const kept = [...counts].filter(([, n]) => n >= minFreq);
    kept.sort((p, q) => q[1] - p[1] || compareCodePoints(p[0], q[0]));
    const tokens = [...SPECIALS, ...kept.slice(0, maxSize - SPECIALS.length).map(([t]) => t)];
    return new Vocabulary(level, lowercase, tokens);
  }

  /** V, the specials included. */
  get size(): number {
    return this.tokens.length;
  }

  /** The text's tokens, before lookup. */
  tokenize(text: string): string[] {
    return split(text, this.level, this.lowercase);
  }

  /** The id of a token, `UNK` when unknown. */
  idOf(token: string): number {
    return this.ids.get(token) ?? UNK;
  }

  /** The token of an id. */
  tokenOf(id: number): string {
    const t = this.tokens[id];
    if (t === undefined) throw new DataError(`Vocabulary: id ${id} is outside 0..${this.size - 1}`);
    return t;
  }

  /**
   * Token ids of a text; unknown tokens become `UNK` (1).
   * @example vocab.encode('hello', { bos: true, eos: true }) // [2, …, 3]
   */
  encode(text: string, options: { readonly bos?: boolean; readonly eos?: boolean } = {}): number[] {
    const ids = this.tokenize(text).map((t) => this.idOf(t));
    if (options.bos === true) ids.unshift(BOS);
    if (options.eos === true) ids.push(EOS);
    return ids;
  }

  /**
   * Text of token ids: characters joined as they are, words with single spaces. `<pad>`, `<bos>`
   * and `<eos>` are left out unless `keepSpecials`; an unknown token shows as `<unk>`.
   */
  decode(ids: ArrayLike<number>, options: { readonly keepSpecials?: boolean } = {}): string {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (options.keepSpecials !== true && (id === PAD || id === BOS || id === EOS)) continue;
      out.push(this.tokenOf(id));
    }
    return out.join(this.level === 'char' ? '' : ' ');
  }

  toJSON(): VocabularyJSON {
    return { kind: 'vocabulary', level: this.level, lowercase: this.lowercase, tokens: [...this.tokens] };
  }

  static fromJSON(json: VocabularyJSON): Vocabulary {
    if (json.kind !== 'vocabulary' || (json.level !== 'char' && json.level !== 'word') || !Array.isArray(json.tokens)) {
      throw new DataError("Vocabulary.fromJSON: expected { kind: 'vocabulary', level: 'char' | 'word', lowercase, tokens }");
    }
    SPECIALS.forEach((s, i) => {
      if (json.tokens[i] !== s) throw new DataError(`Vocabulary.fromJSON: token ${i} is ${JSON.stringify(json.tokens[i])}, expected ${s}`);
    });
    if (new Set(json.tokens).size !== json.tokens.length) throw new DataError('Vocabulary.fromJSON: tokens repeat');
    return new Vocabulary(json.level, json.lowercase === true, [...json.tokens]);
  }
}

function split(text: string, level: VocabLevel, lowercase: boolean): string[] {
  let s = text.normalize('NFC');
  if (lowercase) s = s.toLowerCase();
  if (level === 'char') return Array.from(s); // code points, not UTF-16 units
  return s.split(/\s+/u).filter((w) => w.length > 0);
}
