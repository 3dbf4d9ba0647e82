/** Indexing: embedding lookup (Gather), per-row picks (GatherElements), scatter-add, and Where (gradients: ../gradients.ts). */
import type { DType } from '../dtype.ts';
import { ONNX_DTYPE } from '../dtype.ts';
import type { Dim, EmittedNode, OpDef, TensorData, Value } from '../graph.ts';
import { broadcastShapes, constNode, int64Tensor, intAttr, normAxis, ShapeError } from './common.ts';

/** Gather rows (axis 0) of `data` by integer `indices`: out shape = indices.shape ++ data.shape[1:]. */
export const GatherOp: OpDef = {
  name: 'Gather',
  infer: ([data, idx]) => {
    if (idx.dtype !== 'int64' && idx.dtype !== 'int32') throw new ShapeError('Gather: indices must be integers');
    return [{ dtype: data.dtype, shape: [...idx.shape, ...data.shape.slice(1)] }];
  },
  emit: (_n, i, o) => [{ opType: 'Gather', inputs: i, outputs: o, attrs: { axis: 0 } }],
};

export const GatherElementsOp: OpDef = {
  name: 'GatherElements',
  infer: ([data, idx], attrs) => {
    normAxis(intAttr(attrs, 'axis'), data.rank, 'GatherElements');
    if (idx.rank !== data.rank) throw new ShapeError('GatherElements: rank mismatch');
    return [{ dtype: data.dtype, shape: idx.shape }];
  },
  emit: (n, i, o) => [{ opType: 'GatherElements', inputs: i, outputs: o, attrs: { axis: intAttr(n.attrs, 'axis') } }],
};

/** out = data with updates added at indices along axis (ScatterElements, reduction=add). */
export const ScatterAddOp: OpDef = {
  name: 'ScatterAdd',
  infer: ([data, idx, upd]) => {
    if (idx.rank !== upd.rank || idx.rank !== data.rank) throw new ShapeError('ScatterAdd: rank mismatch');
    return [{ dtype: data.dtype, shape: data.shape }];
  },
  emit: (n, i, o) => [
    {
      opType: 'ScatterElements',
      inputs: i,
      outputs: o,
      attrs: { axis: intAttr(n.attrs, 'axis'), reduction: 'add' },
    },
  ],
};

export const ZerosLikeOp: OpDef = {
  name: 'ZerosLike',
  infer: ([x]) => [{ dtype: x.dtype, shape: x.shape }],
  emit: (n, i, o, fresh) => {
    const s = fresh();
    const d = n.inputs[0].dtype;
    const zero =
      d === 'float64'
        ? Float64Array.of(0)
        : d === 'int64'
          ? BigInt64Array.of(0n)
          : d === 'int32'
            ? Int32Array.of(0)
            : Float32Array.of(0);
    const fill = { value: { kind: 'tensor' as const, dtype: d, shape: [1], data: zero } };
    if (n.inputs.length === 1)
      return [
        { opType: 'Shape', inputs: [i[0]], outputs: [s] },
        { opType: 'ConstantOfShape', inputs: [s], outputs: o, attrs: fill },
      ];
    // Anchored: the shape plus 0 × the anchor's first element, a value known only at run time, so onnxruntime's
    // constant folding cannot turn the zeros into an initializer. Unanchored, a static shape is folded: the loss's
    // vocabulary gradient left one [chunk, vocabulary] float32 initializer per chunk (262 MB each for Qwen3's
    // 151,936 ids), 5 GB of them in a T = 8192 step's session.
    const [c1, flat] = constNode(fresh, int64Tensor([-1]));
    const [c2, zero1] = constNode(fresh, int64Tensor([0])); // the first element's index, and the factor 0
    const [r, f, z, sd] = [fresh(), fresh(), fresh(), fresh()];
    return [
      { opType: 'Shape', inputs: [i[0]], outputs: [s] },
      c1,
      c2,
      { opType: 'Reshape', inputs: [i[1], flat], outputs: [r] },
      { opType: 'Gather', inputs: [r, zero1], outputs: [f], attrs: { axis: 0 } },
      { opType: 'Mul', inputs: [f, zero1], outputs: [z] },
      { opType: 'Add', inputs: [s, z], outputs: [sd] },
      { opType: 'ConstantOfShape', inputs: [sd], outputs: o, attrs: fill },
    ];
  },
};

export const WhereOp: OpDef = {
  name: 'Where',
  infer: ([c, a, b]) => {
    if (c.dtype !== 'bool') throw new ShapeError('Where: condition must be bool');
    if (a.dtype !== b.dtype) throw new ShapeError('Where: branch dtypes differ');
    const shape = broadcastShapes(broadcastShapes(c.shape, a.shape, 'Where'), b.shape, 'Where');
    return [{ dtype: a.dtype, shape }];
  },
  emit: (_n, i, o) => [{ opType: 'Where', inputs: i, outputs: o }],
};

