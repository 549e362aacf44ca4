import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Tensor } from '../src/tensor/tensor.ts';
import { loadSafetensors, readSafetensors, saveSafetensors, SafetensorsError } from '../src/io/safetensors.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');

// ---------------------------------------------------------------------------------------------
// helpers

/** A safetensors file from a header (serialised as given, no padding unless `pad`) and data bytes. */
function file(header: unknown, data: ArrayLike<number> = [], pad = 0): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header) + ' '.repeat(pad));
  return rawFile(json, data);
}

/** A file from raw header bytes (may be invalid JSON) and data bytes. */
function rawFile(header: Uint8Array | string, data: ArrayLike<number> = []): Uint8Array {
  const h = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** Little-endian bytes of typed values. */
function le(values: ArrayLike<number>, kind: 'u16' | 'f32' | 'f64' | 'i32'): number[] {
  const size = { u16: 2, f32: 4, f64: 8, i32: 4 }[kind];
  const v = new DataView(new ArrayBuffer(size * values.length));
  for (let i = 0; i < values.length; i++) {
    if (kind === 'u16') v.setUint16(2 * i, values[i], true);
    else if (kind === 'f32') v.setFloat32(4 * i, values[i], true);
    else if (kind === 'f64') v.setFloat64(8 * i, values[i], true);
    else v.setInt32(4 * i, values[i], true);
  }
  return [...new Uint8Array(v.buffer)];
}

function le64(values: readonly bigint[], signed: boolean): number[] {
  const v = new DataView(new ArrayBuffer(8 * values.length));
  values.forEach((x, i) => (signed ? v.setBigInt64(8 * i, x, true) : v.setBigUint64(8 * i, x, true)));
  return [...new Uint8Array(v.buffer)];
}

/** Decode one tensor of `dtype` from its raw bytes. */
function decodeOne(dtype: string, shape: number[], data: number[]): Float32Array {
  const t = loadSafetensors(file({ x: { dtype, shape, data_offsets: [0, data.length] } }, data));
  assert.deepEqual(t.x.shape, shape);
  return t.x.data;
}

function throwsSafetensors(bytes: Uint8Array, ...fragments: string[]): void {
  assert.throws(
    () => readSafetensors(bytes),
    (e: unknown) => {
      assert.ok(e instanceof SafetensorsError, `expected SafetensorsError, got ${String(e)}`);
      assert.equal(e.name, 'SafetensorsError');
      assert.ok(e.message.startsWith('safetensors: '), e.message);
      for (const f of fragments) assert.ok(e.message.includes(f), `"${e.message}" should contain "${f}"`);
      return true;
    },
  );
}

function bitsOf(t: Tensor): number[] {
  return [...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength)];
}

// ---------------------------------------------------------------------------------------------
// writing and round trips

test('writes a hand-computed file byte for byte', () => {
  const bytes = saveSafetensors(
    { b: new Tensor(new Float32Array([1, -2]), [2]), a: new Tensor(new Float32Array([0.5]), []) },
    { k: 'v' },
  );
  const header =
    '{"__metadata__":{"k":"v"},' +
    '"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},' +
    '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}' +
    '    '; // 132 bytes of JSON + 4 spaces = 136, a multiple of 8
  const expected = [
    0x88, 0, 0, 0, 0, 0, 0, 0, // 136, little-endian u64
    ...new TextEncoder().encode(header),
    0x00, 0x00, 0x00, 0x3f, // a = 0.5
    0x00, 0x00, 0x80, 0x3f, // b[0] = 1
    0x00, 0x00, 0x00, 0xc0, // b[1] = -2
  ];
  assert.equal(bytes.length, 156);
  assert.deepEqual([...bytes], expected);
});

