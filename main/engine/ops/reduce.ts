/** Reductions over static axes (gradient rules: ../gradients.ts). */
import type { Dim, OpDef, Value } from '../graph.ts';
import { constNode, int64Tensor, intAttr, intsAttr, normAxis } from './common.ts';

function reduceInfer(name: string): OpDef['infer'] {
  return ([x], attrs) => {
    const axes = intsAttr(attrs, 'axes').map((a) => normAxis(a, x.rank, name));
    const keep = intAttr(attrs, 'keepdims', 1) === 1;
    const shape: Dim[] = [];
    x.shape.forEach((d, i) => {
      if (axes.includes(i)) {
        if (keep) shape.push(1);
      } else shape.push(d);
    });
    return [{ dtype: x.dtype, shape }];
  };
}

function reduceOp(name: string): OpDef {
  return {
    name,
    infer: reduceInfer(name),
    emit: (n, i, o, fresh) => {
      const axes = intsAttr(n.attrs, 'axes').map((a) => normAxis(a, n.inputs[0].rank, name));
      const [c, cname] = constNode(fresh, int64Tensor(axes));
      return [
        c,
        { opType: name, inputs: [i[0], cname], outputs: o, attrs: { keepdims: intAttr(n.attrs, 'keepdims', 1) } },
      ];
    },
  };
}

export const ReduceSumOp: OpDef = reduceOp('ReduceSum');
export const ReduceMeanOp: OpDef = reduceOp('ReduceMean');

/** Not differentiable (no gradient rule): used only under stopGradient (e.g. the log-sum-exp shift). */
export const ReduceMaxOp: OpDef = reduceOp('ReduceMax');

export const reduceSum = (x: Value, axes: number[], keepdims = true): Value =>
  x.graph.apply1(ReduceSumOp, [x], { axes, keepdims: keepdims ? 1 : 0 });
export const reduceMean = (x: Value, axes: number[], keepdims = true): Value =>
  x.graph.apply1(ReduceMeanOp, [x], { axes, keepdims: keepdims ? 1 : 0 });
export const reduceMax = (x: Value, axes: number[], keepdims = true): Value =>
  x.graph.apply1(ReduceMaxOp, [x], { axes, keepdims: keepdims ? 1 : 0 });
/** Sum of all elements, as a scalar. */
export const sumAll = (x: Value): Value =>
  reduceSum(
    x,
    x.shape.map((_, i) => i),
    false,
  );
