/**
 * Forward-only ops for inference graphs (sampling, KV-cache decoding): TopK, CumSum, ArgMax, ReduceMin, Min,
 * ScatterElements without reduction, and ONNX `Loop` with a body subgraph. None has a VJP: they never sit on a
 * training path.
 */
import type { DType } from '../dtype.ts';
import { type Dim, Graph, type OpDef, type OutputType, type SubgraphAttr, type Value } from '../graph.ts';
import { broadcastShapes, constNode, int64Tensor, intAttr, normAxis, ShapeError } from './common.ts';

/** Sorted (descending) values and indices of the k largest entries along the last axis; k is static. */
export const TopKOp: OpDef = {
  name: 'TopK',
  infer: ([x], attrs) => {
    const k = intAttr(attrs, 'k');
    const shape: Dim[] = [...x.shape];
    shape[x.rank - 1] = k;
    return [
      { dtype: x.dtype, shape },
      { dtype: 'int64', shape },
    ];
  },
  emit: (n, i, o, fresh) => {
    const [c, kName] = constNode(fresh, int64Tensor([intAttr(n.attrs, 'k')]));
    return [c, { opType: 'TopK', inputs: [i[0], kName], outputs: o, attrs: { axis: -1, largest: 1, sorted: 1 } }];
  },
};

/** Inclusive cumulative sum along a static axis. */
export const CumSumOp: OpDef = {
  name: 'CumSum',
  infer: ([x], attrs) => {
    normAxis(intAttr(attrs, 'axis'), x.rank, 'CumSum');
    return [{ dtype: x.dtype, shape: x.shape }];
  },
  emit: (n, i, o, fresh) => {
    const axis = normAxis(intAttr(n.attrs, 'axis'), n.inputs[0].rank, 'CumSum');
    const [c, a] = constNode(fresh, {
      kind: 'tensor',
      dtype: 'int64',
      shape: [],
      data: BigInt64Array.of(BigInt(axis)),
    });
    return [c, { opType: 'CumSum', inputs: [i[0], a], outputs: o }];
  },
};

/** Index of the largest entry along an axis (first one on ties), as int64; the axis is dropped. */
export const ArgMaxOp: OpDef = {
  name: 'ArgMax',
  infer: ([x], attrs) => {
    const a = normAxis(intAttr(attrs, 'axis'), x.rank, 'ArgMax');
    return [{ dtype: 'int64', shape: x.shape.filter((_, k) => k !== a) }];
  },
  emit: (n, i, o) => [
    {
      opType: 'ArgMax',
      inputs: i,
      outputs: o,
      attrs: { axis: normAxis(intAttr(n.attrs, 'axis'), n.inputs[0].rank, 'ArgMax'), keepdims: 0 },
    },
  ],
};

export const ReduceMinOp: OpDef = {
  name: 'ReduceMin',
  infer: ([x], attrs) => {
    const a = normAxis(intAttr(attrs, 'axis'), x.rank, 'ReduceMin');
    return [{ dtype: x.dtype, shape: x.shape.map((d, k) => (k === a ? 1 : d)) }];
  },
  emit: (n, i, o, fresh) => {
    const a = normAxis(intAttr(n.attrs, 'axis'), n.inputs[0].rank, 'ReduceMin');
    const [c, axes] = constNode(fresh, int64Tensor([a]));
    return [c, { opType: 'ReduceMin', inputs: [i[0], axes], outputs: o, attrs: { keepdims: 1 } }];
  },
};

/** Elementwise minimum / maximum (any numeric dtype, both inputs alike). */
function minMax(name: 'Min' | 'Max'): OpDef {
  return {
    name,
    infer: ([a, b]) => {
      if (a.dtype !== b.dtype) throw new ShapeError(`${name}: dtype mismatch ${a.dtype} vs ${b.dtype}`);
      return [{ dtype: a.dtype, shape: broadcastShapes(a.shape, b.shape, name) }];
    },
    emit: (_n, i, o) => [{ opType: name, inputs: i, outputs: o }],
  };
}
export const MinOp = minMax('Min');
export const MaxOp = minMax('Max');

