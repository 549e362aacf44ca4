/**
 * The `recur` CLI, run as a child process the way a user runs it: help with examples, a full
 * train → info → eval → predict → forecast → export session on a small CSV made here, Ctrl-C
 * during training and --resume, and every user-error path — each with its exit status, its
 * one-line message and no stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CliError, describeFailure } from '../src/cli/errors.ts';
import { buildModel, saveCheckpoint } from '../src/index.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
/** tsx resolved from here: the children run in a temp folder, where a bare 'tsx' would not resolve. */
const TSX = import.meta.resolve('tsx');
const DIR = mkdtempSync(join(tmpdir(), 'recur-cli-'));
const at = (name: string): string => join(DIR, name);

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI from the TypeScript source (not a possibly stale dist/) in the temp folder. */
function recur(args: readonly string[], onStdout?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, MAIN, ...args], {
      cwd: DIR,
      env: { ...process.env, TERM: 'dumb', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      onStdout?.(stdout, child);
    });
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `args` with the value after `flag` replaced. */
function withFlag(args: readonly string[], flag: string, value: string): string[] {
  const k = args.indexOf(flag);
  assert.ok(k >= 0, flag);
  return [...args.slice(0, k + 1), value, ...args.slice(k + 2)];
}

/** A user mistake: the exit status, one line on stderr matching `message`, no stack trace. */
function assertUserError(r: Run, code: number, message: RegExp): void {
  assert.equal(r.code, code, `exit status; stderr: ${r.stderr}`);
  assert.match(r.stderr, message);
  assert.match(r.stderr, /^recur: /);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.doesNotMatch(r.stderr, /internal error/);
}

// A monthly series 2000-01 … 2014-12 (180 rows) around 100 with a yearly cycle of ±20, so values
// in the data's units (≈ 80…120) cannot be mistaken for scaled ones (≈ −1.5…1.5).
const ROWS = 180;
function writeSeries(): void {
  let s = 12345;
  const noise = (): number => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31 - 0.5;
  };
  const lines = ['month,value,aux'];
  for (let t = 0; t < ROWS; t++) {
    const month = `${2000 + Math.floor(t / 12)}-${String((t % 12) + 1).padStart(2, '0')}`;
    lines.push(`${month},${(100 + 20 * Math.sin((2 * Math.PI * t) / 12) + 4 * noise()).toFixed(2)},${(5 * Math.cos((2 * Math.PI * t) / 12)).toFixed(3)}`);
  }
  writeFileSync(at('series.csv'), `${lines.join('\n')}\n`);
}

const TRAIN = ['train', '--data', 'series.csv', '--target', 'value', '--time', 'month', '--window', '12', '--hidden', '16', '--batch-size', '16', '--lr', '0.01', '--progress', 'lines'];

before(() => {
  writeSeries();
  writeFileSync(at('other.csv'), 'a,b\n1,2\n3,4\n');
  writeFileSync(at('groups.csv'), 'id,x,label\na,1,p\na,2,q\nb,1,p\nb,3,p\nc,2,q\n');
  writeFileSync(at('gaps.csv'), `t,v\n${Array.from({ length: 60 }, (_, i) => `${i},${i === 30 ? '' : i}`).join('\n')}\n`);
  writeFileSync(at('bad-key.json'), '{"cell": "gru", "hiden": 8}');
  writeFileSync(at('not-json.json'), '{"cell": gru}');
  writeFileSync(at('wrong-size.json'), '{"inputSize": 3}');
});
after(() => rmSync(DIR, { recursive: true, force: true }));

