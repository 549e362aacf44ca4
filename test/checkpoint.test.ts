// Checkpoints (src/io/checkpoint*.ts): bit-exact round trip of weights, Adam state, generators and
// opaque JSON; an identical next training step after restoring; atomic writes under SIGKILL of a
// child process; typed errors for missing, truncated, corrupted, foreign and newer files.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CheckpointError,
  captureRng,
  decodeCheckpoint,
  encodeCheckpoint,
  loadCheckpoint,
  restoreRng,
  saveCheckpoint,
  type Checkpoint,
  type CheckpointErrorCode,
} from '../src/io/checkpoint.ts';
import { crc32 } from '../src/io/crc32.ts';
import { saveSafetensors } from '../src/io/safetensors.ts';
import { LSTM } from '../src/layers/recurrent.ts';
import { Adam, SGD } from '../src/optim/index.ts';
import { randn } from '../src/tensor/create.ts';
import { Rng, defaultRng, manualSeed, type RngState } from '../src/tensor/rng.ts';
import { Tensor } from '../src/tensor/tensor.ts';
import { makeVersion } from './helpers/checkpoint-versions.ts';

const dir = mkdtempSync(join(tmpdir(), 'recur-ckpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Bit patterns, so NaN payloads and -0 compare exactly. */
function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function assertSameBits(actual: Float32Array | null, expected: Float32Array | null, what: string): void {
  if (expected === null || actual === null) {
    assert.equal(actual, expected, `${what}: null mismatch`);
    return;
  }
  assert.deepEqual(bits(actual), bits(expected), `${what}: bits differ`);
}

function assertCheckpointError(fn: () => unknown, code: CheckpointErrorCode, message: RegExp): CheckpointError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof CheckpointError, `expected a CheckpointError, got ${String(caught)}`);
  assert.equal(caught.code, code, `code of: ${caught.message}`);
  assert.match(caught.message, message);
  return caught;
}

/** A tiny 2-layer LSTM with dropout (so its generator matters) and an Adam with amsgrad. */
function tinyRun(seed: number): { lstm: LSTM; opt: Adam } {
  const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, dropout: 0.5, seed });
  const opt = new Adam(lstm.parameters(), { lr: 0.01, amsgrad: true, weightDecay: 0.001 });
  return { lstm, opt };
}

/** One training step on a batch drawn from the default generator. */
function trainStep(lstm: LSTM, opt: Adam): void {
  const x = randn([2, 5, 3]);
  const { output } = lstm.forward(x);
  output.pow(2).mean().backward();
  opt.step();
  opt.zeroGrad();
}

// ---------------------------------------------------------------------------------------------
// CRC-32

test('crc32 matches the standard check values and a bitwise reference at any alignment', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  const reference = (b: Uint8Array): number => {
    let c = 0xffffffff;
    for (const byte of b) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return ~c >>> 0;
  };
  const rng = new Rng(7);
  const buf = new Uint8Array(1000);
  for (let i = 0; i < buf.length; i++) buf[i] = rng.int(256);
  for (const [start, end] of [[0, 1000], [1, 998], [3, 20], [5, 5], [2, 9]]) {
    const s = buf.subarray(start, end);
    assert.equal(crc32(s), reference(s), `bytes [${start}, ${end})`);
    const mid = Math.floor((start + end) / 2) - start;
    assert.equal(crc32(s.subarray(mid), crc32(s.subarray(0, mid))), reference(s), `streamed [${start}, ${end})`);
  }
});

// ---------------------------------------------------------------------------------------------
// Round trip