test('round trip keeps names, shapes (0-d, empty dims), bit patterns and metadata', () => {
  const special = new Float32Array([0, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, -1.5]);
  const tensors: Record<string, Tensor> = {
    scalar: new Tensor(new Float32Array([3.25]), []),
    empty: new Tensor(new Float32Array(0), [0]),
    emptyInner: new Tensor(new Float32Array(0), [2, 0, 3]),
    'weight_ih_l0': new Tensor(Float32Array.from({ length: 12 }, (_, i) => i / 7 - 0.8), [4, 3]),
    special: new Tensor(special, [2, 4]),
    'naïve.ü': new Tensor(new Float32Array([7]), [1]),
  };
  const metadata = { format: 'pt', inputSize: '3', note: 'ünïcode ✓', empty: '' };
  const bytes = saveSafetensors(tensors, metadata);

  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true)))));
  assert.equal(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8, 0);
  assert.deepEqual(header.empty.data_offsets, [0, 0]);

  const back = readSafetensors(bytes);
  assert.deepEqual(back.metadata, metadata);
  assert.deepEqual(Object.keys(back.tensors).sort(), Object.keys(tensors).sort());
  for (const [name, t] of Object.entries(tensors)) {
    assert.deepEqual(back.tensors[name].shape, t.shape, name);
    assert.deepEqual(bitsOf(back.tensors[name]), bitsOf(t), name);
  }
  assert.equal(back.tensors.scalar.item(), 3.25);
  assert.ok(Object.is(back.tensors.special.data[1], -0));
});

test('saving without metadata omits __metadata__ and reads back as {}', () => {
  const bytes = saveSafetensors({ x: new Tensor(new Float32Array([1]), [1]) });
  assert.ok(!new TextDecoder().decode(bytes).includes('__metadata__'));
  assert.deepEqual(readSafetensors(bytes).metadata, {});
  assert.deepEqual([...saveSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d, 32, 32, 32, 32, 32, 32]);
  assert.deepEqual(readSafetensors(saveSafetensors({})), { tensors: {}, metadata: {} });
});

test('layout follows code point order, including integer-like names; output is deterministic', () => {
  const t = (v: number) => new Tensor(new Float32Array([v]), [1]);
  const a = saveSafetensors({ '2': t(2), b: t(3), '10': t(1), B: t(4), '😀': t(5), '\uffff': t(6) }, { z: '1', a: '2' });
  const b = saveSafetensors({ '😀': t(5), '\uffff': t(6), B: t(4), b: t(3), '10': t(1), '2': t(2) }, { a: '2', z: '1' });
  assert.deepEqual([...a], [...b]);
  const n = Number(new DataView(a.buffer).getBigUint64(0, true));
  const text = new TextDecoder().decode(a.subarray(8, 8 + n));
  // Keys appear in the text in layout order: "10" < "2" < "B" < "b" < U+FFFF < U+1F600 (code points;
  // JavaScript's default sort would put the emoji, a surrogate pair, before U+FFFF).
  const order = ['"10"', '"2"', '"B"', '"b"', '"\uffff"', '"😀"'].map((k) => text.indexOf(`${k}:{`));
  assert.ok(order.every((i) => i > 0));
  assert.deepEqual(order, [...order].sort((x, y) => x - y));
  assert.ok(text.indexOf('"a":"2"') < text.indexOf('"z":"1"'), 'metadata keys sorted');
  const back = loadSafetensors(a);
  assert.deepEqual(
    ['10', '2', 'B', 'b', '\uffff', '😀'].map((k) => back[k].item()),
    [1, 2, 4, 3, 6, 5],
  );
  assert.deepEqual(JSON.parse(text)['😀'].data_offsets, [20, 24]);
});

test('a tensor or metadata key named "__proto__" stays data', () => {
  const tensors = Object.fromEntries([['__proto__', new Tensor(new Float32Array([9]), [1])]]);
  const back = readSafetensors(saveSafetensors(tensors, Object.fromEntries([['__proto__', 'x']])));
  assert.ok(Object.hasOwn(back.tensors, '__proto__'));
  assert.equal(back.tensors['__proto__'].item(), 9);
  assert.equal(back.metadata['__proto__'], 'x');
  assert.equal(Object.getPrototypeOf(back.tensors), Object.prototype);
});