describe('help', () => {
  test('recur --help lists the commands and exit statuses', async () => {
    const r = await recur(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['train', 'eval', 'predict', 'forecast', 'generate', 'info', 'export', 'demo']) assert.match(r.stdout, new RegExp(`\\n  ${c} `));
    assert.match(r.stdout, /Exit status: 0 success, 1 failure .*, 2 usage error, 130 interrupted/);
  });

  test('every command has --help with examples of itself', async () => {
    const commands = ['train', 'eval', 'predict', 'forecast', 'generate', 'info', 'export', 'demo'];
    const runs = await Promise.all(commands.map((c) => recur([c, '--help'])));
    runs.forEach((r, i) => {
      assert.equal(r.code, 0, commands[i]);
      assert.match(r.stdout, new RegExp(`^Usage: recur ${commands[i]} `), commands[i]);
      assert.match(r.stdout, new RegExp(`Examples:\\n  recur ${commands[i]}\\b`), commands[i]);
    });
    assert.match(runs[0].stdout, /--target <cols>/);
    assert.match(runs[0].stdout, /--resume/);
  });

  test('recur with no command prints the help to stderr and exits 2', async () => {
    const r = await recur([]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Usage: recur/);
  });

  test('bin/recur.js launches the CLI', async () => {
    const r = await new Promise<Run>((resolve, reject) => {
      const child = spawn(process.execPath, [join(ROOT, 'bin', 'recur.js'), '--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});

describe('a session: train → info → eval → predict → forecast → export', () => {
  let trained: Run;
  before(async () => {
    trained = await recur([...TRAIN, '--epochs', '4', '--out', 'model.recur', '--report', 'report.html']);
  });

  test('train writes the model and the report and prints the test score next to persistence', () => {
    assert.equal(trained.code, 0, trained.stderr);
    assert.equal(trained.stderr, '');
    assert.match(trained.stdout, /split in time order: train 126 rows \(2000-01–2010-06\), validation 27 rows .*, test 27 rows \(2012-10–2014-12\)/);
    assert.equal(trained.stdout.match(/^epoch \d\/4 /gm)?.length, 4, 'one line per epoch when not a TTY');
    assert.match(trained.stdout, /^ {2}persistence\s+[\d.]+\s+[\d.]+$/m);
    assert.match(trained.stdout, /model written to model\.recur\nreport written to report\.html\n$/);
    assert.ok(statSync(at('model.recur')).size > 1000);
    const html = readFileSync(at('report.html'), 'utf8');
    assert.match(html, /<svg/);
    assert.match(html, /persistence/);
  });

  test('info shows the spec, parameters per tensor, the scaling, the history and the size', async () => {
    const r = await recur(['info', 'model.recur']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^model\.recur: [\d.]+ KB/);
    assert.match(r.stdout, /"task":"forecast","cell":"lstm","hiddenSize":16/);
    assert.match(r.stdout, /rnn\.weight_hh_l0\s+\[64, 16\]\s+1,024/);
    // LSTM 4·16·(1 + 16) + 2·4·16 = 1,216 recurrent, head 16 + 1.
    assert.match(r.stdout, /total\s+1,233/);
    assert.match(r.stdout, /value\s+mean 10\d\.\d*\s+std 1\d\.\d+/);
    assert.match(r.stdout, /training: 4 of 4 epochs, \d+ steps, completed/);
  });

  test('eval scores in the data\'s units, next to persistence', async () => {
    const r = await recur(['eval', '--model', 'model.recur', '--data', 'series.csv']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`${ROWS - 12} windows`));
    const model = /^ {2}model\s+([\d.]+)\s+([\d.]+)$/m.exec(r.stdout);
    const naive = /^ {2}persistence\s+([\d.]+)\s+([\d.]+)$/m.exec(r.stdout);
    assert.ok(model !== null && naive !== null, r.stdout);
    // Month-to-month changes of a ±20 cycle: persistence is off by ≈ 10 units; scaled errors would be < 1.
    assert.ok(Number(naive[2]) > 5 && Number(naive[2]) < 20, `persistence RMSE ${naive[2]}`);
    assert.ok(Number(model[2]) > 1 && Number(model[2]) < 40, `model RMSE ${model[2]}`);
  });

  test('predict writes one row per window, the last past the end, in the data\'s units', async () => {
    const r = await recur(['predict', '--model', 'model.recur', '--data', 'series.csv', '--out', 'predictions.csv']);
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(at('predictions.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'month,value');
    assert.equal(lines.length, 1 + ROWS - 12 + 1);
    assert.match(lines[1], /^2001-01,/);
    assert.match(lines[lines.length - 1], /^2015-01,/);
    for (const l of lines.slice(1)) {
      const v = Number(l.split(',')[1]);
      assert.ok(v > 50 && v < 150, `prediction ${l}`);
    }
  });

  test('forecast continues the months and feeds predictions back beyond the horizon', async () => {
    const r = await recur(['forecast', '--model', 'model.recur', '--data', 'series.csv', '--steps', '6', '--out', 'forecast.csv']);
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(at('forecast.csv'), 'utf8').trimEnd().split('\n');
    assert.deepEqual(lines.map((l) => l.split(',')[0]), ['month', '2015-01', '2015-02', '2015-03', '2015-04', '2015-05', '2015-06']);
    for (const l of lines.slice(1)) {
      const v = Number(l.split(',')[1]);
      assert.ok(v > 50 && v < 150, `forecast ${l}`);
    }
    const toStdout = await recur(['forecast', '--model', 'model.recur', '--data', 'series.csv', '--steps', '2']);
    assert.match(toStdout.stdout, /^month,value\n2015-01,[\d.]+\n2015-02,[\d.]+\n$/);
  });

  test('export --onnx writes an ONNX model', async () => {
    const r = await recur(['export', 'model.recur', '--onnx', 'model.onnx']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /input float \[B, T, 1\], lengths int32 \[B\]/);
    const bytes = readFileSync(at('model.onnx'));
    assert.ok(bytes.length > 4000);
    assert.equal(bytes[0], 0x08, 'ModelProto field 1 (ir_version) first');
    assert.ok(bytes.includes(Buffer.from('LSTM')));
  });
});

describe('sequences, text and demos', () => {
  test('sequences: --group-by and --label train a classifier; predict gives a class and probabilities per sequence', async () => {
    // 30 entities whose values rise ("up") or fall ("down"), 3 to 7 rows each, in shuffled file order.
    const rows: string[] = [];
    for (let g = 0; g < 30; g++) {
      const n = 3 + (g % 5);
      for (let t = 0; t < n; t++) rows.push(`e${g},${t},${((g % 2 === 0 ? 1 : -1) * t * 0.5 + ((g * 7 + t * 3) % 5) * 0.1).toFixed(2)},${g % 2 === 0 ? 'up' : 'down'}`);
    }
    rows.sort((a, b) => ((a.length * 31 + a.charCodeAt(1)) % 17) - ((b.length * 31 + b.charCodeAt(1)) % 17));
    writeFileSync(at('entities.csv'), `entity,step,x,trend\n${rows.join('\n')}\n`);
    const r = await recur(['train', '--data', 'entities.csv', '--group-by', 'entity', '--sort-by', 'step', '--label', 'trend', '--hidden', '8', '--epochs', '2', '--out', 'entities.recur', '--report', 'entities.html']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /labels \(trend, per sequence\): down 1\d, up \d+ in the training part/);
    assert.match(r.stdout, /^ {2}majority \((up|down)\)\s+[\d.]+%/m);
    assert.match(readFileSync(at('entities.html'), 'utf8'), /Confusion matrix/);
    const p = await recur(['predict', '--model', 'entities.recur', '--data', 'entities.csv']);
    const lines = p.stdout.trimEnd().split('\n');
    assert.equal(lines[0], 'entity,predicted,p_down,p_up');
    assert.equal(lines.length, 31);
    for (const l of lines.slice(1)) {
      const [, cls, pd, pu] = l.split(',');
      assert.ok(cls === 'up' || cls === 'down', l);
      assert.ok(Math.abs(Number(pd) + Number(pu) - 1) < 1e-5, l);
    }
  });

  test('text: --text trains a character language model; generate continues a prompt with known characters', async () => {
    writeFileSync(at('text.txt'), 'the cat sat on the mat. the dog sat on the log. '.repeat(40));
    const r = await recur(['train', '--text', 'text.txt', '--window', '32', '--hidden', '16', '--embedding', '8', '--epochs', '1', '--out', 'text.recur', '--no-report']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /vocabulary 1\d \(with 4 specials\)/);
    assert.match(r.stdout, /^ {2}unigram \(character frequencies\)\s+[\d.]+$/m);
    const g = await recur(['generate', '--model', 'text.recur', '--prompt', 'the ', '--length', '40', '--seed', '3']);
    assert.equal(g.code, 0, g.stderr);
    // Characters of the training text only (a special token sampled by the barely trained model is left out).
    assert.match(g.stdout, /^the [a-z .]{30,40}\n$/);
  });

  test('demo runs the registry\'s demo and writes its report', async () => {
    const r = await recur(['demo', 'sunspots', '--quick', '--out-dir', 'reports']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /persistence/);
    assert.ok(existsSync(at(join('reports', 'sunspots-report.html'))));
  });
});

describe('Ctrl-C and --resume', () => {
  test('Ctrl-C during training saves, says how to resume and exits 130; --resume continues', async () => {
    let sent = false;
    const r = await recur([...TRAIN, '--epochs', '500', '--out', 'interrupted.recur', '--no-report'], (out, child) => {
      if (!sent && /^epoch 1\/500 /m.test(out)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /Ctrl-C: finishing the current step and saving/);
    assert.match(r.stdout, /interrupted: interrupted\.recur holds the run so far; continue it with:\n {2}recur train .* --resume\n$/);
    const info = await recur(['info', 'interrupted.recur']);
    const done = /training: (\d+) of 500 epochs/.exec(info.stdout);
    assert.ok(done !== null, info.stdout);
    const resumed = await recur([...TRAIN, '--epochs', String(Number(done[1]) + 1), '--out', 'interrupted.recur', '--no-report', '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /resuming interrupted\.recur/);
    assert.match(resumed.stdout, /model written to interrupted\.recur/);
    assert.ok(!existsSync(at('interrupted.html')));
  });
});

describe('user errors: one line, what to fix, the right exit status, no stack trace', { concurrency: 4 }, () => {
  const cases: { name: string; args: string[]; code: number; message: RegExp }[] = [
    // usage (2)
    { name: 'missing required flag', args: ['train', '--data', 'series.csv', '--target', 'value'], code: 2, message: /required option '--out <file\.recur>' not specified \(see 'recur train --help'\)/ },
    { name: 'missing data flag', args: ['train', '--target', 'value', '--out', 'x.recur'], code: 2, message: /missing --data <file\.csv> .* or --text <file\.txt>/ },
    { name: 'missing --target for a series', args: ['train', '--data', 'series.csv', '--out', 'x.recur'], code: 2, message: /missing --target <column>/ },
    { name: 'malformed number', args: [...TRAIN, '--epochs', 'ten', '--out', 'x.recur'], code: 2, message: /'--epochs <n>' argument 'ten' is invalid\. expected a positive integer/ },
    { name: 'unknown option', args: [...TRAIN, '--hiden', '8', '--out', 'x.recur'], code: 2, message: /unknown option '--hiden' \(Did you mean --hidden\?\)/ },
    { name: 'unknown command', args: ['trian'], code: 2, message: /unknown command 'trian' \(Did you mean train\?\)/ },
    { name: '--data and --text together', args: ['train', '--data', 'series.csv', '--text', 'a.txt', '--out', 'x.recur'], code: 2, message: /give --data <file\.csv> or --text <file\.txt>, not both/ },
    { name: 'a flag for another kind of data', args: [...TRAIN, '--embedding', '8', '--out', 'x.recur'], code: 2, message: /--embedding applies to text \(--text\), not to a time series/ },
    { name: 'a task the data cannot train', args: [...TRAIN, '--task', 'classify', '--out', 'x.recur'], code: 2, message: /--task classify does not fit a time series .* use --data with --group-by and --label/ },
    { name: '--resume without a model file', args: [...TRAIN, '--out', 'none.recur', '--resume'], code: 2, message: /--resume: there is no none\.recur to continue/ },
    { name: 'generate with a forecaster', args: ['generate', '--model', 'model.recur'], code: 2, message: /model\.recur is not a language model/ },
    { name: '--text for a CSV model', args: ['eval', '--model', 'model.recur', '--text', 'a.txt'], code: 2, message: /model\.recur reads CSV data; give it with --data, not --text/ },
    { name: 'unknown demo', args: ['demo', 'nosuch'], code: 2, message: /unknown demo 'nosuch'; the demos are sunspots/ },
    // failures (1)
    { name: 'missing data file', args: [...withFlag(TRAIN, '--data', 'nope.csv'), '--out', 'x.recur'], code: 1, message: /--data nope\.csv: no such file \(looked at .*nope\.csv\)/ },
    { name: 'unknown column lists the columns', args: ['train', '--data', 'series.csv', '--target', 'valeu', '--out', 'x.recur'], code: 1, message: /--target: series\.csv has no column "valeu"; its columns are "month", "value", "aux"/ },
    { name: 'bad spec key lists the allowed keys', args: [...TRAIN, '--spec', 'bad-key.json', '--out', 'x.recur'], code: 1, message: /--spec bad-key\.json: .*unknown key 'hiden' \(allowed: task, cell, hiddenSize, numLayers, / },
    { name: 'spec file that is not JSON', args: [...TRAIN, '--spec', 'not-json.json', '--out', 'x.recur'], code: 1, message: /--spec not-json\.json: not valid JSON/ },
    { name: 'spec size that contradicts the data', args: [...TRAIN, '--spec', 'wrong-size.json', '--out', 'x.recur'], code: 1, message: /"inputSize" is 3, but --inputs \(value\) gives 1/ },
    { name: 'missing values without a policy', args: ['train', '--data', 'gaps.csv', '--target', 'v', '--out', 'x.recur'], code: 1, message: /missing values: column "v" has 1, the first at line 32 .* --missing drop\|ffill\|mean\|<number>/ },
    { name: 'a window longer than the training part', args: [...TRAIN, '--window', '200', '--out', 'x.recur'], code: 1, message: /the training part of series\.csv .* holds no window of --window 200 steps/ },
    { name: 'output folder that does not exist', args: [...TRAIN, '--out', 'no/such/x.recur'], code: 1, message: /--out no\/such\/x\.recur: the folder .* does not exist/ },
    { name: 'a sequence label that changes within a sequence', args: ['train', '--data', 'groups.csv', '--group-by', 'id', '--label', 'label', '--out', 'x.recur'], code: 1, message: /group "a" has labels "p" and "q" \(line 3\).* --task tag/ },
    { name: 'model file not found', args: ['info', 'missing.recur'], code: 1, message: /no checkpoint at 'missing\.recur': file not found/ },
    { name: 'truncated model file', args: ['info', 'truncated.recur'], code: 1, message: /'truncated\.recur' is truncated/ },
    { name: 'corrupted model file', args: ['eval', '--model', 'corrupted.recur', '--data', 'series.csv'], code: 1, message: /'corrupted\.recur' is corrupted: checksum mismatch/ },
    { name: 'foreign model file', args: ['predict', '--model', 'series.csv', '--data', 'series.csv'], code: 1, message: /'series\.csv' is not a recur checkpoint: it looks like a text file/ },
    { name: 'a checkpoint without data preparation', args: ['predict', '--model', 'bare.recur', '--data', 'series.csv'], code: 1, message: /bare\.recur holds no data preparation .* train it with 'recur train'/ },
    { name: 'data without the model\'s columns', args: ['eval', '--model', 'model.recur', '--data', 'other.csv'], code: 1, message: /other\.csv has no column "value"; .* --inputs; the file's columns are "a", "b"/ },
    { name: 'wrong feature count for the model', args: ['predict', '--model', 'model.recur', '--data', 'other.csv', '--inputs', 'a,b'], code: 1, message: /--inputs names 2 columns \(a, b\), but model\.recur reads 1 per step \(value\); name exactly 1/ },
    { name: 'forecast past the horizon with inputs the model does not predict', args: ['forecast', '--model', 'two-inputs.recur', '--data', 'series.csv', '--steps', '3'], code: 1, message: /forecasts 1 step at once and reads aux, which it does not predict.* --steps 1 or less/ },
  ];

  before(async () => {
    // Damaged copies of the session's model, a checkpoint saved by the library alone, and a model
    // that reads a column it does not predict.
    const good = readFileSync(at('model.recur'));
    writeFileSync(at('truncated.recur'), good.subarray(0, 3000));
    const bad = Buffer.from(good);
    bad[bad.length - 100] ^= 0xff;
    writeFileSync(at('corrupted.recur'), bad);
    const bare = buildModel({ task: 'forecast', cell: 'gru', inputSize: 1, hiddenSize: 4, outputSize: 1, horizon: 1 });
    saveCheckpoint(at('bare.recur'), { spec: JSON.parse(JSON.stringify(bare.spec)), weights: bare.stateDict() });
    const r = await recur([...TRAIN, '--inputs', 'value,aux', '--epochs', '1', '--out', 'two-inputs.recur', '--no-report']);
    assert.equal(r.code, 0, r.stderr);
  });

  for (const c of cases) {
    test(c.name, async () => assertUserError(await recur(c.args), c.code, c.message));
  }

  test('--resume with a different flag names it (and exit 2)', async () => {
    const r = await recur([...withFlag(TRAIN, '--hidden', '8'), '--epochs', '9', '--out', 'model.recur', '--resume']);
    assertUserError(r, 2, /--resume: model\.recur was trained with a different --hidden \(16, now 8\); use the flags it was trained with \(only --epochs may change\)/);
  });
});

describe('errors that are bugs', () => {
  test('an internal error is reported with its stack and a request to report it', () => {
    const f = describeFailure(new TypeError('x is undefined'));
    assert.equal(f.exitCode, 1);
    assert.match(f.line, /^recur: internal error: x is undefined\. This is a bug in recur; please report it/);
    assert.match(f.stack ?? '', /TypeError: x is undefined\n\s+at /);
    const user = describeFailure(new CliError('--data a.csv: no such file'));
    assert.deepEqual(user, { line: 'recur: --data a.csv: no such file', exitCode: 1, stack: null });
  });
});
