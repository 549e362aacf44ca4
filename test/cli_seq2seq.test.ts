/**
 * The `recur` CLI's sequence-to-sequence side, run as child processes the way a user runs it:
 * `train --source/--target` on sentence pairs made here (reversing letter strings; reversing
 * word lists), `translate` from arguments, a file and stdin with every decoding, `eval` (loss,
 * BLEU, chrF), `info`, Ctrl-C and an exact --resume, a model saved by code, and the error paths —
 * each with its exit status and a one-line message.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Seq2Seq, Vocabulary, corpusChrf, loadSeq2Seq, saveSeq2Seq } from '../src/index.ts';
import { groupSharing, readParallelText, referenceStreams, splitGroups } from '../src/seq2seq/parallel-text.ts';

const MAIN = join(fileURLToPath(new URL('..', import.meta.url)), 'src', 'cli', 'main.ts');
/** tsx resolved from here: the children run in a temp folder, where a bare 'tsx' would not resolve. */
const TSX = import.meta.resolve('tsx');
const DIR = mkdtempSync(join(tmpdir(), 'recur-cli-s2s-'));
const at = (name: string): string => join(DIR, name);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The CLI from its TypeScript source, in the temp folder, with `stdin` as standard input (none:
 * an empty one). `onStdout` sees the output so far and may signal the child.
 */
function recur(args: readonly string[], o: { stdin?: string; onStdout?: (text: string, kill: (s: NodeJS.Signals) => void) => void } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], { cwd: DIR, env: { ...process.env, TERM: 'dumb', NO_COLOR: '1' } });
    const out: Run = { code: null, stdout: '', stderr: '' };
    child.stdout.on('data', (b: Buffer) => {
      out.stdout += b.toString();
      o.onStdout?.(out.stdout, (s) => child.kill(s));
    });
    child.stderr.on('data', (b: Buffer) => (out.stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ...out, code }));
    child.stdin.end(o.stdin ?? '');
  });
}

/** A user mistake: the exit status and one line on stderr matching `message`, no stack trace. */
function assertUserError(r: Run, code: number, message: RegExp): void {
  assert.equal(r.code, code, `exit status; stderr: ${r.stderr}`);
  assert.match(r.stderr, message);
  assert.match(r.stderr, /^recur: /);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
}

/** Seeded letters: n strings of 3–6 letters from a–f. */
function strings(n: number, seed: number): string[] {
  let s = seed;
  const next = (k: number): number => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((s / 2 ** 31) * k);
  };
  return Array.from({ length: n }, () => Array.from({ length: 3 + next(4) }, () => 'abcdef'[next(6)]).join(''));
}
const reverse = (s: string): string => [...s].reverse().join('');

// 400 training pairs (tab-separated, a header, an extra column never read), and 100 other strings.
const PAIRS = strings(400, 7);
const HELD_OUT = strings(100, 99);
const TRAIN = ['train', '--data', 'rev.tsv', '--source', 'src', '--target', 'tgt', '--hidden', '48', '--embedding', '16', '--batch-size', '16', '--lr', '0.01', '--progress', 'lines'];

before(() => {
  writeFileSync(at('rev.tsv'), `src\ttgt\tnote\n${PAIRS.map((p) => `${p}\t${reverse(p)}\tx`).join('\n')}\n`);
  writeFileSync(at('held-out.txt'), `${HELD_OUT.join('\n')}\n`);
  // Comma-separated, quoted, without a header: word lists and the same words reversed.
  const words = ['red', 'green', 'blue', 'cat', 'dog', 'big', 'small', 'one', 'two'];
  const lists = strings(300, 3).map((s) => [...s].map((c, i) => words[(c.charCodeAt(0) - 97 + i * 5) % words.length]).slice(0, 2 + (s.length % 3)));
  writeFileSync(at('words.csv'), `${lists.map((w) => `"${w.join(' ')}","${[...w].reverse().join(' ')}"`).join('\n')}\n`);
});
after(() => rmSync(DIR, { recursive: true, force: true }));