test('writer rejects what it cannot write', () => {
  const x = new Tensor(new Float32Array([1]), [1]);
  assert.throws(() => saveSafetensors({ __metadata__: x }), /cannot be named "__metadata__"/);
  assert.throws(
    () => saveSafetensors({ x }, { n: 3 as unknown as string }),
    /__metadata__ "n" is 3 \(number\), expected a string/,
  );
  const bad = new Tensor(new Float32Array(4), [2, 2]);
  bad.shape[0] = -2;
  bad.shape[1] = -2;
  assert.throws(() => saveSafetensors({ bad }), /tensor "bad" has shape \[-2, -2\]: dimension 0 is not a non-negative integer/);
  const short = new Tensor(new Float32Array(4), [2, 2]);
  short.shape.push(3);
  assert.throws(() => saveSafetensors({ short }), /tensor "short" has 4 elements but shape \[2, 2, 3\] needs 12/);
});

// ---------------------------------------------------------------------------------------------
// reading

test('reads a header whose tensors are not in sorted order, nor in byte order', () => {
  const bytes = file(
    {
      z: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      __metadata__: { m: '1' },
      a: { dtype: 'I32', shape: [2], data_offsets: [8, 16] },
      m: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
    },
    [...le([10], 'f32'), ...le([20], 'f32'), ...le([-3, 4], 'i32')],
  );
  const { tensors, metadata } = readSafetensors(bytes);
  assert.deepEqual(metadata, { m: '1' });
  assert.deepEqual([...tensors.z.data], [10]);
  assert.deepEqual([...tensors.m.data], [20]);
  assert.deepEqual([...tensors.a.data], [-3, 4]);
});