test('round trip: weights, Adam state, generators and opaque JSON come back bit for bit', () => {
  manualSeed(11);
  const { lstm, opt } = tinyRun(3);
  trainStep(lstm, opt);
  trainStep(lstm, opt);
  const weights = lstm.stateDict();
  // Special values: NaN with a payload, -0, ±Infinity, the smallest subnormal.
  const special = new Float32Array(5);
  bits(special).set([0x7fc00123, 0x80000000, 0x7f800000, 0xff800000, 0x00000001]);
  weights.special = new Tensor(special, [5]);
  weights['__proto__'] = new Tensor(new Float32Array([1, 2]), [1, 2]);
  const ckpt: Checkpoint = {
    spec: { kind: 'lstm', sizes: [3, 4], dropout: 0.5, name: 'wörld ✓', nested: { deep: [null, true, -1.5e-300] } },
    weights,
    optimizer: opt.stateDict(),
    rng: captureRng(lstm, { loader: new Rng(99) }),
    data: { scaler: { mean: [0.1, 0.2], std: [1, 2] }, vocab: ['<pad>', '<unk>', 'é', '"quoted"'] },
    training: { epoch: 2, step: 40, history: [{ loss: 0.5, acc: 0.25 }] },
  };
  const bytes = encodeCheckpoint(ckpt);
  assert.deepEqual(encodeCheckpoint(ckpt), bytes, 'encoding is deterministic');
  const back = decodeCheckpoint(bytes);

  assert.deepEqual(Object.keys(back.weights).sort(), Object.keys(weights).sort());
  for (const [name, t] of Object.entries(weights)) {
    assert.deepEqual(back.weights[name].shape, t.shape, name);
    assertSameBits(back.weights[name].data, t.data, `weight ${name}`);
  }
  const saved = ckpt.optimizer;
  const restored = back.optimizer;
  assert.ok(saved !== undefined && restored !== undefined && restored.kind === 'adam' && saved.kind === 'adam');
  assert.deepEqual(restored.options, saved.options);
  assert.deepEqual(restored.steps, [2, 2, 2, 2, 2, 2, 2, 2]);
  for (const slot of ['expAvg', 'expAvgSq', 'maxExpAvgSq'] as const) {
    saved.buffers[slot].forEach((b, i) => assertSameBits(restored.buffers[slot][i], b, `${slot}[${i}]`));
  }
  assert.deepEqual(back.rng, ckpt.rng);
  assert.deepEqual(Object.keys(back.rng?.modules ?? {}), ['rng'], 'the LSTM registers its generator as "rng"');
  assert.deepEqual(back.spec, ckpt.spec);
  assert.deepEqual(back.data, ckpt.data);
  assert.deepEqual(back.training, ckpt.training);
});

test('optional parts stay absent, and null buffers of never-stepped parameters stay null', () => {
  const p0 = new Tensor(new Float32Array([1, 2]), [2], true);
  const p1 = new Tensor(new Float32Array([3]), [1], true);
  const opt = new SGD([p0, p1], { lr: 0.1, momentum: 0.9 });
  p0.grad = new Tensor(new Float32Array([0.5, -0.5]), [2]);
  opt.step(); // p1 has no grad: no momentum buffer
  const back = decodeCheckpoint(encodeCheckpoint({ spec: null, weights: { p0, p1 }, optimizer: opt.stateDict() }));
  assert.deepEqual(Object.keys(back).sort(), ['optimizer', 'spec', 'weights']);
  assert.equal(back.spec, null);
  assert.ok(back.optimizer?.kind === 'sgd');
  assert.deepEqual(back.optimizer.steps, [1, 0]);
  assert.equal(back.optimizer.buffers.momentum[1], null);
  assertSameBits(back.optimizer.buffers.momentum[0], new Float32Array([0.5, -0.5]), 'momentum[0]');
  const bare = decodeCheckpoint(encodeCheckpoint({ spec: 'x', weights: {} }));
  assert.deepEqual(bare, { spec: 'x', weights: {} });
});

test('restoring weights, Adam state and generators gives the identical next step', () => {
  manualSeed(5);
  const a = tinyRun(1);
  for (let s = 0; s < 3; s++) trainStep(a.lstm, a.opt);
  saveCheckpoint(join(dir, 'resume.recur'), {
    spec: null,
    weights: a.lstm.stateDict(),
    optimizer: a.opt.stateDict(),
    rng: captureRng(a.lstm),
  });
  trainStep(a.lstm, a.opt); // step 4, uninterrupted
  const expected = a.lstm.stateDict();

  const resume = (restoreGenerators: boolean): Record<string, Tensor> => {
    manualSeed(12345); // a fresh process: other global state
    const b = tinyRun(2); // other initial weights and dropout generator
    const ckpt = loadCheckpoint(join(dir, 'resume.recur'));
    b.lstm.loadStateDict(ckpt.weights);
    assert.ok(ckpt.optimizer !== undefined && ckpt.rng !== undefined);
    b.opt.loadStateDict(ckpt.optimizer);
    if (restoreGenerators) restoreRng(ckpt.rng, b.lstm);
    trainStep(b.lstm, b.opt);
    return b.lstm.stateDict();
  };
  const got = resume(true);
  for (const [name, t] of Object.entries(expected)) assertSameBits(got[name].data, t.data, `after resumed step: ${name}`);

  // The comparison can fail: without the generators the batch and dropout masks differ.
  const without = resume(false);
  assert.ok(
    Object.entries(expected).some(([name, t]) => t.data.some((v, i) => v !== without[name].data[i])),
    'a resume without generator states should differ',
  );
});