describe('parallel text (src/seq2seq/parallel-text.ts)', () => {
  test('CSV with a header, quoted commas and line breaks, blank lines; TSV by column number; line numbers as in the file', () => {
    const csv = readParallelText('id,en,ko\n1,"Go, now.",가.\n\n2,"Hi\nthere.", 안녕. \n', { source: 'en', target: 'ko', name: 'p.csv' });
    assert.equal(csv.delimiter, ',');
    assert.deepEqual(csv.header, ['id', 'en', 'ko']);
    assert.deepEqual(csv.pairs, [{ source: 'Go, now.', target: '가.', line: 2 }, { source: 'Hi\nthere.', target: '안녕.', line: 5 }]);
    const tsv = readParallelText('Go.\t가.\tCC-BY "x"\n\nRun!\t뛰어!\n', { source: 2, target: 1 });
    assert.deepEqual(tsv.pairs.map((p) => [p.source, p.target, p.line]), [['가.', 'Go.', 1], ['뛰어!', 'Run!', 3]]);
    assert.equal(tsv.header, null);
    assert.throws(() => readParallelText('a\tb\nc\n', { source: 1, target: 2, name: 'p.tsv' }), /p\.tsv line 2 has 1 tab-separated field, expected at least 2/);
    assert.throws(() => readParallelText('en,ko\n', { source: 'en', target: 'ko', name: 'p.csv' }), /p\.csv holds a header line and no sentence pairs/);
  });

  test('the split keeps every sentence in one part and deals the parts by the fractions', () => {
    const sides = PAIRS.map((p) => [p, reverse(p)]);
    const parts = splitGroups(groupSharing(sides), 4, { validation: 0.1, test: 0.2 });
    assert.deepEqual([parts.test.length >= 80, parts.validation.length >= 40], [true, true]);
    assert.equal(parts.train.length + parts.validation.length + parts.test.length, PAIRS.length);
    const partOf = new Map<string, string>();
    for (const [name, idx] of Object.entries(parts)) {
      for (const i of idx) {
        assert.ok((partOf.get(PAIRS[i]) ?? name) === name, `${PAIRS[i]} is in ${partOf.get(PAIRS[i])} and ${name}`);
        partOf.set(PAIRS[i], name);
      }
    }
    assert.ok(partOf.size < PAIRS.length, 'the data has repeated sentences, so the check above means something');
  });
});

describe('help', () => {
  test('recur --help lists translate; translate --help and train --help show sentence pairs with examples', async () => {
    const [top, tr, train] = await Promise.all([recur(['--help']), recur(['translate', '--help']), recur(['train', '--help'])]);
    assert.match(top.stdout, /\n {2}translate \[options\] \[sentences\.\.\.\] +translate sentences/);
    assert.match(tr.stdout, /^Usage: recur translate /);
    assert.match(tr.stdout, /Examples:\n {2}recur translate --model /);
    for (const flag of ['--input', '--beam', '--greedy', '--sample', '--temperature', '--top-k', '--top-p', '--seed', '--max-length', '--out', '--attention']) assert.ok(tr.stdout.includes(flag), flag);
    assert.match(train.stdout, /sentence pairs {2}--data f\.tsv --source col/);
    assert.match(train.stdout, /recur train --data data\/tatoeba_kor_eng\/kor\.txt --source 1 --target 2/);
  });
});

