/**
 * The engine's graph IR: typed values with (possibly symbolic) shapes, produced by op nodes.
 *
 * Values are immutable SSA-style handles owned by one Graph. Ops are plain functions (ops/*.ts) that call
 * `graph.apply(opDef, inputs, attrs)`; each OpDef carries its shape inference and its ONNX emission. Its
 * vector-Jacobian product is a rule in gradients.ts, one table of every op's derivative (as tinygrad keeps them).
 */
import type { DType } from './dtype.ts';

/** A dimension: a concrete size, or a symbol (e.g. 'batch', 'seq') bound when the graph is compiled. */
export type Dim = number | string;
export type Shape = readonly Dim[];

export type AttrValue = number | string | readonly number[] | readonly Dim[] | TensorData | SubgraphAttr;

/**
 * A graph-valued attribute (the body of ONNX Loop/If). Its first `formalInputs` inputs are the body's formal
 * inputs; any further inputs name values of the enclosing graph (outer-scope references, by the same name).
 */
export interface SubgraphAttr {
  readonly kind: 'subgraph';
  readonly graph: Graph;
  readonly formalInputs: number;
}
export type Attrs = Readonly<Record<string, AttrValue>>;

/** Constant tensor payload (initializers and Constant attributes). */
export interface TensorData {
  readonly kind: 'tensor';
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array;
  /**
   * Emit the bytes as ONNX external data (handed to onnxruntime from memory, not inside the protobuf): needed past
   * protobuf's 2 GiB limit, and it keeps large frozen weights out of the serialised model. An ExternalFileRef instead
   * names bytes already in a file of the session's external folder (`data` is then empty): onnxruntime maps the file
   * on the CPU, so every session over it shares one copy in the page cache.
   */
  readonly external?: boolean | ExternalFileRef;
}

/** Where an initializer's bytes lie in a file of the session's external folder (SessionOptions.externalFolder). */
export interface ExternalFileRef {
  readonly file: string;
  readonly offset: number;
  readonly length: number;
}

export class Value {
  constructor(
    readonly graph: Graph,
    readonly id: number,
    readonly dtype: DType,
    readonly shape: Shape,
    readonly producer: Node | null,
    /** Graph inputs/initializers keep their external name; intermediates get one at emission. */
    public name: string | undefined,
  ) {}
  get rank(): number {
    return this.shape.length;
  }
}

export interface OutputType {
  readonly dtype: DType;
  readonly shape: Shape;
}

/**
 * Vector-Jacobian product (gradients.ts): given the node and the cotangents of its outputs (null = zero), return the
 * cotangent of each input (null where the input is not differentiable or gets no gradient).
 */
export type Vjp = (node: Node, grads: ReadonlyArray<Value | null>) => Array<Value | null>;

export interface EmittedNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attrs?: Attrs;
  readonly domain?: string;
}

export interface OpDef {
  readonly name: string;
  /** Output types from input types and attributes; throws on a shape/dtype mismatch. */
  infer(inputs: readonly Value[], attrs: Attrs): OutputType[];
  /** ONNX node(s) for this op. `fresh()` makes a unique name for any intermediate it needs. */
  emit(node: Node, inNames: readonly string[], outNames: readonly string[], fresh: () => string): EmittedNode[];
}

export class Node {
  constructor(
    readonly id: number,
    readonly op: OpDef,
    readonly inputs: readonly Value[],
    readonly attrs: Attrs,
    public outputs: Value[],
  ) {}
}

export interface GraphInput {
  readonly value: Value;
  readonly kind: 'input' | 'initializer';
  readonly data?: TensorData;
}

export class Graph {
  private nextId = 0;
  readonly nodes: Node[] = [];
  readonly inputs: GraphInput[] = [];
  readonly outputs: Array<{ name: string; value: Value }> = [];
  private readonly names = new Set<string>();
  /** Where each symbolic dim can be read at run time: the first graph input that declared it, and the axis. */
  readonly symbols = new Map<string, { value: Value; axis: number }>();

  constructor(readonly name = 'cod') {}

  private claim(name: string): string {
    if (this.names.has(name)) throw new Error(`graph '${this.name}': duplicate name '${name}'`);
    this.names.add(name);
    return name;
  }

  /** A runtime input fed on every run. */
  input(name: string, dtype: DType, shape: Shape): Value {
    const v = new Value(this, this.nextId++, dtype, shape, null, this.claim(name));
    this.inputs.push({ value: v, kind: 'input' });
    shape.forEach((d, axis) => {
      if (typeof d === 'string' && !this.symbols.has(d)) this.symbols.set(d, { value: v, axis });
    });
    return v;
  }

  /** A constant baked into the model (ONNX initializer). */
  constant(data: TensorData, name?: string): Value {
    const v = new Value(this, this.nextId++, data.dtype, data.shape, null, this.claim(name ?? `const_${this.nextId}`));
    this.inputs.push({ value: v, kind: 'initializer', data });
    return v;
  }

  apply(op: OpDef, inputs: readonly Value[], attrs: Attrs = {}): Value[] {
    for (const x of inputs) {
      if (x.graph !== this) throw new Error(`op ${op.name}: input from another graph`);
    }
    const types = op.infer(inputs, attrs);
    const node = new Node(this.nextId++, op, inputs, attrs, []);
    node.outputs = types.map((t) => new Value(this, this.nextId++, t.dtype, t.shape, node, undefined));
    this.nodes.push(node);
    return node.outputs;
  }

  /** Gives an intermediate value a unique name in the emitted model (so a Loop body can refer to it). */
  nameValue(v: Value, name: string): Value {
    if (v.graph !== this || !v.producer) throw new Error(`graph '${this.name}': only intermediates can be named`);
    v.name = this.claim(name);
    return v;
  }

  apply1(op: OpDef, inputs: readonly Value[], attrs: Attrs = {}): Value {
    return this.apply(op, inputs, attrs)[0];
  }

  output(name: string, value: Value): void {
    if (this.outputs.some((o) => o.name === name)) throw new Error(`graph '${this.name}': duplicate output '${name}'`);
    this.outputs.push({ name, value });
  }
}

export function tensorData(dtype: DType, shape: readonly number[], data: TensorData['data']): TensorData {
  return { kind: 'tensor', dtype, shape, data };
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Static size of a shape, or undefined if any dim is symbolic. */
export function staticNumel(shape: Shape): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return undefined;
    n *= d;
  }
  return n;
}

export function sameDim(a: Dim, b: Dim): boolean {
  return a === b;
}

export function shapeToString(s: Shape): string {
  return `[${s.join(', ')}]`;
}
