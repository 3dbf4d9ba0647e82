/** Graph IR -> ONNX ModelProto bytes. Emits only what the outputs need (dead backward nodes are dropped). */
import { ONNX_DTYPE } from '../dtype.ts';
import type { AttrValue, Graph, TensorData, Value } from '../graph.ts';
import { ATTR_TYPE, ModelProto } from './proto.ts';

export const OPSET = 21;
export const IR_VERSION = 10;

function tensorProto(t: TensorData, name?: string): Record<string, unknown> {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return { dims: [...t.shape], dataType: ONNX_DTYPE[t.dtype], rawData: bytes, ...(name ? { name } : {}) };
}

function attrProto(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'string') return { name, type: ATTR_TYPE.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number')
    return Number.isInteger(v) ? { name, type: ATTR_TYPE.INT, i: v } : { name, type: ATTR_TYPE.FLOAT, f: v };
  if (Array.isArray(v)) return { name, type: ATTR_TYPE.INTS, ints: v };
  return { name, type: ATTR_TYPE.TENSOR, t: tensorProto(v as TensorData) };
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

export function emitModel(g: Graph, opts: EmitOptions = {}): Uint8Array {
  // Backward liveness from the outputs.
  const needed = new Set<number>(g.outputs.map((o) => o.value.id));
  const liveNodes = [];
  for (let k = g.nodes.length - 1; k >= 0; k--) {
    const n = g.nodes[k];
    if (n.outputs.some((o) => needed.has(o.id))) {
      liveNodes.push(n);
      for (const x of n.inputs) needed.add(x.id);
    }
  }
  liveNodes.reverse();

  const names = new Map<number, string>();
  for (const inp of g.inputs) names.set(inp.value.id, inp.value.name!);
  const outputAlias = new Map<number, string>();
  for (const o of g.outputs) {
    if (o.value.producer && !outputAlias.has(o.value.id)) outputAlias.set(o.value.id, o.name);
  }
  let counter = 0;
  const fresh = () => `t${counter++}`;
  const nameOf = (v: Value): string => {
    let n = names.get(v.id);
    if (!n) {
      n = outputAlias.get(v.id) ?? `v${v.id}`;
      names.set(v.id, n);
    }
    return n;
  };

  const nodes: Record<string, unknown>[] = [];
  for (const n of liveNodes) {
    const emitted = n.op.emit(n, n.inputs.map(nameOf), n.outputs.map(nameOf), () => `${fresh()}_${n.op.name}`);
    for (const e of emitted) {
      nodes.push({
        opType: e.opType,
        input: [...e.inputs],
        output: [...e.outputs],
        name: `n${nodes.length}_${e.opType}`,
        domain: e.domain ?? '',
        attribute: Object.entries(e.attrs ?? {}).map(([k, v]) => attrProto(k, v)),
      });
    }
  }
  // Outputs that are graph inputs, or the same value under a second name, need an Identity.
  const outputs: Record<string, unknown>[] = [];
  for (const o of g.outputs) {
    const src = nameOf(o.value);
    if (src !== o.name) nodes.push({ opType: 'Identity', input: [src], output: [o.name], name: `out_${o.name}` });
    outputs.push(valueInfo(o.name, o.value));
  }

  const used = new Set<number>([...needed]);
  const inputs = g.inputs.filter((i) => i.kind === 'input').map((i) => valueInfo(i.value.name!, i.value));
  const initializers = g.inputs
    .filter((i) => i.kind === 'initializer' && used.has(i.value.id))
    .map((i) => tensorProto(i.data!, i.value.name));

  const model = {
    irVersion: IR_VERSION,
    producerName: 'cod-workbench',
    producerVersion: '0.1',
    opsetImport: [{ domain: '', version: OPSET }],
    docString: opts.docString ?? '',
    graph: { node: nodes, name: g.name, initializer: initializers, input: inputs, output: outputs },
    metadataProps: Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  const err = ModelProto.verify(model);
  if (err) throw new Error(`ONNX emission produced an invalid ModelProto: ${err}`);
  return ModelProto.encode(ModelProto.create(model)).finish();
}
