/** Graph IR -> ONNX ModelProto bytes. Emits only what the outputs need (dead backward nodes are dropped). */
import { ONNX_DTYPE } from '../dtype.ts';
import type { AttrValue, EmittedNode, Graph, SubgraphAttr, TensorData, Value } from '../graph.ts';
import { ATTR_TYPE, ModelProto } from './proto.ts';

export const OPSET = 21;
export const IR_VERSION = 10;

/** External initializer bytes collected during emission: onnxruntime reads them from memory by `path`. */
export interface ExternalData {
  readonly path: string;
  readonly data: Uint8Array;
}
let externals: ExternalData[] | null = null;

/** A TensorProto whose bytes lie `length` bytes from `offset` in the external file `location`. */
function externalProto(t: TensorData, name: string, location: string, offset: number, length: number) {
  return {
    dims: [...t.shape],
    dataType: ONNX_DTYPE[t.dtype],
    name,
    dataLocation: 1,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(length) },
    ],
  };
}

function tensorProto(t: TensorData, name?: string): Record<string, unknown> {
  if (typeof t.external === 'object') {
    if (!name) throw new Error('a file-backed initializer needs a name');
    return externalProto(t, name, t.external.file, t.external.offset, t.external.length);
  }
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  if (t.external && externals && name) {
    const path = `ext${externals.length}.bin`;
    externals.push({ path, data: bytes });
    return externalProto(t, name, path, 0, bytes.byteLength);
  }
  return { dims: [...t.shape], dataType: ONNX_DTYPE[t.dtype], rawData: bytes, ...(name ? { name } : {}) };
}

function attrProto(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'string') return { name, type: ATTR_TYPE.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number')
    return Number.isInteger(v) ? { name, type: ATTR_TYPE.INT, i: v } : { name, type: ATTR_TYPE.FLOAT, f: v };
  if (Array.isArray(v)) return { name, type: ATTR_TYPE.INTS, ints: v };
  if ((v as SubgraphAttr).kind === 'subgraph') {
    const sg = v as SubgraphAttr;
    return { name, type: ATTR_TYPE.GRAPH, g: graphProto(sg.graph, sg.formalInputs) };
  }
  return { name, type: ATTR_TYPE.TENSOR, t: tensorProto(v as TensorData) };
}

/** Identity of a Constant node's value of at most 1 KiB (dtype, shape, bytes), or null for anything else. */
function smallConstantKey(e: EmittedNode): string | null {
  if (e.opType !== 'Constant' || e.outputs.length !== 1) return null;
  const attrs = Object.entries(e.attrs ?? {});
  if (attrs.length !== 1 || attrs[0][0] !== 'value') return null;
  const t = attrs[0][1] as TensorData;
  if (t.kind !== 'tensor' || t.external || t.data.byteLength > 1024) return null;
  const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64');
  return `${t.dtype}[${t.shape.join(',')}]${bytes}`;
}

