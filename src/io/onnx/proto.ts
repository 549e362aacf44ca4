/**
 * ONNX's messages (onnx/onnx.proto, proto2), encoded with the writer in protobuf.ts. Only the
 * fields an inference graph of recur's layers needs; field numbers as in onnx.proto:
 *
 *   ModelProto          ir_version 1, producer_name 2, doc_string 6, graph 7,
 *                       opset_import 8, metadata_props 14
 *   OperatorSetIdProto  domain 1, version 2
 *   StringStringEntry   key 1, value 2
 *   GraphProto          node 1, name 2, initializer 5, doc_string 10, input 11, output 12
 *   NodeProto           input 1, output 2, name 3, op_type 4, attribute 5, doc_string 6
 *   AttributeProto      name 1, f 2, i 3, s 4, floats 7, ints 8, strings 9, type 20
 *   TensorProto         dims 1, data_type 2, name 8, raw_data 9 (little-endian, row-major)
 *   ValueInfoProto      name 1, type 2, doc_string 3
 *   TypeProto           tensor_type 1 → { elem_type 1, shape 2 → { dim 1 → { dim_value 1 | dim_param 2 } } }
 */
import {
  bytesField, concatBytes, floatField, intField, packedFloatField, packedIntField, stringField, type Bytes,
} from './protobuf.ts';

/** TensorProto.DataType values we use. */
export const ELEM_TYPE = { float: 1, int32: 6, int64: 7, bool: 9 } as const;
export type ElemType = keyof typeof ELEM_TYPE;

/** AttributeProto.AttributeType values. */
const ATTR_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7, strings: 8 } as const;

export type OnnxAttribute =
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'string'; value: string }
  | { name: string; kind: 'ints'; value: readonly number[] }
  | { name: string; kind: 'floats'; value: readonly number[] }
  | { name: string; kind: 'strings'; value: readonly string[] };

export interface OnnxNode {
  opType: string;
  name: string;
  /** Value names; '' stands for an optional input left out. */
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: readonly OnnxAttribute[];
}

/** A constant tensor: raw little-endian values, row-major. */
export type OnnxTensor =
  | { name: string; type: 'float'; dims: readonly number[]; data: Float32Array }
  | { name: string; type: 'int32'; dims: readonly number[]; data: Int32Array }
  | { name: string; type: 'int64'; dims: readonly number[]; data: BigInt64Array };

/** A graph input or output: element type and shape, a dimension a size or a symbolic name. */
export interface OnnxValueInfo {
  name: string;
  type: ElemType;
  dims: readonly (number | string)[];
  doc: string;
}

export interface OnnxGraph {
  name: string;
  doc: string;
  /** Topologically sorted. */
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  /** Version of the default ('ai.onnx') operator set. */
  opset: number;
  producerName: string;
  doc: string;
  metadata: Readonly<Record<string, string>>;
  graph: OnnxGraph;
}

const utf8 = new TextEncoder();

function encodeAttribute(a: OnnxAttribute): Bytes {
  const fields: Bytes[] = [stringField(1, a.name), intField(20, ATTR_TYPE[a.kind])];
  switch (a.kind) {
    case 'float':
      fields.push(floatField(2, a.value));
      break;
    case 'int':
      fields.push(intField(3, a.value));
      break;
    case 'string':
      fields.push(stringField(4, a.value));
      break;
    case 'floats':
      fields.push(packedFloatField(7, a.value));
      break;
    case 'ints':
      fields.push(packedIntField(8, a.value));
      break;
    case 'strings':
      for (const s of a.value) fields.push(bytesField(9, utf8.encode(s)));
      break;
  }
  return concatBytes(fields);
}

function encodeNode(n: OnnxNode): Bytes {
  return concatBytes([
    ...n.inputs.map((s) => stringField(1, s)),
    ...n.outputs.map((s) => stringField(2, s)),
    stringField(3, n.name),
    stringField(4, n.opType),
    ...n.attributes.map((a) => bytesField(5, encodeAttribute(a))),
  ]);
}

function rawBytes(t: OnnxTensor): Bytes {
  const n = t.data.length;
  const width = t.type === 'int64' ? 8 : 4;
  const out = new Uint8Array(width * n);
  const view = new DataView(out.buffer);
  // DataView: little-endian whatever the host's byte order.
  if (t.type === 'float') for (let i = 0; i < n; i++) view.setFloat32(4 * i, t.data[i], true);
  else if (t.type === 'int32') for (let i = 0; i < n; i++) view.setInt32(4 * i, t.data[i], true);
  else for (let i = 0; i < n; i++) view.setBigInt64(8 * i, t.data[i], true);
  return out;
}

export function encodeTensor(t: OnnxTensor): Bytes {
  return concatBytes([
    ...t.dims.map((d) => intField(1, d)),
    intField(2, ELEM_TYPE[t.type]),
    stringField(8, t.name),
    bytesField(9, rawBytes(t)),
  ]);
}

function encodeValueInfo(v: OnnxValueInfo): Bytes {
  const dims = v.dims.map((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : stringField(2, d)));
  const tensorType = concatBytes([intField(1, ELEM_TYPE[v.type]), bytesField(2, concatBytes(dims))]);
  return concatBytes([stringField(1, v.name), bytesField(2, bytesField(1, tensorType)), stringField(3, v.doc)]);
}

function encodeGraph(g: OnnxGraph): Bytes {
  return concatBytes([
    ...g.nodes.map((n) => bytesField(1, encodeNode(n))),
    stringField(2, g.name),
    ...g.initializers.map((t) => bytesField(5, encodeTensor(t))),
    stringField(10, g.doc),
    ...g.inputs.map((v) => bytesField(11, encodeValueInfo(v))),
    ...g.outputs.map((v) => bytesField(12, encodeValueInfo(v))),
  ]);
}

/** The serialised ModelProto: the bytes of a `.onnx` file. */
export function encodeModel(m: OnnxModel): Bytes {
  const opset = concatBytes([stringField(1, ''), intField(2, m.opset)]);
  const meta = Object.keys(m.metadata)
    .sort()
    .map((k) => bytesField(14, concatBytes([stringField(1, k), stringField(2, m.metadata[k])])));
  return concatBytes([
    intField(1, m.irVersion),
    stringField(2, m.producerName),
    stringField(6, m.doc),
    bytesField(7, encodeGraph(m.graph)),
    bytesField(8, opset),
    ...meta,
  ]);
}