describe('reversing letters: train → translate → eval → info', () => {
  let trained: Run;
  before(async () => {
    trained = await recur([...TRAIN, '--epochs', '12', '--out', 'rev.recur', '--report', 'rev.html']);
  });

  test('train prints the data, one line per epoch and test scores next to the baselines, and writes the model and report', () => {
    assert.equal(trained.code, 0, trained.stderr);
    assert.equal(trained.stderr, '');
    const out = trained.stdout;
    assert.match(out, /^data: rev\.tsv, 400 sentence pairs; translates "src" into "tgt", as characters$/m);
    assert.match(out, /seed 0: train 360, validation 20, test 20 pairs$/m);
    assert.match(out, /^vocabularies from the training pairs: source 10, target 10 tokens \(with 4 specials\)$/m);
    assert.match(out, /^model: embedding 16 → GRU encoder, 1 layer × 48 hidden \(bidirectional\) → Luong 'general' attention → GRU decoder, 1 layer × 48 hidden → 10 target tokens; [\d,]+ parameters$/m);
    assert.equal(out.match(/^epoch \d+\/12 {2}loss [\d.]+ {2}val_loss [\d.]+ /gm)?.length, 12);
    const chrf = (row: string): number => Number(new RegExp(`^ {2}${row}\\s+(?:[\\d.]+|-)\\s+[\\d.]+\\s+([\\d.]+)$`, 'm').exec(out)?.[1]);
    const [model, retrieval, constant] = [chrf('model'), chrf('retrieval \\(nearest training source\\)'), chrf('most common training translation')];
    assert.ok(model > 70 && model > retrieval + 20 && retrieval > constant, `test chrF: model ${model}, retrieval ${retrieval}, most common ${constant}`);
    assert.match(out, /model written to rev\.recur\nreport written to rev\.html\n$/);
    const html = readFileSync(at('rev.html'), 'utf8');
    assert.match(html, /Sample translations \(test\)/);
    assert.match(html, /Where the decoder looks/);
  });

  test('the model file loads with loadSeq2Seq and holds both vocabularies; the CLI translates as the library does', async () => {
    const { model, checkpoint } = loadSeq2Seq(at('rev.recur'));
    const prep = (checkpoint.data as { prep: { src: unknown; tgt: unknown } }).prep;
    const src = Vocabulary.fromJSON(prep.src as never);
    const tgt = Vocabulary.fromJSON(prep.tgt as never);
    assert.deepEqual([...src.tokens.slice(4)].sort(), [...'abcdef']);
    const [h] = model.translate([src.encode('abcdef')], { strategy: { kind: 'beam', width: 5 }, maxLength: 13 });
    const r = await recur(['translate', '--model', 'rev.recur', 'abcdef']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${tgt.decode(h.ids)}\n`);
  });

  test('translate reverses at least 90% of 100 strings it never saw (94% recorded), from --input', async () => {
    const r = await recur(['translate', '--model', 'rev.recur', '--input', 'held-out.txt']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'notes go to stderr, and there are none');
    const out = r.stdout.split('\n').slice(0, -1);
    assert.equal(out.length, 100);
    const right = out.filter((t, k) => t === reverse(HELD_OUT[k])).length;
    assert.ok(right >= 90, `${right} of 100 reversed exactly`);
  });

  test('arguments, stdin, --input and --out give the same translations; a blank line stays blank', async () => {
    const five = HELD_OUT.slice(0, 5);
    writeFileSync(at('five.txt'), `${five[0]}\n\n${five.slice(1).join('\n')}\n`);
    const [args, stdin, file, toFile] = await Promise.all([
      recur(['translate', '--model', 'rev.recur', ...five]),
      recur(['translate', '--model', 'rev.recur'], { stdin: `${five.join('\n')}\n` }),
      recur(['translate', '--model', 'rev.recur', '--input', 'five.txt']),
      recur(['translate', '--model', 'rev.recur', '--input', 'five.txt', '--out', 'five-out.txt']),
    ]);
    const lines = args.stdout.split('\n').slice(0, -1);
    assert.equal(lines.length, 5);
    assert.equal(stdin.stdout, args.stdout);
    assert.equal(file.stdout, `${lines[0]}\n\n${lines.slice(1).join('\n')}\n`);
    assert.equal(readFileSync(at('five-out.txt'), 'utf8'), file.stdout);
    assert.equal(toFile.stdout, '5 translations written to five-out.txt\n');
  });

  test('decodings: greedy; sampling is seeded, and at temperature 0 it is greedy', async () => {
    const five = HELD_OUT.slice(10, 15);
    const [greedy, t0, s1, s1again] = await Promise.all([
      recur(['translate', '--model', 'rev.recur', '--greedy', ...five]),
      recur(['translate', '--model', 'rev.recur', '--sample', '--temperature', '0', ...five]),
      recur(['translate', '--model', 'rev.recur', '--sample', '--seed', '1', '--top-k', '3', ...five]),
      recur(['translate', '--model', 'rev.recur', '--sample', '--seed', '1', '--top-k', '3', ...five]),
    ]);
    for (const r of [greedy, t0, s1]) assert.equal(r.code, 0, r.stderr);
    assert.equal(t0.stdout, greedy.stdout);
    assert.equal(s1again.stdout, s1.stdout);
    for (const line of s1.stdout.trimEnd().split('\n')) assert.match(line, /^[a-f]+$/);
  });

  test('--attention writes a heat-map: SVG for one sentence, HTML with one map per sentence', async () => {
    const svg = await recur(['translate', '--model', 'rev.recur', 'fabe', '--attention', 'one.svg']);
    assert.equal(svg.code, 0, svg.stderr);
    assert.equal(svg.stderr, 'attention written to one.svg\n');
    const map = readFileSync(at('one.svg'), 'utf8');
    assert.match(map, /^<svg /);
    assert.ok(map.includes(`<title>fabe → ${svg.stdout.trim()}`), 'titled with the sentence and its translation');
    const html = await recur(['translate', '--model', 'rev.recur', 'abc', 'fed', '--attention', 'two.html']);
    assert.equal(html.code, 0, html.stderr);
    assert.equal(readFileSync(at('two.html'), 'utf8').match(/<svg /g)?.length, 2);
  });

  test('eval reports the loss, BLEU and chrF; its chrF is that of translate\'s output on the same sources', async () => {
    const r = await recur(['eval', '--model', 'rev.recur', '--data', 'rev.tsv', '--greedy']);
    assert.equal(r.code, 0, r.stderr);
    const sources = [...new Set(PAIRS)];
    assert.match(r.stdout, new RegExp(`^rev\\.tsv: 400 pairs, ${sources.length} distinct sources; greedy`));
    const row = /^ {2}model\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)$/m.exec(r.stdout);
    assert.ok(row !== null, r.stdout);
    assert.ok(Number(row[1]) > 0 && Number(row[1]) < 0.5, `loss ${row[1]} nats per token`);
    assert.match(r.stdout, /^ {2}most common training translation\s+-\s+[\d.]+\s+[\d.]+$/m);
    const tr = await recur(['translate', '--model', 'rev.recur', '--greedy'], { stdin: `${sources.join('\n')}\n` });
    const refs = sources.map((s) => [reverse(s)]);
    const chrf = corpusChrf(tr.stdout.split('\n').slice(0, -1), referenceStreams(refs)).score;
    assert.equal(row[3], chrf.toFixed(2));
  });

  test('info describes the translator, its vocabularies and its training', async () => {
    const r = await recur(['info', 'rev.recur']);
    assert.equal(r.code, 0, r.stderr);
    const { model } = loadSeq2Seq(at('rev.recur'));
    const n = model.parameters().reduce((a, p) => a + p.size, 0);
    assert.match(r.stdout, new RegExp(`^model: {3}embedding 16 → GRU encoder, .* → 10 target tokens; ${n.toLocaleString('en-US')} parameters$`, 'm'));
    assert.match(r.stdout, /"task":"seq2seq".*"attention":\{"kind":"general"\}/);
    assert.match(r.stdout, /^ {2}decoder\.attention\.W\.weight\s+\[48, 96\]\s+4,608$/m);
    assert.match(r.stdout, /^data: {4}sentence pairs from rev\.tsv: "src" → "tgt", as characters$/m);
    assert.match(r.stdout, /^ {2}source vocabulary: 10 tokens \(4 specials, 6 characters, most frequent first\): [a-f]{6}$/m);
    assert.match(r.stdout, /^ {2}translate: beam 5, at most 13 tokens \(the longest training target has 6\)/m);
    assert.match(r.stdout, /^training: 12 of 12 epochs, 276 steps, completed; Adam lr 0\.01, batches of 16, clip 1, seed 0$/m);
    assert.match(r.stdout, /optimizer state: adam, saved \(training can resume\)/);
  });
});

describe('reversing word lists: word units from a CSV without a header', () => {
  test('train --units word learns it; translate writes words from the vocabulary', async () => {
    const r = await recur(['train', '--data', 'words.csv', '--source', '1', '--target', '2', '--units', 'word', '--hidden', '32', '--embedding', '16',
      '--epochs', '8', '--batch-size', '16', '--lr', '0.01', '--out', 'words.recur', '--no-report', '--progress', 'none']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^data: words\.csv, 300 sentence pairs; translates column 1 into column 2, as words$/m);
    const bleu = Number(/^ {2}model\s+[\d.]+\s+([\d.]+)\s+[\d.]+$/m.exec(r.stdout)?.[1]);
    const retrieval = Number(/^ {2}retrieval \(nearest training source\)\s+-\s+([\d.]+)/m.exec(r.stdout)?.[1]);
    assert.ok(bleu > 60 && bleu > retrieval + 20, `test BLEU ${bleu}, retrieval ${retrieval}`);
    const t = await recur(['translate', '--model', 'words.recur', 'red green blue', 'one two cat']);
    assert.equal(t.code, 0, t.stderr);
    for (const line of t.stdout.trimEnd().split('\n')) assert.match(line, /^(red|green|blue|cat|dog|big|small|one|two)( (red|green|blue|cat|dog|big|small|one|two))+$/);
  });
});

describe('Ctrl-C and --resume', () => {
  test('Ctrl-C saves and exits 130; --resume ends exactly where the uninterrupted run ends', async () => {
    let sent = false;
    const r = await recur([...TRAIN, '--epochs', '500', '--out', 'stopped.recur', '--no-report'], {
      onStdout: (out, kill) => {
        if (!sent && /^epoch 1\/500 /m.test(out)) {
          sent = true;
          kill('SIGINT');
        }
      },
    });
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /Ctrl-C: finishing the current step and saving/);
    assert.match(r.stdout, /interrupted: stopped\.recur holds the run so far; continue it with:\n {2}recur train .*--epochs 500 --out stopped\.recur --no-report --resume\n$/);
    const info = await recur(['info', 'stopped.recur']);
    const done = /^training: (\d+) of 500 epochs, [\d,]+ steps, interrupted/m.exec(info.stdout);
    assert.ok(done !== null, info.stdout);
    const epochs = String(Number(done[1]) + 2);
    const [resumed, straight] = await Promise.all([
      recur([...TRAIN, '--epochs', epochs, '--out', 'stopped.recur', '--no-report', '--resume']),
      recur([...TRAIN, '--epochs', epochs, '--out', 'straight.recur', '--no-report']),
    ]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, new RegExp(`resuming stopped\\.recur up to epoch ${epochs}`));
    const last = (out: string): string => (new RegExp(`^epoch ${epochs}/${epochs} {2}loss \\S+ {2}val_loss \\S+`, 'm').exec(out) ?? [''])[0];
    assert.notEqual(last(resumed.stdout), '');
    assert.equal(last(resumed.stdout), last(straight.stdout));
    const weights = (file: string): Float32Array[] => loadSeq2Seq(at(file)).model.parameters().map((p) => p.data);
    assert.deepEqual(weights('stopped.recur'), weights('straight.recur'));
  });
});

describe('a translator saved by code (saveSeq2Seq with { src, tgt })', () => {
  const src = Vocabulary.build(['abcdef'], { level: 'char' });
  const tgt = Vocabulary.build(['uvwxyz'], { level: 'char' });
  const model = new Seq2Seq({
    task: 'seq2seq', srcVocabSize: src.size, tgtVocabSize: tgt.size, embeddingDim: 8,
    encoder: { cell: 'lstm', hiddenSize: 8 }, decoder: { hiddenSize: 8 }, attention: { kind: 'dot' }, seed: 5,
  });
  before(() => {
    saveSeq2Seq(at('coded.recur'), model, { kind: 'translate', src: JSON.parse(JSON.stringify(src.toJSON())), tgt: JSON.parse(JSON.stringify(tgt.toJSON())) });
    saveSeq2Seq(at('bare.recur'), model);
  });

  test('translate reads its vocabularies: the same output as the library, up to 100 tokens', async () => {
    const r = await recur(['translate', '--model', 'coded.recur', '--greedy', 'abc', 'fedcba']);
    assert.equal(r.code, 0, r.stderr);
    const hyps = model.translate([src.encode('abc'), src.encode('fedcba')], { strategy: { kind: 'greedy' }, maxLength: 100 });
    assert.equal(r.stdout, hyps.map((h) => `${tgt.decode(h.ids)}\n`).join(''));
  });

  test('info says where the vocabularies come from; eval needs the columns named', async () => {
    const info = await recur(['info', 'coded.recur']);
    assert.match(info.stdout, /^data: {4}vocabularies saved with the model \(not by recur train\)$/m);
    assert.match(info.stdout, /^ {2}target vocabulary: 10 tokens .*: uvwxyz$/m);
    assert.match(info.stdout, /^training: no training state saved$/m);
    assertUserError(await recur(['eval', '--model', 'coded.recur', '--data', 'rev.tsv']), 2, /coded\.recur was not trained by recur train, so it does not know the columns; name them with --source <col> --target <col>/);
    const e = await recur(['eval', '--model', 'coded.recur', '--data', 'rev.tsv', '--source', 'src', '--target', 'tgt', '--greedy']);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /^ {2}model\s+[\d.]+\s+[\d.]+\s+[\d.]+$/m);
  });

  test('a translator saved without vocabularies cannot read text', async () => {
    assertUserError(await recur(['translate', '--model', 'bare.recur', 'abc']), 1, /bare\.recur holds no vocabularies, so the CLI cannot turn text into token ids/);
  });
});

describe('user errors: one line, what was expected and what came, the right exit status', { concurrency: 4 }, () => {
  const cases: { name: string; args: string[]; code: number; message: RegExp; stdin?: string }[] = [
    // train (usage: 2)
    { name: 'pairs without --target', args: ['train', '--data', 'rev.tsv', '--source', 'src', '--out', 'x.recur'], code: 2, message: /missing --target <column>: with --source, the column of the target sentences/ },
    { name: 'two target columns', args: ['train', '--data', 'rev.tsv', '--source', 'src', '--target', 'tgt,note', '--out', 'x.recur'], code: 2, message: /--target names 2 columns \(tgt, note\); sentence pairs have one target column/ },
    { name: 'a named and a numbered column', args: ['train', '--data', 'rev.tsv', '--source', '1', '--target', 'tgt', '--out', 'x.recur'], code: 2, message: /--source 1 and --target tgt: name both columns .* or number both/ },
    { name: 'the same column twice', args: ['train', '--data', 'rev.tsv', '--source', '2', '--target', '2', '--out', 'x.recur'], code: 2, message: /--source and --target are both column 2/ },
    { name: 'a series flag with pairs', args: [...TRAIN, '--window', '3', '--out', 'x.recur'], code: 2, message: /--window applies to time series and text, not to sentence pairs/ },
    { name: 'early stopping for pairs', args: [...TRAIN, '--patience', '3', '--out', 'x.recur'], code: 2, message: /--patience applies to the preset models \(seq2seq training has no early stopping\)/ },
    { name: 'a pairs flag with a series', args: ['train', '--data', 'rev.tsv', '--target', 'tgt', '--units', 'word', '--out', 'x.recur'], code: 2, message: /--units applies to sentence pairs .*, not to a time series/ },
    { name: '--task seq2seq without --source', args: ['train', '--data', 'rev.tsv', '--target', 'tgt', '--task', 'seq2seq', '--out', 'x.recur'], code: 2, message: /--task seq2seq needs sentence pairs: --data pairs\.tsv --source <column> --target <column>/ },
    { name: '--resume with another --hidden', args: [...withFlag(TRAIN, '--hidden', '32'), '--epochs', '20', '--out', 'rev.recur', '--resume'], code: 2, message: /--resume: rev\.recur was trained with a different --hidden \(48, now 32\)/ },
    { name: '--resume with other units', args: [...TRAIN, '--units', 'word', '--epochs', '20', '--out', 'rev.recur', '--resume'], code: 2, message: /--resume: rev\.recur was trained with a different --units \("char", now "word"\)/ },
    // train (failures: 1)
    { name: 'a column the file does not have', args: ['train', '--data', 'rev.tsv', '--source', 'source', '--target', 'tgt', '--out', 'x.recur'], code: 1, message: /--source: rev\.tsv has no column "source"; its columns are "src", "tgt", "note"; for a file without a header line, number the columns/ },
    { name: 'a column number past the last', args: ['train', '--data', 'words.csv', '--source', '1', '--target', '3', '--out', 'x.recur'], code: 1, message: /--target 3: words\.csv has 2 comma-separated columns \(line 1\); give a column number from 1 to 2/ },
    { name: 'an empty target sentence', args: ['train', '--data', 'empty-target.tsv', '--source', '1', '--target', '2', '--out', 'x.recur'], code: 1, message: /empty-target\.tsv line 3: the target sentence is empty; every pair needs a source and a target/ },
    { name: 'too few pairs to hold out', args: ['train', '--data', 'two.tsv', '--source', '1', '--target', '2', '--out', 'x.recur'], code: 1, message: /two\.tsv: 2 pairs are too few for --split 0\.9,0\.05,0\.05 \(the validation part is empty/ },
    { name: '--max-tokens that leaves nothing', args: [...TRAIN, '--max-tokens', '2', '--out', 'x.recur'], code: 1, message: /--max-tokens 2: every pair of rev\.tsv \(400\) has a source or a target longer than 2 characters/ },
    { name: 'a seq2seq spec for a series', args: ['train', '--data', 'series.csv', '--target', 'v', '--spec', 's2s.json', '--out', 'x.recur'], code: 1, message: /--spec s2s\.json: "task" is "seq2seq", but --target gives "forecast"; a seq2seq spec trains on sentence pairs/ },
    { name: 'a bad key in a seq2seq spec', args: [...TRAIN, '--spec', 'bad-s2s.json', '--out', 'x.recur'], code: 1, message: /--spec bad-s2s\.json: model spec \(task 'seq2seq'\): unknown key 'decoder\.hiden' \(allowed: cell, hiddenSize, numLayers\)/ },
    // translate (usage: 2)
    { name: 'translate with a forecaster', args: ['translate', '--model', 'series.recur', 'abc'], code: 2, message: /series\.recur is a forecaster \(next 1 step of 1 value\), not a sequence-to-sequence model/ },
    { name: 'arguments and --input together', args: ['translate', '--model', 'rev.recur', 'abc', '--input', 'held-out.txt'], code: 2, message: /give sentences as arguments or with --input, not both/ },
    { name: 'an empty argument', args: ['translate', '--model', 'rev.recur', 'abc', ' '], code: 2, message: /sentence 2 \(argument 2\) is empty/ },
    { name: 'two decodings', args: ['translate', '--model', 'rev.recur', '--greedy', '--beam', '3', 'abc'], code: 2, message: /--beam and --greedy: choose one way to decode/ },
    { name: 'a sampling flag without --sample', args: ['translate', '--model', 'rev.recur', '--top-p', '0.9', 'abc'], code: 2, message: /--top-p applies to sampling; add --sample/ },
    { name: 'top-p out of range', args: ['translate', '--model', 'rev.recur', '--sample', '--top-p', '1.5', 'abc'], code: 2, message: /'--top-p <p>' argument '1\.5' is invalid\. expected a number in \(0, 1\]/ },
    { name: 'an SVG for two sentences', args: ['translate', '--model', 'rev.recur', 'abc', 'abd', '--attention', 'x.svg'], code: 2, message: /--attention x\.svg: an SVG holds one heat-map and there are 2 sentences; write an \.html file instead/ },
    { name: 'a heat-map of another format', args: ['translate', '--model', 'rev.recur', 'abc', '--attention', 'x.png'], code: 2, message: /--attention x\.png: expected a file ending in \.svg \(one sentence\) or \.html/ },
    // translate (failures: 1)
    { name: 'empty standard input', args: ['translate', '--model', 'rev.recur'], stdin: '\n\n', code: 1, message: /standard input holds no sentences \(2 blank lines\); expected one sentence per line/ },
    { name: 'an input file of blank lines', args: ['translate', '--model', 'rev.recur', '--input', 'blank.txt'], code: 1, message: /--input blank\.txt holds no sentences \(3 blank lines\)/ },
    { name: 'a sentence in another alphabet', args: ['translate', '--model', 'rev.recur', 'abc', '안녕 !'], code: 1, message: /sentence 2 "안녕 !": rev\.recur knows none of its letters \(it knows "[a-f]", .*\); is it the model for the other direction\?/ },
    { name: 'a model file that is not one', args: ['translate', '--model', 'rev.tsv', 'abc'], code: 1, message: /'rev\.tsv' is not a recur checkpoint: it looks like a text file/ },
    // other commands with a translator (usage: 2)
    { name: 'predict with a translator', args: ['predict', '--model', 'rev.recur', '--data', 'rev.tsv'], code: 2, message: /rev\.recur is a sequence-to-sequence model \(a translator\); use 'recur translate --model rev\.recur'/ },
    { name: 'generate with a translator', args: ['generate', '--model', 'rev.recur'], code: 2, message: /rev\.recur is a sequence-to-sequence model \(a translator\)/ },
    { name: 'export of a translator', args: ['export', 'rev.recur', '--onnx', 'x.onnx'], code: 2, message: /rev\.recur is a sequence-to-sequence model; ONNX export covers forecasters, classifiers, taggers and language models/ },
    { name: 'eval of a translator on text', args: ['eval', '--model', 'rev.recur', '--text', 'held-out.txt'], code: 2, message: /give it sentence pairs with --data, not --text/ },
    { name: 'a translator flag for a forecaster', args: ['eval', '--model', 'series.recur', '--data', 'series.csv', '--beam', '3'], code: 2, message: /--beam applies to sequence-to-sequence models; series\.recur is a forecaster/ },
  ];

  before(async () => {
    writeFileSync(at('empty-target.tsv'), 'abc\tcba\n\nab\t \n');
    writeFileSync(at('two.tsv'), 'abc\tcba\nab\tba\n');
    writeFileSync(at('blank.txt'), '\n  \n\n');
    writeFileSync(at('series.csv'), `t,v\n${Array.from({ length: 40 }, (_, i) => `${i},${i % 5}`).join('\n')}\n`);
    writeFileSync(at('s2s.json'), '{"task": "seq2seq", "encoder": {"cell": "gru", "hiddenSize": 8}, "decoder": {"hiddenSize": 8}}');
    writeFileSync(at('bad-s2s.json'), '{"decoder": {"hiden": 8}}');
    const r = await recur(['train', '--data', 'series.csv', '--target', 'v', '--window', '4', '--hidden', '4', '--epochs', '1', '--out', 'series.recur', '--no-report', '--progress', 'none']);
    assert.equal(r.code, 0, r.stderr);
  });

  for (const c of cases) {
    test(c.name, async () => assertUserError(await recur(c.args, { stdin: c.stdin }), c.code, c.message));
  }
});

/** `args` with the value after `flag` replaced. */
function withFlag(args: readonly string[], flag: string, value: string): string[] {
  const k = args.indexOf(flag);
  assert.ok(k >= 0, flag);
  return [...args.slice(0, k + 1), value, ...args.slice(k + 2)];
}