test('reads at any alignment: odd header length and a Uint8Array view into a larger buffer', () => {
  const data = [...le([1.5, -2.25], 'f32'), ...le([0.1], 'f64'), ...le64([-5n], true)];
  const header = {
    f: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    d: { dtype: 'F64', shape: [], data_offsets: [8, 16] },
    i: { dtype: 'I64', shape: [1], data_offsets: [16, 24] },
  };
  // Pad so that the data buffer starts at an offset of 1 mod 4 (and mod 8).
  const pad = (((1 - 8 - JSON.stringify(header).length) % 8) + 8) % 8;
  const bytes = file(header, data, pad);
  assert.equal((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 4, 1, 'data starts unaligned');
  const big = new Uint8Array(bytes.length + 7);
  big.set(bytes, 3);
  for (const input of [bytes, big.subarray(3, 3 + bytes.length)]) {
    const t = loadSafetensors(input);
    assert.deepEqual([...t.f.data], [1.5, -2.25]);
    assert.equal(t.d.data[0], Math.fround(0.1));
    assert.deepEqual(t.d.shape, []);
    assert.deepEqual([...t.i.data], [-5]);
  }
});

test('F16: normals, subnormals, zeros, infinities, NaN', () => {
  const bits = [0x3c00, 0xc000, 0x3555, 0x7bff, 0x0400, 0x03ff, 0x0001, 0x8001, 0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00];
  const v = decodeOne('F16', [13], le(bits, 'u16'));
  assert.deepEqual([...v.subarray(0, 12)], [
    1, -2, 0.333251953125, 65504, 2 ** -14, 1023 * 2 ** -24, 2 ** -24, -(2 ** -24), 0, -0, Infinity, -Infinity,
  ]);
  assert.ok(Object.is(v[9], -0));
  assert.ok(Number.isNaN(v[12]));
});

test('BF16: high half of a Float32', () => {
  const v = decodeOne('BF16', [2, 3], le([0x3f80, 0xc000, 0x4049, 0x7f80, 0x0001, 0xff80], 'u16'));
  assert.deepEqual([...v], [1, -2, 3.140625, Infinity, 2 ** -133, -Infinity]);
});

test('I64 and U64: little-endian, rounded once to Float32 (ties to even)', () => {
  const i = decodeOne(
    'I64',
    [7],
    le64([1n, -1n, 16777217n, 16777219n, -(2n ** 63n), 2n ** 53n + 1n, 2n ** 60n + 2n ** 36n + 1n], true),
  );
  // 2^60 + 2^36 + 1 is just above half an ulp (2^37) over 2^60; through a double it would
  // first lose the +1 and then tie down to 2^60.
  assert.deepEqual([...i], [1, -1, 16777216, 16777220, -(2 ** 63), 2 ** 53, 2 ** 60 + 2 ** 37]);
  const u = decodeOne('U64', [3], le64([0n, 2n ** 64n - 1n, 2n ** 63n + 2n ** 39n + 1n], false));
  assert.deepEqual([...u], [0, 2 ** 64, 2 ** 63 + 2 ** 40]);
});

test('F64 rounds to nearest Float32, overflowing to infinity', () => {
  const v = decodeOne('F64', [5], le([0.1, -1e40, 1e-50, 1 + 2 ** -24, 1 + 3 * 2 ** -24], 'f64'));
  assert.deepEqual([...v], [Math.fround(0.1), -Infinity, 0, 1, 1 + 2 ** -22]);
});

test('small integer dtypes and BOOL', () => {
  const i32 = le([-2147483648, 7], 'i32');
  const i16 = [0x00, 0x80, 0xff, 0x7f]; // -32768, 32767
  const u16 = [0xff, 0xff]; // 65535
  const u32 = [0xff, 0xff, 0xff, 0xff]; // 4294967295 -> 2^32 in Float32
  assert.deepEqual([...decodeOne('I32', [2], i32)], [-2147483648, 7]);
  assert.deepEqual([...decodeOne('I16', [2], i16)], [-32768, 32767]);
  assert.deepEqual([...decodeOne('U16', [1], u16)], [65535]);
  assert.deepEqual([...decodeOne('U32', [1], u32)], [2 ** 32]);
  assert.deepEqual([...decodeOne('I8', [3], [0x80, 0xff, 0x05])], [-128, -1, 5]);
  assert.deepEqual([...decodeOne('U8', [3], [0x80, 0xff, 0x05])], [128, 255, 5]);
  assert.deepEqual([...decodeOne('BOOL', [3], [0, 1, 0])], [0, 1, 0]);
});

// ---------------------------------------------------------------------------------------------
// PyTorch-made fixtures

test('fixtures/cells/lstm.safetensors: names, shapes from metadata, and values that satisfy the LSTM cell', () => {
  const { tensors: t, metadata } = readSafetensors(readFileSync(join(FIXTURES, 'cells', 'lstm.safetensors')));
  assert.equal(metadata.cell, 'lstm');
  const D = Number(metadata.inputSize);
  const H = Number(metadata.hiddenSize);
  const B = Number(metadata.batch);
  assert.deepEqual([D, H, B], [3, 4, 3]);
  const expected: Record<string, number[]> = {
    'param.weight_ih': [4 * H, D],
    'param.weight_hh': [4 * H, H],
    'param.bias_ih': [4 * H],
    'param.bias_hh': [4 * H],
    x: [B, D],
    h: [B, H],
    c: [B, H],
    hOut: [B, H],
    cOut: [B, H],
    gH: [B, H],
    gC: [B, H],
    'grad.weight_ih': [4 * H, D],
    'grad.weight_hh': [4 * H, H],
    'grad.bias_ih': [4 * H],
    'grad.bias_hh': [4 * H],
    'grad.x': [B, D],
    'grad.h': [B, H],
    'grad.c': [B, H],
  };
  assert.deepEqual(Object.keys(t).sort(), Object.keys(expected).sort());
  for (const [name, shape] of Object.entries(expected)) assert.deepEqual(t[name].shape, shape, name);

  // Recompute PyTorch's LSTMCell (gates i, f, g, o) from the loaded inputs: wrong decoding,
  // offsets or names would not reproduce hOut and cOut.
  const Wih = t['param.weight_ih'].data, Whh = t['param.weight_hh'].data;
  const bih = t['param.bias_ih'].data, bhh = t['param.bias_hh'].data;
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  for (let b = 0; b < B; b++) {
    const gate = (row: number) => {
      let s = bih[row] + bhh[row];
      for (let k = 0; k < D; k++) s += Wih[row * D + k] * t.x.data[b * D + k];
      for (let k = 0; k < H; k++) s += Whh[row * H + k] * t.h.data[b * H + k];
      return s;
    };
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gate(j)), f = sigmoid(gate(H + j)), g = Math.tanh(gate(2 * H + j)), o = sigmoid(gate(3 * H + j));
      const c = f * t.c.data[b * H + j] + i * g;
      assert.ok(Math.abs(c - t.cOut.data[b * H + j]) < 1e-5, `cOut[${b},${j}]`);
      assert.ok(Math.abs(o * Math.tanh(c) - t.hOut.data[b * H + j]) < 1e-5, `hOut[${b},${j}]`);
    }
  }
});