/** out = data with `updates` written at `indices` along axis (ScatterElements, no reduction: exact, no sums). */
export const ScatterSetOp: OpDef = {
  name: 'ScatterSet',
  infer: ([data, idx, upd], attrs) => {
    normAxis(intAttr(attrs, 'axis'), data.rank, 'ScatterSet');
    if (idx.rank !== data.rank || upd.rank !== data.rank) throw new ShapeError('ScatterSet: rank mismatch');
    return [{ dtype: data.dtype, shape: data.shape }];
  },
  emit: (n, i, o) => [{ opType: 'ScatterElements', inputs: i, outputs: o, attrs: { axis: intAttr(n.attrs, 'axis') } }],
};

/**
 * ONNX Loop: inputs [tripCount (int64 scalar), cond (bool scalar), ...carried initial values]. The body graph's
 * formal inputs are (iteration, cond, ...carried); its outputs are (cond, ...carried, ...scan outputs). Loop
 * outputs are the final carried values, then each scan output stacked over iterations on a new leading axis.
 */
export const LoopOp: OpDef = {
  name: 'Loop',
  infer: (inputs, attrs) => {
    const body = attrs.body as SubgraphAttr;
    const carried = inputs.slice(2);
    const bodyOuts = body.graph.outputs;
    if (body.formalInputs !== 2 + carried.length)
      throw new ShapeError(`Loop: body takes ${body.formalInputs} formal inputs, expected ${2 + carried.length}`);
    if (bodyOuts.length < 1 + carried.length) throw new ShapeError('Loop: body has too few outputs');
    const out: OutputType[] = carried.map((c, k) => {
      const b = bodyOuts[1 + k].value;
      if (b.dtype !== c.dtype) throw new ShapeError(`Loop: carried value ${k} changes dtype in the body`);
      return { dtype: c.dtype, shape: c.shape };
    });
    for (const s of bodyOuts.slice(1 + carried.length))
      out.push({ dtype: s.value.dtype, shape: ['loop_iters', ...s.value.shape] });
    return out;
  },
  emit: (n, i, o) => [{ opType: 'Loop', inputs: i, outputs: o, attrs: { body: n.attrs.body } }],
};

export const topK = (x: Value, k: number): [Value, Value] => {
  const [v, idx] = x.graph.apply(TopKOp, [x], { k });
  return [v, idx];
};
export const cumSum = (x: Value, axis: number): Value => x.graph.apply1(CumSumOp, [x], { axis });
export const argMax = (x: Value, axis: number): Value => x.graph.apply1(ArgMaxOp, [x], { axis });
export const reduceMinKeep = (x: Value, axis: number): Value => x.graph.apply1(ReduceMinOp, [x], { axis });
export const minimum = (a: Value, b: Value): Value => a.graph.apply1(MinOp, [a, b]);
export const maximum = (a: Value, b: Value): Value => a.graph.apply1(MaxOp, [a, b]);
export const scatterSet = (data: Value, idx: Value, upd: Value, axis: number): Value =>
  data.graph.apply1(ScatterSetOp, [data, idx, upd], { axis });

/** A body graph for `loop`: formal inputs (iteration, cond, ...carried), declared in that order. */
export class LoopBody {
  readonly graph: Graph;
  readonly iter: Value;
  readonly cond: Value;
  readonly carried: Value[];
  constructor(name: string, carried: ReadonlyArray<{ name: string; dtype: DType; shape: readonly Dim[] }>) {
    this.graph = new Graph(name);
    this.iter = this.graph.input('iter', 'int64', []);
    this.cond = this.graph.input('cond_in', 'bool', []);
    this.carried = carried.map((c) => this.graph.input(`${c.name}_in`, c.dtype, c.shape));
  }

  /** Reference an input of the enclosing graph by its name (ONNX outer scope). */
  outer(v: Value): Value {
    return this.graph.input(v.name!, v.dtype, v.shape);
  }

  get formalInputs(): number {
    return 2 + this.carried.length;
  }
}

/**
 * Run `body` up to `tripCount` times. `condOut`, the next carried values and the scan outputs must already be
 * declared as the body graph's outputs, in that order. Returns [final carried..., stacked scans...].
 */
export function loop(tripCount: Value, cond: Value, init: readonly Value[], body: LoopBody): Value[] {
  const attr: SubgraphAttr = { kind: 'subgraph', graph: body.graph, formalInputs: body.formalInputs };
  return tripCount.graph.apply(LoopOp, [tripCount, cond, ...init], { body: attr });
}