test('restoreRng sets the default, module and extra generators and names a missing one', () => {
  manualSeed(1);
  const loader = new Rng(4);
  const lstm = new LSTM({ inputSize: 2, hiddenSize: 2, numLayers: 2, dropout: 0.5, seed: 8 });
  const states = (): [RngState, RngState, Record<string, RngState>] => [defaultRng().getState(), loader.getState(), lstm.rngStates()];
  const saved = captureRng(lstm, { loader });
  const before = states();
  defaultRng().nextU32();
  loader.nextU32();
  lstm.forward(randn([1, 3, 2], { rng: new Rng(0) })); // dropout between the layers draws from the LSTM's generator
  const moved = states();
  before.forEach((s, i) => assert.notDeepEqual(moved[i], s, `generator ${i} should have moved`));
  restoreRng(saved, lstm, { loader });
  assert.deepEqual(states(), before);
  assertCheckpointError(() => restoreRng(saved, lstm, { shuffle: new Rng(1) }), 'invalid', /no saved state for generator "shuffle" \(saved: loader\)/);
});

test('encoding refuses what JSON cannot bring back, naming where it is', () => {
  const w = { w: new Tensor(new Float32Array([1]), [1]) };
  assertCheckpointError(
    () => encodeCheckpoint({ spec: null, weights: w, training: { history: [{ loss: 1 }, { loss: NaN }] } }),
    'invalid',
    /training\.history\[1\]\.loss is NaN/,
  );
  const bad: unknown = { created: new Date(0) };
  assertCheckpointError(() => encodeCheckpoint({ spec: bad as null, weights: w }), 'invalid', /spec\.created is a Date.*toISOString/);
  const notTensor: unknown = { w: [1, 2] };
  assertCheckpointError(() => encodeCheckpoint({ spec: null, weights: notTensor as Record<string, Tensor> }), 'invalid', /weights\["w"\] is not a Tensor/);
});

// ---------------------------------------------------------------------------------------------
// Atomic writes under SIGKILL

type KillMoment = 'after a delay' | 'while a temp file exists' | 'when the target changes';

/** A started writer process (test/helpers/checkpoint-writer.ts), waiting for its go-ahead. */
interface Writer {
  child: ChildProcessByStdio<Writable, Readable, null>;
  ready: Promise<void>;
  /** Resolves at the writer's first completed save. */
  firstSave: Promise<void>;
  closed: Promise<void>;
  lastSaved: () => number;
}

