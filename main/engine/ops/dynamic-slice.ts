/**
 * Slicing with a start known only at run time (e.g. where a packed sequence begins): x[start:end] along one axis,
 * `end` static, the result's extent a named symbol. Its gradient rule (engine/gradients.ts) pads the cotangent back
 * with a runtime `before`.
 */
import type { Dim, OpDef, Value } from '../graph.ts';
import { constNode, int64Tensor, intAttr, normAxis, ShapeError } from './common.ts';

/** Inputs [x, start (int64 [1])]; attrs axis, end (static), dim (the symbol naming the result's extent). */
export const SliceDynOp: OpDef = {
  name: 'SliceDyn',
  infer: ([x, start], attrs) => {
    const axis = normAxis(intAttr(attrs, 'axis'), x.rank, 'SliceDyn');
    const d = x.shape[axis];
    const end = intAttr(attrs, 'end');
    if (typeof d !== 'number' || end > d) throw new ShapeError(`SliceDyn: end ${end} outside axis of size ${d}`);
    if (start.dtype !== 'int64' || start.rank !== 1) throw new ShapeError('SliceDyn: start must be int64 [1]');
    const shape: Dim[] = [...x.shape];
    shape[axis] = attrs.dim as string;
    return [{ dtype: x.dtype, shape }];
  },
  emit: (n, i, o, fresh) => {
    const axis = normAxis(intAttr(n.attrs, 'axis'), n.inputs[0].rank, 'SliceDyn');
    const [c1, e] = constNode(fresh, int64Tensor([intAttr(n.attrs, 'end')]));
    const [c2, a] = constNode(fresh, int64Tensor([axis]));
    return [c1, c2, { opType: 'Slice', inputs: [i[0], i[1], e, a], outputs: o }];
  },
};

/** Inputs [x, before (int64 [1])]; zero padding `before` (runtime) and `after` (static) along `axis` to `size`. */
export const PadDynOp: OpDef = {
  name: 'PadDyn',
  infer: ([x], attrs) => {
    const axis = normAxis(intAttr(attrs, 'axis'), x.rank, 'PadDyn');
    const shape: Dim[] = [...x.shape];
    shape[axis] = intAttr(attrs, 'size');
    return [{ dtype: x.dtype, shape }];
  },
  emit: (n, i, o, fresh) => {
    const rank = n.inputs[0].rank;
    const axis = normAxis(intAttr(n.attrs, 'axis'), rank, 'PadDyn');
    const [c1, lead] = constNode(fresh, int64Tensor(new Array<number>(axis).fill(0)));
    const rest = new Array<number>(2 * rank - axis - 1).fill(0);
    rest[rank - 1] = intAttr(n.attrs, 'after'); // pads = [b_0..b_{r-1}, e_0..e_{r-1}]; e_axis sits at rank + axis
    const [c2, tail] = constNode(fresh, int64Tensor(rest));
    const pads = fresh();
    const nodes = axis > 0 ? [c1] : [];
    return [
      ...nodes,
      c2,
      { opType: 'Concat', inputs: [...(axis > 0 ? [lead] : []), i[1], tail], outputs: [pads], attrs: { axis: 0 } },
      { opType: 'Pad', inputs: [i[0], pads], outputs: o, attrs: { mode: 'constant' } },
    ];
  },
};

export const sliceDyn = (x: Value, start: Value, axis: number, end: number, dim: string): Value =>
  x.graph.apply1(SliceDynOp, [x, start], { axis, end, dim });
export const padDyn = (x: Value, before: Value, axis: number, after: number, size: number): Value =>
  x.graph.apply1(PadDynOp, [x, before], { axis, after, size });