function valueInfo(name: string, v: Value): Record<string, unknown> {
  return {
    name,
    type: {
      tensorType: {
        elemType: ONNX_DTYPE[v.dtype],
        shape: { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export interface EmitOptions {
  readonly docString?: string;
  readonly metadata?: Record<string, string>;
}

/**
 * A GraphProto for `g`. For a subgraph (formalInputs given), the first `formalInputs` inputs are its formal inputs
 * and the other inputs are outer-scope references (omitted, resolved by name); every name the subgraph defines gets
 * a per-graph prefix so it never collides with a name of the enclosing graph.
 */
function graphProto(g: Graph, formalInputs?: number): Record<string, unknown> {
  const sub = formalInputs !== undefined;
  const prefix = sub ? `${g.name}__` : '';
  const formal = new Set(
    sub
      ? g.inputs
          .filter((i) => i.kind === 'input')
          .slice(0, formalInputs)
          .map((i) => i.value.id)
      : [],
  );
  // Backward liveness from the outputs.
  const needed = new Set<number>(g.outputs.map((o) => o.value.id));
  // A subgraph reads values of this graph by name (outer scope): those are inputs of its node too.
  const named = new Map<string, Value>();
  for (const n of g.nodes) for (const o of n.outputs) if (o.name) named.set(o.name, o);
  const outerReads = (n: (typeof g.nodes)[number]): Value[] =>
    Object.values(n.attrs)
      .filter((a): a is SubgraphAttr => typeof a === 'object' && a !== null && (a as SubgraphAttr).kind === 'subgraph')
      .flatMap((a) => a.graph.inputs.filter((i) => i.kind === 'input').slice(a.formalInputs))
      .map((i) => named.get(i.value.name!))
      .filter((v): v is Value => v !== undefined);
  const liveNodes = [];
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k];
    if (n.outputs.some((o) => needed.has(o.id))) {
      liveNodes.push(n);
      for (const x of n.inputs) needed.add(x.id);
      for (const x of outerReads(n)) needed.add(x.id);
    }
  }
  liveNodes.reverse();

  const names = new Map<number, string>();
  for (const inp of g.inputs) {
    const outer = sub && inp.kind === 'input' && !formal.has(inp.value.id);
    names.set(inp.value.id, outer ? inp.value.name! : prefix + inp.value.name!);
  }
  const outputAlias = new Map<number, string>();
  for (const o of g.outputs) {
    if (o.value.producer && !outputAlias.has(o.value.id)) outputAlias.set(o.value.id, prefix + o.name);
  }
  let counter = 0;
  const fresh = () => `${prefix}t${counter++}`;
  const nameOf = (v: Value): string => {
    let n = names.get(v.id);
    if (!n) {
      // An intermediate may carry a name (e.g. a cast frozen weight a Loop body reads from the outer scope).
      n = outputAlias.get(v.id) ?? (v.name ? prefix + v.name : `${prefix}v${v.id}`);
      names.set(v.id, n);
    }
    return n;
  };

  const nodes: Record<string, unknown>[] = [];
  // Ops emit their small constants (slice bounds, shapes, axes) as Constant nodes of their own: one per use, tens of
  // thousands in a long-context step. Identical ones are emitted once and shared; onnxruntime's own ConstantSharing
  // pass did this in time quadratic in their number (19 s of 60 at 8 layers of the Qwen3-0.6B shape, T = 8192).
  const sharedConstants = new Map<string, string>();
  const sharedAs = new Map<string, string>();
  for (const n of liveNodes) {
    const outNames = n.outputs.map(nameOf);
    const emitted = n.op.emit(n, n.inputs.map(nameOf), outNames, () => `${fresh()}_${n.op.name}`);
    for (const e of emitted) {
      const key = smallConstantKey(e);
      if (key !== null && !outNames.includes(e.outputs[0])) {
        const first = sharedConstants.get(key);
        if (first !== undefined) {
          sharedAs.set(e.outputs[0], first);
          continue;
        }
        sharedConstants.set(key, e.outputs[0]);
      }
      nodes.push({
        opType: e.opType,
        input: e.inputs.map((x) => sharedAs.get(x) ?? x),
        output: [...e.outputs],
        name: `${prefix}n${nodes.length}_${e.opType}`,
        domain: e.domain ?? '',
        attribute: Object.entries(e.attrs ?? {}).map(([k, v]) => attrProto(k, v)),
      });
    }
  }
  // Outputs that are graph inputs, or the same value under a second name, need an Identity.
  const outputs: Record<string, unknown>[] = [];
  for (const o of g.outputs) {
    const src = nameOf(o.value);
    const outName = prefix + o.name;
    if (src !== outName)
      nodes.push({ opType: 'Identity', input: [src], output: [outName], name: `${prefix}out_${o.name}` });
    outputs.push(valueInfo(outName, o.value));
  }

  const used = new Set<number>([...needed]);
  const inputs = g.inputs
    .filter((i) => i.kind === 'input' && (!sub || formal.has(i.value.id)))
    .map((i) => valueInfo(names.get(i.value.id)!, i.value));
  const initializers = g.inputs
    .filter((i) => i.kind === 'initializer' && used.has(i.value.id))
    .map((i) => tensorProto(i.data!, names.get(i.value.id)));
  // Every intermediate's type and shape as the IR knows them, symbols included. onnxruntime's own inference leaves
  // a run-time extent (a SliceDyn's) unknown; its allocation planner then can reuse no buffer of such a value, and
  // scans its whole free list for each one: session creation grew quadratically with the graph (4 layers of the
  // Qwen3-0.6B shape at T = 8192, optimisations off: 64 s -> 21 s; docs/engine.md). The planner takes equal symbols
  // for equal sizes and lets a later value reuse an earlier one's buffer, holding it in between: values far apart
  // should not share a symbol (transformer.ts, attentionBlock).
  const declared = new Set(outputs.map((o) => o.name as string));
  const valueInfos = liveNodes.flatMap((n) =>
    n.outputs.filter((v) => !declared.has(nameOf(v))).map((v) => valueInfo(nameOf(v), v)),
  );
  return {
    node: nodes,
    name: g.name,
    initializer: initializers,
    input: inputs,
    output: outputs,
    valueInfo: valueInfos,
  };
}

export function emitModel(g: Graph, opts: EmitOptions = {}): Uint8Array {
  return emitModelWithData(g, opts, false).model;
}

/**
 * The model, with every initializer marked `external` kept out of the protobuf and returned as in-memory external
 * data (pass both to EngineSession.create). With `external` false, everything is inline.
 */
export function emitModelWithData(
  g: Graph,
  opts: EmitOptions = {},
  external = true,
): { model: Uint8Array; externalData: ExternalData[] } {
  externals = external ? [] : null;
  try {
    const model = encodeModel(g, opts);
    return { model, externalData: externals ?? [] };
  } finally {
    externals = null;
  }
}

function encodeModel(g: Graph, opts: EmitOptions): Uint8Array {
  const model = {
    irVersion: IR_VERSION,
    producerName: 'cod-workbench',
    producerVersion: '0.1',
    opsetImport: [{ domain: '', version: OPSET }],
    docString: opts.docString ?? '',
    graph: graphProto(g),
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  const err = ModelProto.verify(model);
  if (err) throw new Error(`ONNX emission produced an invalid ModelProto: ${err}`);
  return ModelProto.encode(ModelProto.create(model)).finish();
}