function startWriter(target: string): Writer {
  const helper = new URL('./helpers/checkpoint-writer.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', helper, target], { stdio: ['pipe', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  let lastSaved = 0;
  let text = '';
  // 'close', not 'exit': every line the child printed has been read by then.
  const closed = new Promise<void>((res) => child.on('close', () => res()));
  const early = (what: string) => (res: () => void, rej: (e: Error) => void): void => {
    child.stdout.on('data', () => (text.includes(what) ? res() : undefined));
    child.on('close', (code) => rej(new Error(`the writer exited (code ${code}) before "${what}"`)));
  };
  child.stdout.on('data', (chunk: string) => {
    text += chunk;
    for (const m of chunk.matchAll(/saved (\d+)/g)) lastSaved = Math.max(lastSaved, Number(m[1]));
  });
  return {
    child,
    ready: new Promise(early('ready')),
    firstSave: new Promise(early('saved 1')),
    closed,
    lastSaved: () => lastSaved,
  };
}

/**
 * Let a writer save, kill it with SIGKILL at a seeded moment of the given kind, then check the
 * target is one complete version: the last one the writer reported, or the one it was renaming
 * into place. Returns a line for the test's diagnostics.
 */
async function killRound(w: Writer, target: string, moment: KillMoment, rng: Rng): Promise<string> {
  await w.ready;
  w.child.stdin.write('go\n');
  await w.firstSave;
  const tempOfWriter = (): boolean => readdirSync(dirname(target)).some((n) => n.startsWith(`${basename(target)}.tmp-${w.child.pid}-`));
  const t0 = Date.now();
  if (moment === 'after a delay') {
    await sleep(rng.int(250));
  } else if (moment === 'while a temp file exists') {
    while (!tempOfWriter() && Date.now() - t0 < 2000) await sleep(1);
    await sleep(rng.int(15));
  } else {
    // Poll as fast as possible: a writer that modified the file in place would be caught half done.
    const stamp = (): string => {
      const st = statSync(target, { bigint: true });
      return `${st.ino}:${st.size}:${st.mtimeNs}`;
    };
    const first = stamp();
    while (stamp() === first && Date.now() - t0 < 2000) await new Promise((res) => setImmediate(res));
  }
  w.child.kill('SIGKILL');
  await w.closed;
  const midWrite = tempOfWriter();

  const saved = w.lastSaved();
  const k = (loadCheckpoint(target).training as { version: number }).version;
  assert.ok(k === saved || k === saved + 1, `killed ${moment}: file holds version ${k}, the writer reported ${saved} saved`);
  assert.ok(Buffer.from(readFileSync(target)).equals(encodeCheckpoint(makeVersion(k))), `killed ${moment}: bytes of version ${k}`);
  return `killed ${moment} after ${saved} saves${midWrite ? ' (a temp file was left)' : ''}: file holds version ${k}`;
}

test('a writer killed at random moments always leaves a complete, loadable checkpoint', async (t) => {
  const target = join(mkdtempSync(join(dir, 'kill-')), 'model.recur');
  const rng = new Rng(2024);
  const moments: KillMoment[] = ['after a delay', 'while a temp file exists', 'when the target changes'];
  const ROUNDS = 6; // two of each kind of moment
  let next = startWriter(target);
  let leftTemp = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const w = next;
      if (round + 1 < ROUNDS) next = startWriter(target); // starts up while this round runs
      const line = await killRound(w, target, moments[round % 3], rng);
      if (line.includes('temp file was left')) leftTemp++;
      t.diagnostic(`round ${round}: ${line}`);
    }
  } finally {
    next.child.kill('SIGKILL');
  }
  assert.ok(leftTemp >= 1, 'no kill landed inside a write');

  // The next save removes the temp files of the dead writers and keeps the target whole.
  saveCheckpoint(target, { spec: 'final', weights: {} });
  assert.deepEqual(readdirSync(dirname(target)), ['model.recur']);
  assert.equal(loadCheckpoint(target).spec, 'final');
});

function sleep(ms: number): Promise<void> {
  return new Promise((res) => setTimeout(res, ms));
}

test('stale temp files: dead writers\' are removed, live writers\' kept', async () => {
  const sub = mkdtempSync(join(dir, 'stale-'));
  const target = join(sub, 'm.recur');
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((res) => dead.on('exit', res));
  const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    const names = [`m.recur.tmp-${dead.pid}-0a1b2c3d`, `m.recur.bak.tmp-${dead.pid}-00ff00ff`, `m.recur.tmp-${live.pid}-12345678`, 'other.recur.tmp-1-00000000'];
    for (const n of names) writeFileSync(join(sub, n), 'partial');
    saveCheckpoint(target, { spec: 1, weights: {} });
    assert.deepEqual(readdirSync(sub).sort(), ['m.recur', `m.recur.tmp-${live.pid}-12345678`, 'other.recur.tmp-1-00000000'].sort());
  } finally {
    live.kill('SIGKILL');
  }
});

test('backup keeps the replaced checkpoint as .bak, and a damaged file points to it', () => {
  const target = join(dir, 'bak.recur');
  saveCheckpoint(target, { spec: 'v1', weights: {} }, { backup: true });
  assert.equal(existsSync(`${target}.bak`), false, 'nothing to back up on the first save');
  saveCheckpoint(target, { spec: 'v2', weights: {} }, { backup: true });
  saveCheckpoint(target, { spec: 'v3', weights: {} }, { backup: true });
  assert.equal(loadCheckpoint(target).spec, 'v3');
  assert.equal(loadCheckpoint(`${target}.bak`).spec, 'v2');
  const bytes = readFileSync(target);
  writeFileSync(target, bytes.subarray(0, bytes.length - 3));
  assertCheckpointError(() => loadCheckpoint(target), 'truncated', /previous checkpoint is kept at '.*bak\.recur\.bak'/);
});

