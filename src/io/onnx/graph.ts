/**
 * A small builder for ONNX graphs: nodes appended in topological order (each node only reads
 * values made before it), constants held as initializers, and one helper per operator we use so
 * the export reads as the dataflow it writes. Operator signatures are those of opset 14
 * (Squeeze, Unsqueeze and Slice take their axes as int64 inputs since opset 13).
 */
import type { OnnxAttribute, OnnxNode, OnnxTensor } from './proto.ts';

export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly taken = new Set<string>();
  private readonly int64Consts = new Map<string, string>();

  /** Marks names the graph's inputs and outputs use, so no intermediate value takes them. */
  reserve(...names: string[]): void {
    for (const n of names) this.taken.add(n);
  }

  /** A value name not used yet, from `base`. */
  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.taken.has(name); k++) name = `${base}_${k}`;
    this.taken.add(name);
    return name;
  }

  /** A float initializer under a fresh name. */
  floats(base: string, dims: readonly number[], data: Float32Array): string {
    const name = this.fresh(base);
    this.initializers.push({ name, type: 'float', dims, data });
    return name;
  }

  /** An int64 constant, shared by every node that needs the same values; dims [] for a scalar. */
  int64s(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const k = `${dims.join('x')}:${values.join(',')}`;
    const have = this.int64Consts.get(k);
    if (have !== undefined) return have;
    const name = this.fresh(`const_${dims.length === 0 ? 'scalar_' : ''}${values.join('_').replace(/-/g, 'm')}`);
    this.initializers.push({ name, type: 'int64', dims, data: BigInt64Array.from(values, (v) => BigInt(v)) });
    this.int64Consts.set(k, name);
    return name;
  }

  /**
   * Appends a node. `outputs` are names already reserved (graph outputs) or bases for fresh ones:
   * give `{ exact: name }` to write a graph output.
   */
  node(opType: string, inputs: readonly string[], outputs: readonly (string | { exact: string })[], attributes: readonly OnnxAttribute[] = []): string[] {
    const outs = outputs.map((o) => (typeof o === 'string' ? this.fresh(o) : o.exact));
    this.nodes.push({ opType, name: `${opType}_${this.nodes.length}`, inputs, outputs: outs, attributes });
    return outs;
  }

  /** A one-output node; `out` a base name or `{ exact }` for a graph output. */
  op(opType: string, inputs: readonly string[], out: string | { exact: string }, attributes: readonly OnnxAttribute[] = []): string {
    return this.node(opType, inputs, [out], attributes)[0];
  }

  transpose(x: string, perm: readonly number[], out: string | { exact: string }): string {
    return this.op('Transpose', [x], out, [{ name: 'perm', kind: 'ints', value: perm }]);
  }

  /** Reshape to `shape` (0 copies the input's dimension, -1 takes what is left). */
  reshape(x: string, shape: readonly number[], out: string | { exact: string }): string {
    return this.op('Reshape', [x, this.int64s(shape)], out);
  }

  squeeze(x: string, axes: readonly number[], out: string | { exact: string }): string {
    return this.op('Squeeze', [x, this.int64s(axes)], out);
  }

  unsqueeze(x: string, axes: readonly number[], out: string | { exact: string }): string {
    return this.op('Unsqueeze', [x, this.int64s(axes)], out);
  }

  /** x[begin:end] along `axis`. */
  slice(x: string, axis: number, begin: number, end: number, out: string): string {
    return this.op('Slice', [x, this.int64s([begin]), this.int64s([end]), this.int64s([axis])], out);
  }

  /** Cast to float ('float', ONNX type 1) or int64 ('int64', type 7). */
  cast(x: string, to: 'float' | 'int64', out: string): string {
    return this.op('Cast', [x], out, [{ name: 'to', kind: 'int', value: to === 'float' ? 1 : 7 }]);
  }
}