test('fixtures/rnn/lstm_l2_bi_ragged_h0.safetensors: PyTorch parameter names and shapes', () => {
  const { tensors: t, metadata } = readSafetensors(readFileSync(join(FIXTURES, 'rnn', 'lstm_l2_bi_ragged_h0.safetensors')));
  const D = Number(metadata.inputSize), H = Number(metadata.hiddenSize), L = Number(metadata.numLayers);
  const B = Number(metadata.batch), T = Number(metadata.steps);
  assert.equal(metadata.bidirectional, 'true');
  assert.deepEqual(JSON.parse(metadata.lengths), [2, 7, 1, 5, 5]);
  for (let l = 0; l < L; l++) {
    for (const sfx of ['', '_reverse']) {
      assert.deepEqual(t[`param.weight_ih_l${l}${sfx}`].shape, [4 * H, l === 0 ? D : 2 * H]);
      assert.deepEqual(t[`param.weight_hh_l${l}${sfx}`].shape, [4 * H, H]);
      assert.deepEqual(t[`param.bias_ih_l${l}${sfx}`].shape, [4 * H]);
      assert.deepEqual(t[`grad.bias_hh_l${l}${sfx}`].shape, [4 * H]);
    }
  }
  assert.deepEqual(t.input.shape, [B, T, D]);
  assert.deepEqual(t.output.shape, [B, T, 2 * H]);
  assert.deepEqual(t.hN.shape, [2 * L, B, H]);
  assert.deepEqual([...t.lengths.data], [2, 7, 1, 5, 5]);
  // Output is zero past each sample's length (sample 2 has length 1).
  assert.ok(t.output.data.subarray((2 * T + 1) * 2 * H, 3 * T * 2 * H).every((v) => v === 0));
  assert.ok(t.output.data.subarray(2 * T * 2 * H, (2 * T + 1) * 2 * H).some((v) => v !== 0));
});

test('every fixture reads, and re-saving reproduces its data buffer byte for byte', () => {
  const files: string[] = [];
  for (const dir of ['', 'cells', 'rnn']) {
    for (const f of readdirSync(join(FIXTURES, dir))) if (f.endsWith('.safetensors')) files.push(join(FIXTURES, dir, f));
  }
  assert.ok(files.length >= 70, `found ${files.length} fixtures`);
  for (const path of files) {
    const original = readFileSync(path);
    const { tensors, metadata } = readSafetensors(original);
    const saved = saveSafetensors(tensors, metadata);
    const n0 = Number(original.readBigUInt64LE(0));
    const n1 = Number(new DataView(saved.buffer).getBigUint64(0, true));
    // Same tensors, offsets and metadata; only the metadata key order may differ (we sort).
    assert.deepEqual(
      JSON.parse(new TextDecoder().decode(saved.subarray(8, 8 + n1))),
      JSON.parse(original.subarray(8, 8 + n0).toString('utf8')),
      path,
    );
    assert.ok(Buffer.from(saved.subarray(8 + n1)).equals(original.subarray(8 + n0)), path);
  }
});