test('a failed save leaves the old file and no temp file', () => {
  const missing = join(dir, 'no-such-dir', 'm.recur');
  assertCheckpointError(() => saveCheckpoint(missing, { spec: 1, weights: {} }), 'io', /cannot write checkpoint .*its directory does not exist/);
  // Fail after the temp file is written: the backup cannot replace a non-empty directory.
  const sub = mkdtempSync(join(dir, 'fail-'));
  const target = join(sub, 'm.recur');
  saveCheckpoint(target, { spec: 'old', weights: {} });
  mkdirSync(`${target}.bak`);
  writeFileSync(join(`${target}.bak`, 'keep'), '');
  assertCheckpointError(() => saveCheckpoint(target, { spec: 'new', weights: {} }, { backup: true }), 'io', /previous file there \(if any\) is unchanged/);
  assert.equal(loadCheckpoint(target).spec, 'old');
  assert.deepEqual(readdirSync(sub).sort(), ['m.recur', 'm.recur.bak']);
});

// ---------------------------------------------------------------------------------------------
// Loading errors

function sample(): Uint8Array {
  manualSeed(3);
  const { lstm, opt } = tinyRun(9);
  trainStep(lstm, opt);
  return encodeCheckpoint({ spec: { kind: 'lstm' }, weights: lstm.stateDict(), optimizer: opt.stateDict(), training: { epoch: 1 } });
}

function headerEnd(bytes: Uint8Array): number {
  return 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
}

test('a missing file names its path', () => {
  const path = join(dir, 'nowhere.recur');
  assertCheckpointError(() => loadCheckpoint(path), 'not-found', new RegExp(`no checkpoint at '${path}'.*not found`));
  assertCheckpointError(() => loadCheckpoint(dir), 'io', /is a directory/);
});

