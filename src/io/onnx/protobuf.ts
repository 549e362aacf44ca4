/**
 * Protocol Buffers wire format, writer only: the handful of field kinds ONNX's messages use.
 *
 * A message is the concatenation of its fields; each field is a key (field number << 3 | wire
 * type) followed by its value:
 *
 *   wire type 0  varint            int32 / int64 / enum / bool, 7 bits a byte, low bits first;
 *                                  negative int64 / int32 as their 64-bit two's complement (10 bytes)
 *   wire type 2  length-delimited  string, bytes, a nested message, a packed repeated field
 *   wire type 5  32-bit            float, little-endian
 *
 * Fields are built as byte chunks (`Uint8Array`) and joined, nested messages first: ONNX graphs are
 * small enough that copying each level once costs nothing next to clarity, and no length has to be
 * patched in afterwards. We write our own instead of depending on protobufjs: ~100 lines cover
 * what is needed, and the library keeps no runtime dependency for a writer.
 */

export type Bytes = Uint8Array;

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

const utf8 = new TextEncoder();

/** Base-128 varint of a 64-bit integer (a negative value as its two's complement). */
export function varint(value: number | bigint): Bytes {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new Error(`protobuf: varint needs a safe integer, got ${value}`);
  }
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** Joins chunks into one buffer (a message is its fields, in order). */
export function concatBytes(chunks: readonly Bytes[]): Bytes {
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function key(field: number, wire: number): Bytes {
  return varint(field * 8 + wire);
}

/** An integer field (int32, int64 or enum). */
export function intField(field: number, value: number | bigint): Bytes {
  return concatBytes([key(field, WIRE_VARINT), varint(value)]);
}

/** A 32-bit float field. */
export function floatField(field: number, value: number): Bytes {
  const v = new Uint8Array(4);
  new DataView(v.buffer).setFloat32(0, value, true);
  return concatBytes([key(field, WIRE_I32), v]);
}

/** A bytes field, or a nested message given as its encoded bytes. */
export function bytesField(field: number, value: Bytes): Bytes {
  return concatBytes([key(field, WIRE_LEN), varint(value.length), value]);
}

/** A UTF-8 string field. */
export function stringField(field: number, value: string): Bytes {
  return bytesField(field, utf8.encode(value));
}

/** A packed repeated int64 field. */
export function packedIntField(field: number, values: readonly (number | bigint)[]): Bytes {
  return bytesField(field, concatBytes(values.map((v) => varint(v))));
}

/** A packed repeated float field. */
export function packedFloatField(field: number, values: readonly number[]): Bytes {
  const v = new Uint8Array(4 * values.length);
  const view = new DataView(v.buffer);
  values.forEach((x, i) => view.setFloat32(4 * i, x, true));
  return bytesField(field, v);
}