// ---------------------------------------------------------------------------------------------
// malformed files: one test per error path

const ok = { dtype: 'F32', shape: [1], data_offsets: [0, 4] };
const four = [0, 0, 128, 63];

test('error: file shorter than 8 bytes', () => {
  throwsSafetensors(new Uint8Array(5), 'file is 5 bytes, too short for the 8-byte header length');
});

test('error: absurd header length is rejected before anything is allocated', () => {
  const bytes = new Uint8Array(16);
  new DataView(bytes.buffer).setBigUint64(0, 2n ** 63n, true);
  throwsSafetensors(bytes, 'header length is 9223372036854775808 bytes, more than the 100000000-byte limit');
  new DataView(bytes.buffer).setBigUint64(0, 100_000_001n, true);
  throwsSafetensors(bytes, 'header length is 100000001 bytes, more than the 100000000-byte limit');
});

test('error: header length larger than the file', () => {
  const bytes = rawFile('{}');
  new DataView(bytes.buffer).setBigUint64(0, 1000n, true);
  throwsSafetensors(bytes, 'header length is 1000 bytes but only 2 bytes follow the 8-byte length (file is 10 bytes)');
});

test('error: empty header, or one that does not start with "{"', () => {
  throwsSafetensors(rawFile(''), 'header is empty (length 0)');
  throwsSafetensors(rawFile('[1, 2]  '), 'header starts with byte "["', 'expected a JSON object starting with "{"');
  throwsSafetensors(rawFile(' {}'), 'header starts with byte " "');
});

test('error: header is not valid UTF-8', () => {
  throwsSafetensors(rawFile(new Uint8Array([0x7b, 0xff, 0x7d])), 'header is not valid UTF-8');
});

test('error: header is not valid JSON', () => {
  throwsSafetensors(rawFile('{"a": '), 'header is not valid JSON (');
  throwsSafetensors(rawFile('{} x'), 'header is not valid JSON (');
});

test('error: header entry is not an object', () => {
  throwsSafetensors(file({ w: [1, 2] }), 'tensor "w" has header entry [1,2], expected an object with "dtype", "shape" and "data_offsets"');
});

test('error: dtype missing or not a string', () => {
  throwsSafetensors(file({ w: { shape: [1], data_offsets: [0, 4] } }, four), 'tensor "w" has dtype missing, expected a string such as "F32"');
  throwsSafetensors(file({ w: { ...ok, dtype: 32 } }, four), 'tensor "w" has dtype 32, expected a string');
});

test('error: unknown dtype names it and lists the supported ones', () => {
  throwsSafetensors(
    file({ w: { ...ok, dtype: 'F8_E4M3' } }, four),
    'tensor "w" has dtype "F8_E4M3", which is not supported; supported: F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL',
  );
  throwsSafetensors(file({ w: { ...ok, dtype: 'f32' } }, four), 'dtype "f32"');
});

test('error: shape missing or not an array', () => {
  throwsSafetensors(file({ w: { dtype: 'F32', data_offsets: [0, 4] } }, four), 'tensor "w" has shape missing, expected an array of non-negative integers');
  throwsSafetensors(file({ w: { ...ok, shape: 4 } }, four), 'tensor "w" has shape 4, expected an array');
});

test('error: negative or non-integer shape dimension', () => {
  throwsSafetensors(file({ w: { ...ok, shape: [2, -1] } }, four), 'tensor "w" has shape [2,-1]: dimension 1 is -1, expected a non-negative integer');
  throwsSafetensors(file({ w: { ...ok, shape: [2.5] } }, four), 'dimension 0 is 2.5');
  throwsSafetensors(file({ w: { ...ok, shape: ['4'] } }, four), 'dimension 0 is "4"');
});