test('a file cut short anywhere is reported as truncated, in the header or in the data', () => {
  const bytes = sample();
  const h = headerEnd(bytes);
  const cuts: [number, RegExp][] = [
    [0, /is empty \(0 bytes\): truncated/],
    [5, /truncated: it is 5 bytes/],
    [8, /truncated inside its header/],
    [30, /truncated inside its header/],
    [h - 1, /truncated inside its header/],
    [h, /truncated inside its tensor data/],
    [h + 13, /truncated inside its tensor data/],
    [bytes.length - 1, /truncated inside its tensor data: .* \(1 missing/],
  ];
  for (const [cut, message] of cuts) {
    assertCheckpointError(() => decodeCheckpoint(bytes.slice(0, cut), 'm.recur'), 'truncated', message);
  }
});

test('a changed byte anywhere fails the checksum', () => {
  const bytes = sample();
  const h = headerEnd(bytes);
  const headerText = new TextDecoder().decode(bytes.subarray(8, h));
  const epochDigit = 8 + headerText.indexOf('{\\"epoch\\":1}') + '{\\"epoch\\":'.length;
  assert.equal(String.fromCharCode(bytes[epochDigit]), '1');
  for (const [pos, change] of [[h + 5, 0x01], [bytes.length - 1, 0x80], [epochDigit, '1'.charCodeAt(0) ^ '7'.charCodeAt(0)]]) {
    const bad = bytes.slice();
    bad[pos] ^= change;
    assertCheckpointError(() => decodeCheckpoint(bad), 'corrupted', /checksum mismatch \(the file records crc32:[0-9a-f]{8}, its contents give crc32:[0-9a-f]{8}\)/);
  }
  const brokenJson = bytes.slice();
  brokenJson[8] = 0x7b;
  brokenJson[9] = 0x7b; // {{ ...
  assertCheckpointError(() => decodeCheckpoint(brokenJson), 'corrupted', /header is not valid JSON/);
  const longer = new Uint8Array(bytes.length + 4);
  longer.set(bytes);
  assertCheckpointError(() => decodeCheckpoint(longer), 'corrupted', /4 unexpected bytes follow the tensor data/);
});

test('foreign files say what they are', () => {
  const w = new Tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
  const cases: [Uint8Array, RegExp][] = [
    [saveSafetensors({ weight_ih_l0: w, bias: w }), /a safetensors file without recur metadata \(2 tensors: "bias", "weight_ih_l0"\) — a bare PyTorch state_dict\? Load its weights with loadSafetensors/],
    [saveSafetensors({ w }, { format: 'pt' }), /a safetensors file with format "pt", not "recur-checkpoint"/],
    [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), /looks like a PNG image/],
    [new TextEncoder().encode('{"modelTopology": {}, "weightsManifest": []}'), /looks like a JSON file \(a TensorFlow\.js model\.json\)/],
    [new TextEncoder().encode('  {"epochs": 3, "lr": 0.1}\n'), /looks like a JSON file \(an object with keys "epochs", "lr"\)/],
    [new TextEncoder().encode('date,team,goals\n2018-06-14,Russia,5\n'), /looks like a text file \(starts with "date,team,goals\\n2018/],
    [new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0]), /looks like a zip archive \(PyTorch \.pt\/\.pth/],
    [new Uint8Array([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20]), /looks like a Python pickle/],
  ];
  for (const [bytes, message] of cases) assertCheckpointError(() => decodeCheckpoint(bytes, 'x.recur'), 'foreign', message);
});

/** A checkpoint-shaped file with the given metadata, sealed with a valid checksum as the encoder does. */
function sealed(tensors: Record<string, Tensor>, metadata: Record<string, string>): Uint8Array {
  const bytes = saveSafetensors(tensors, { ...metadata, checksum: 'crc32:00000000' });
  const text = new TextDecoder().decode(bytes.subarray(0, headerEnd(bytes)));
  const at = text.indexOf('"checksum":"crc32:') + '"checksum":"crc32:'.length;
  bytes.set(new TextEncoder().encode(crc32(bytes).toString(16).padStart(8, '0')), at);
  return bytes;
}

test('a newer format version asks for a newer recur', () => {
  const bytes = sealed({}, { format: 'recur-checkpoint', version: '2', spec: 'null' });
  assertCheckpointError(() => decodeCheckpoint(bytes), 'newer-version', /newer recur \(checkpoint format version 2; this recur reads up to version 1\): upgrade recur/);
  assert.equal(decodeCheckpoint(sealed({}, { format: 'recur-checkpoint', version: '1', spec: '7' })).spec, 7, 'the sealing helper makes valid files');
});

test('well-formed files with wrong content are rejected with the field named', () => {
  const b = new Tensor(new Float32Array([0, 0]), [2]);
  const base = { format: 'recur-checkpoint', version: '1', spec: 'null' };
  const adam = (buffers: string, steps = '[1]'): string =>
    `{"kind":"adam","options":{"lr":0.1,"betas":[0.9,0.999],"eps":1e-8,"weightDecay":0,"amsgrad":false},"steps":${steps},"buffers":${buffers}}`;
  const cases: [Record<string, Tensor>, Record<string, string>, RegExp][] = [
    [{ 'optim.expAvg.0': b }, { ...base, optimizer: adam('{"expAvg":["optim.expAvg.0"],"expAvgSq":["optim.nope.0"],"maxExpAvgSq":[null]}') }, /buffers\.expAvgSq\[0\] is "optim\.nope\.0"/],
    [{}, { ...base, optimizer: adam('{"expAvg":[null],"expAvgSq":[null]}') }, /optimizer\.buffers has missing maxExpAvgSq/],
    [{}, { ...base, optimizer: adam('{"expAvg":[null],"expAvgSq":[null],"maxExpAvgSq":[null]}', '[-1]') }, /steps is \[-1\]/],
    [{}, { ...base, optimizer: '{"kind":"lbfgs"}' }, /kind is "lbfgs", expected one of "sgd", "adam", "adamw", "rmsprop"/],
    [{}, { ...base, rng: '{"global":{"s":[1,2,3]}}' }, /metadata "rng" is malformed: global is \{"s":\[1,2,3\]\}, expected \{"s": \[four uint32 words\]\}/],
    [{ stray: b }, base, /tensors "stray" belong to nothing/],
    [{}, { format: 'recur-checkpoint', version: '1' }, /metadata "spec" is missing/],
  ];
  for (const [tensors, metadata, message] of cases) assertCheckpointError(() => decodeCheckpoint(sealed(tensors, metadata)), 'invalid', message);
});
