/** Reductions over static axes; the VJP of a reduction is a broadcast back to the input's shape. */
import type { Dim, OpDef, Value } from '../graph.ts';
import { constNode, int64Tensor, intAttr, intsAttr, normAxis } from './common.ts';
import { expandLike, reshape, reshapeLike } from './shape.ts';
import { constLike } from './constant.ts';
import { div } from './elementwise.ts';

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

function reduceOp(name: string, vjp?: OpDef['vjp']): OpDef {
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
    vjp,
  };
}

/** Re-insert reduced axes as size 1 so the gradient broadcasts back over them. */
function keepdimsGrad(g: Value, x: Value, axes: number[], keep: boolean): Value {
  if (keep) return g;
  const shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return reshape(g, shape);
}

export const ReduceSumOp: OpDef = reduceOp('ReduceSum', (n, [g]) => {
  const x = n.inputs[0];
  const axes = intsAttr(n.attrs, 'axes').map((a) => normAxis(a, x.rank, 'ReduceSum'));
  return [expandLike(keepdimsGrad(g!, x, axes, intAttr(n.attrs, 'keepdims', 1) === 1), x)];
});

export const ReduceMeanOp: OpDef = reduceOp('ReduceMean', (n, [g]) => {
  const x = n.inputs[0];
  const axes = intsAttr(n.attrs, 'axes').map((a) => normAxis(a, x.rank, 'ReduceMean'));
  const count = axes.reduce((acc, a) => {
    const d = x.shape[a];
    if (typeof d !== 'number') throw new Error('ReduceMean gradient needs static reduced dims');
    return acc * d;
  }, 1);
  const gk = keepdimsGrad(g!, x, axes, intAttr(n.attrs, 'keepdims', 1) === 1);
  return [expandLike(div(gk, constLike(gk, count)), x)];
});

/** Not differentiable here: used only under stopGradient (e.g. the log-sum-exp shift). */
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

/**
 * Sum a broadcast gradient back to the shape of `target` (the inverse of numpy broadcasting):
 * leading extra axes and axes where target has size 1 are summed.
 */
export function reduceToShape(g: Value, target: Value): Value {
  if (g.rank === target.rank && g.shape.every((d, i) => d === target.shape[i])) return g;
  const lead = g.rank - target.rank;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead) axes.push(i);
    else if (target.shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
  }
  const r = axes.length ? reduceSum(g, axes, true) : g;
  return lead > 0 ? reshapeLike(r, target) : r;
}