test('error: data_offsets missing or malformed', () => {
  throwsSafetensors(file({ w: { dtype: 'F32', shape: [1] } }, four), 'tensor "w" has data_offsets missing, expected [begin, end] with non-negative integers');
  throwsSafetensors(file({ w: { ...ok, data_offsets: [0] } }, four), 'tensor "w" has data_offsets [0], expected [begin, end]');
  throwsSafetensors(file({ w: { ...ok, data_offsets: [-4, 0] } }, four), 'data_offsets [-4,0]');
  throwsSafetensors(file({ w: { ...ok, data_offsets: [0, 4.5] } }, four), 'data_offsets [0,4.5]');
});

test('error: data_offsets end before begin', () => {
  throwsSafetensors(file({ w: { ...ok, data_offsets: [4, 0] } }, four), 'tensor "w" has data_offsets [4, 0]: end is before begin');
});

test('error: byte length does not match shape and dtype', () => {
  throwsSafetensors(
    file({ weight_ih_l0: { dtype: 'F32', shape: [4, 3], data_offsets: [0, 100] } }, new Uint8Array(100)),
    'tensor "weight_ih_l0" has data_offsets [0, 100] but shape [4, 3] of F32 needs 48 bytes',
  );
  throwsSafetensors(
    file({ h: { dtype: 'F16', shape: [], data_offsets: [0, 4] } }, four),
    'tensor "h" has data_offsets [0, 4] but shape [] of F16 needs 2 bytes',
  );
});

test('error: data_offsets beyond the data buffer', () => {
  throwsSafetensors(
    file({ w: { dtype: 'F32', shape: [3], data_offsets: [4, 16] } }, new Uint8Array(8)),
    'tensor "w" has data_offsets [4, 16] but the data buffer is only 8 bytes',
  );
  // A huge shape is refused by the size check without allocating anything.
  throwsSafetensors(
    file({ w: { dtype: 'F32', shape: [2 ** 40, 2 ** 20, 3], data_offsets: [0, 8] } }, new Uint8Array(8)),
    'but shape [1099511627776, 1048576, 3] of F32 needs 13835058055282163712 bytes',
  );
});

test('error: overlapping tensors', () => {
  throwsSafetensors(
    file(
      { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } },
      new Uint8Array(12),
    ),
    'tensors "a" (data_offsets [0, 8]) and "b" (data_offsets [4, 12]) overlap',
  );
  // Two names for the same bytes are an overlap too.
  throwsSafetensors(file({ a: ok, b: ok }, four), 'tensors "a" (data_offsets [0, 4]) and "b" (data_offsets [0, 4]) overlap');
});

test('error: holes in the data buffer', () => {
  throwsSafetensors(
    file(
      { a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } },
      new Uint8Array(12),
    ),
    'data buffer bytes [4, 8) belong to no tensor (hole between "a" and "b")',
  );
  throwsSafetensors(
    file({ b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)),
    'data buffer bytes [0, 4) belong to no tensor (hole at the start of the data buffer)',
  );
});

test('error: trailing bytes after the last tensor', () => {
  throwsSafetensors(file({ a: ok }, [...four, 1, 2]), 'data buffer is 6 bytes but the tensors cover only the first 4 (2 trailing bytes)');
  throwsSafetensors(file({}, [1]), 'data buffer is 1 bytes but the tensors cover only the first 0');
});

test('error: __metadata__ not an object, or a value that is not a string', () => {
  throwsSafetensors(file({ __metadata__: ['a'], a: ok }, four), '__metadata__ is ["a"], expected an object of string values');
  throwsSafetensors(file({ __metadata__: { hiddenSize: 4 }, a: ok }, four), '__metadata__ "hiddenSize" is 4 (number), expected a string');
  throwsSafetensors(file({ __metadata__: { nested: { a: '1' } } }), '__metadata__ "nested" is {"a":"1"} (object)');
  // null is what the reference reads as "no metadata"
  assert.deepEqual(readSafetensors(file({ __metadata__: null, a: ok }, four)).metadata, {});
});