function compare(name: string, outBool = true): OpDef {
  return {
    name,
    infer: ([a, b]) => [{ dtype: outBool ? 'bool' : a.dtype, shape: broadcastShapes(a.shape, b.shape, name) }],
    emit: (_n, i, o) => [{ opType: name, inputs: i, outputs: o }],
  };
}
export const EqualOp = compare('Equal');
export const LessOp = compare('Less');
export const LessOrEqualOp = compare('LessOrEqual');
export const GreaterOp = compare('Greater');
export const GreaterOrEqualOp = compare('GreaterOrEqual');
export const AndOp = compare('And');
export const OrOp = compare('Or');
export const NotOp: OpDef = {
  name: 'Not',
  infer: ([x]) => [{ dtype: 'bool', shape: x.shape }],
  emit: (_n, i, o) => [{ opType: 'Not', inputs: i, outputs: o }],
};

export const CastOp: OpDef = {
  name: 'Cast',
  infer: ([x], attrs) => [{ dtype: attrs.to as DType, shape: x.shape }],
  emit: (n, i, o) => [{ opType: 'Cast', inputs: i, outputs: o, attrs: { to: ONNX_DTYPE[n.attrs.to as DType] } }],
};

/** 0..n-1 along `axis` of x's runtime shape, as int64 (positions, causal masks). */
export const RangeAlongOp: OpDef = {
  name: 'RangeAlong',
  infer: ([x], attrs) => {
    const a = normAxis(intAttr(attrs, 'axis'), x.rank, 'RangeAlong');
    const d: Dim = x.shape[a];
    return [{ dtype: 'int64', shape: [d] }];
  },
  emit: (n, i, o, fresh) => {
    const a = normAxis(intAttr(n.attrs, 'axis'), n.inputs[0].rank, 'RangeAlong');
    const [s, idx, len, z, one] = [fresh(), fresh(), fresh(), fresh(), fresh()];
    const i64 = (v: bigint): TensorData => ({ kind: 'tensor', dtype: 'int64', shape: [], data: BigInt64Array.of(v) });
    const nodes: EmittedNode[] = [
      { opType: 'Shape', inputs: [i[0]], outputs: [s] },
      { opType: 'Constant', inputs: [], outputs: [idx], attrs: { value: i64(BigInt(a)) } },
      { opType: 'Gather', inputs: [s, idx], outputs: [len], attrs: { axis: 0 } },
      { opType: 'Constant', inputs: [], outputs: [z], attrs: { value: i64(0n) } },
      { opType: 'Constant', inputs: [], outputs: [one], attrs: { value: i64(1n) } },
      { opType: 'Range', inputs: [z, len, one], outputs: o },
    ];
    return nodes;
  },
};

export const gather = (data: Value, idx: Value): Value => data.graph.apply1(GatherOp, [data, idx]);
export const gatherElements = (data: Value, idx: Value, axis: number): Value =>
  data.graph.apply1(GatherElementsOp, [data, idx], { axis });
export const scatterAdd = (data: Value, idx: Value, upd: Value, axis: number): Value =>
  data.graph.apply1(ScatterAddOp, [data, idx, upd], { axis });
/**
 * Zeros of x's shape and dtype. With `anchor` (an int64 tensor holding run-time values, e.g. the indices a gradient
 * scatters to), the zeros cannot be constant-folded into an initializer: use it for large zeros in backward passes.
 */
export const zerosLike = (x: Value, anchor?: Value): Value => {
  if (anchor && anchor.dtype !== 'int64') throw new ShapeError('ZerosLike: the anchor must be int64');
  return x.graph.apply1(ZerosLikeOp, anchor ? [x, anchor] : [x]);
};
export const where = (c: Value, a: Value, b: Value): Value => c.graph.apply1(WhereOp, [c, a, b]);
export const equal = (a: Value, b: Value): Value => a.graph.apply1(EqualOp, [a, b]);
export const less = (a: Value, b: Value): Value => a.graph.apply1(LessOp, [a, b]);
export const lessOrEqual = (a: Value, b: Value): Value => a.graph.apply1(LessOrEqualOp, [a, b]);
export const greater = (a: Value, b: Value): Value => a.graph.apply1(GreaterOp, [a, b]);
export const greaterOrEqual = (a: Value, b: Value): Value => a.graph.apply1(GreaterOrEqualOp, [a, b]);
export const and = (a: Value, b: Value): Value => a.graph.apply1(AndOp, [a, b]);
export const or = (a: Value, b: Value): Value => a.graph.apply1(OrOp, [a, b]);
export const not = (a: Value): Value => a.graph.apply1(NotOp, [a]);
export const cast = (x: Value, to: DType): Value => x.graph.apply1(CastOp, [x], { to });
export const rangeAlong = (x: Value, axis: number): Value => x.graph.apply1(RangeAlongOp, [x], { axis });
