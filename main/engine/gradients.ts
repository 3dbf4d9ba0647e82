/**
 * Every gradient rule of the engine, in one table (tinygrad keeps its rules the same way, in gradient.py): for an
 * op, its vector-Jacobian product — given the node and the cotangents of its outputs (null = zero), the cotangent
 * of each input (null where the input gets none). An op without a rule is not differentiable (comparisons, casts
 * to integers, shape ops on indices, StopGradient): autodiff passes no gradient through it. The op files define
 * only the forward ops, so they do not import each other for their derivatives.
 */
import { isFloat } from './dtype.ts';
import type { Node, OpDef, Value, Vjp } from './graph.ts';
import { intAttr, intsAttr, normAxis } from './ops/common.ts';
import { constLike } from './ops/constant.ts';
import * as D from './ops/dynamic-slice.ts';
import * as E from './ops/elementwise.ts';
import * as I from './ops/index-ops.ts';
import * as M from './ops/matmul.ts';
import * as N from './ops/nn.ts';
import * as R from './ops/reduce.ts';
import * as S from './ops/shape.ts';

const { cos, div, exp, log, mul, neg, pow, sin, sub } = E;

/**
 * Sum a broadcast gradient back to the shape of `target` (the inverse of numpy broadcasting): leading extra axes
 * and axes where target has size 1 are summed.
 */
export function reduceToShape(g: Value, target: Value): Value {
  if (g.rank === target.rank && g.shape.every((d, i) => d === target.shape[i])) return g;
  const lead = g.rank - target.rank;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead) axes.push(i);
    else if (target.shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
  }
  const r = axes.length ? R.reduceSum(g, axes, true) : g;
  return lead > 0 ? S.reshapeLike(r, target) : r;
}

const ins = (n: Node) => [n.inputs[0], n.inputs[1]] as const;

/** Re-insert reduced axes as size 1 so the gradient broadcasts back over them. */
function keepdimsGrad(g: Value, x: Value, axes: number[], keep: boolean): Value {
  if (keep) return g;
  return S.reshape(
    g,
    x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
  );
}

function reducedAxes(n: Node, name: string): number[] {
  const x = n.inputs[0];
  return intsAttr(n.attrs, 'axes').map((a) => normAxis(a, x.rank, name));
}

function swapLast(x: Value): Value {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 1] = x.rank - 2;
  perm[x.rank - 2] = x.rank - 1;
  return S.transpose(x, perm);
}

const rules: Array<[OpDef, Vjp]> = [
  // Elementwise arithmetic: VJPs reduce broadcast axes back to each input's shape.
  [
    E.AddOp,
    (n, [g]) => {
      const [a, b] = ins(n);
      return [reduceToShape(g!, a), reduceToShape(g!, b)];
    },
  ],
  [
    E.SubOp,
    (n, [g]) => {
      const [a, b] = ins(n);
      return [reduceToShape(g!, a), reduceToShape(neg(g!), b)];
    },
  ],
  [
    E.MulOp,
    (n, [g]) => {
      const [a, b] = ins(n);
      return [reduceToShape(mul(g!, b), a), reduceToShape(mul(g!, a), b)];
    },
  ],
  [
    E.DivOp,
    (n, [g]) => {
      const [a, b] = ins(n);
      const ga = div(g!, b);
      // d(a/b)/db = -a/b^2 = -(out)/b
      const gb = neg(div(mul(g!, n.outputs[0]), b));
      return [reduceToShape(ga, a), reduceToShape(gb, b)];
    },
  ],
  [
    E.PowOp,
    (n, [g]) => {
      const [a, b] = ins(n);
      const out = n.outputs[0];
      // d/da a^b = b a^(b-1) = b * out / a is unsafe at a = 0, so use pow directly.
      const ga = mul(g!, mul(b, pow(a, sub(b, constLike(b, 1)))));
      const gb = mul(g!, mul(out, log(a)));
      return [reduceToShape(ga, a), reduceToShape(gb, b)];
    },
  ],
  [E.NegOp, (_n, [g]) => [neg(g!)]],
  [E.ExpOp, (n, [g]) => [mul(g!, n.outputs[0])]],
  [E.LogOp, (n, [g]) => [div(g!, n.inputs[0])]],
  [E.SqrtOp, (n, [g]) => [div(g!, mul(n.outputs[0], constLike(g!, 2)))]],
  [
    E.ReciprocalOp,
    (n, [g]) => {
      const y = n.outputs[0];
      return [neg(mul(g!, mul(y, y)))];
    },
  ],
  [
    E.SigmoidOp,
    (n, [g]) => {
      const y = n.outputs[0];
      return [mul(g!, mul(y, sub(constLike(y, 1), y)))];
    },
  ],
  [
    E.TanhOp,
    (n, [g]) => {
      const y = n.outputs[0];
      return [mul(g!, sub(constLike(y, 1), mul(y, y)))];
    },
  ],
  [E.SinOp, (n, [g]) => [mul(g!, cos(n.inputs[0]))]],
  [E.CosOp, (n, [g]) => [neg(mul(g!, sin(n.inputs[0])))]],
  [E.IdentityOp, (_n, [g]) => [g]],

  // Reductions: a broadcast back to the input's shape.
  [
    R.ReduceSumOp,
    (n, [g]) => {
      const x = n.inputs[0];
      const axes = reducedAxes(n, 'ReduceSum');
      return [S.expandLike(keepdimsGrad(g!, x, axes, intAttr(n.attrs, 'keepdims', 1) === 1), x)];
    },
  ],
  [
    R.ReduceMeanOp,
    (n, [g]) => {
      const x = n.inputs[0];
      const axes = reducedAxes(n, 'ReduceMean');
      const count = axes.reduce((acc, a) => {
        const d = x.shape[a];
        if (typeof d !== 'number') throw new Error('ReduceMean gradient needs static reduced dims');
        return acc * d;
      }, 1);
      const gk = keepdimsGrad(g!, x, axes, intAttr(n.attrs, 'keepdims', 1) === 1);
      return [S.expandLike(div(gk, constLike(gk, count)), x)];
    },
  ],

  // Shape manipulation.
  // Reshape's extra inputs only supply runtime sizes of symbols: no gradient flows to them.
  [S.ReshapeOp, (n, [g]) => [S.reshapeLike(g!, n.inputs[0]), ...n.inputs.slice(1).map(() => null)]],
  [S.ReshapeLikeOp, (n, [g]) => [S.reshapeLike(g!, n.inputs[0]), null]],
  [S.ExpandLikeOp, (n, [g]) => [reduceToShape(g!, n.inputs[0]), null]],
  [S.ExpandOp, (n, [g]) => [reduceToShape(g!, n.inputs[0])]],
  [
    S.TransposeOp,
    (n, [g]) => {
      const perm = intsAttr(n.attrs, 'perm');
      const inv = perm.map((_, k) => perm.indexOf(k));
      return [S.transpose(g!, inv)];
    },
  ],
  [
    S.SliceOp,
    (n, [g]) => {
      const x = n.inputs[0];
      const axis = normAxis(intAttr(n.attrs, 'axis'), x.rank, 'Slice');
      const start = intAttr(n.attrs, 'start');
      const end = intAttr(n.attrs, 'end');
      return [S.pad(g!, axis, start, (x.shape[axis] as number) - end)];
    },
  ],
  [
    S.PadOp,
    (n, [g]) => {
      const x = n.inputs[0];
      const axis = normAxis(intAttr(n.attrs, 'axis'), x.rank, 'Pad');
      const before = intAttr(n.attrs, 'before');
      return [S.slice(g!, axis, before, before + (x.shape[axis] as number))];
    },
  ],
  [
    S.SplitOp,
    (n, grads) => {
      const axis = normAxis(intAttr(n.attrs, 'axis'), n.inputs[0].rank, 'Split');
      const some = grads.find((g): g is Value => g !== null);
      if (!some) return [null];
      // A piece without a cotangent contributes zeros, anchored to a run-time value so they are not folded into an
      // initializer (ZerosLike); the anchor is multiplied by 0 there, so any value does.
      const anchor = I.cast(S.slice(S.reshape(some, [-1]), 0, 0, 1), 'int64');
      return [
        S.concat(
          grads.map((g, k) => g ?? I.zerosLike(n.outputs[k], anchor)),
          axis,
        ),
      ];
    },
  ],
  [
    S.ConcatOp,
    (n, [g]) => {
      const axis = normAxis(intAttr(n.attrs, 'axis'), n.inputs[0].rank, 'Concat');
      let at = 0;
      return n.inputs.map((x) => {
        const d = x.shape[axis] as number;
        const piece = S.slice(g!, axis, at, at + d);
        at += d;
        return piece;
      });
    },
  ],

  // Matrix products.
  [
    M.MatMulOp,
    (n, [g]) => {
      const [a, b] = n.inputs;
      return [reduceToShape(M.matmul(g!, swapLast(b)), a), reduceToShape(M.matmul(swapLast(a), g!), b)];
    },
  ],
  [
    M.GemmOp,
    (n, [g]) => {
      const [a, b] = n.inputs;
      const ta = intAttr(n.attrs, 'transA', 0);
      const tb = intAttr(n.attrs, 'transB', 0);
      const G = g!;
      if (!ta && !tb) return [M.gemm(G, b, false, true), M.gemm(a, G, true, false)];
      if (!ta && tb) return [M.gemm(G, b, false, false), M.gemm(G, a, true, false)];
      if (ta && !tb) return [M.gemm(b, G, false, true), M.gemm(a, G, false, false)];
      return [M.gemm(b, G, true, true), M.gemm(G, a, true, true)];
    },
  ],

  // Softmax and log-softmax over the last axis, closed form.
  [
    N.SoftmaxOp,
    // dx = y * (g - sum(g * y))
    (n, [g]) => {
      const y = n.outputs[0];
      return [mul(y, sub(g!, R.reduceSum(mul(g!, y), [-1], true)))];
    },
  ],
  [
    N.LogSoftmaxOp,
    // dx = g - softmax(x) * sum(g)
    (n, [g]) => {
      const y = n.outputs[0];
      return [sub(g!, mul(exp(y), R.reduceSum(g!, [-1], true)))];
    },
  ],

  // Indexing.
  [
    I.GatherOp,
    // Scatter-add the output gradient's rows back to the gathered rows. ScatterElements(add), not ScatterND(add):
    // the latter sums wrongly with 2 intra-op threads in onnxruntime (platform-facts.md).
    (n, [g]) => {
      const [data, idx] = n.inputs;
      const rowShape = data.shape.slice(1);
      const rows = S.reshape(g!, [-1, ...rowShape]);
      const idxCol = S.reshape(idx, [-1, ...rowShape.map(() => 1)]);
      return [I.scatterAdd(I.zerosLike(data, idx), S.expandLike(idxCol, rows), rows, 0), null];
    },
  ],
  [
    I.GatherElementsOp,
    (n, [g]) => {
      const [data, idx] = n.inputs;
      return [I.scatterAdd(I.zerosLike(data, idx), idx, g!, intAttr(n.attrs, 'axis')), null];
    },
  ],
  [I.ScatterAddOp, (n, [g]) => [g, null, I.gatherElements(g!, n.inputs[1], intAttr(n.attrs, 'axis'))]],
  [
    I.WhereOp,
    (n, [g]) => {
      const [c, a, b] = n.inputs;
      const zero = constLike(g!, 0);
      return [null, reduceToShape(I.where(c, g!, zero), a), reduceToShape(I.where(c, zero, g!), b)];
    },
  ],
  [
    I.CastOp,
    (n, [g]) => {
      const x = n.inputs[0];
      return [isFloat(x.dtype) && isFloat(n.outputs[0].dtype) ? I.cast(g!, x.dtype) : null];
    },
  ],
  // Slices with a runtime start: each is the other's adjoint (pad back / slice out at the same runtime offset).
  [
    D.SliceDynOp,
    (n, [g]) => {
      const x = n.inputs[0];
      const axis = normAxis(intAttr(n.attrs, 'axis'), x.rank, 'SliceDyn');
      const size = x.shape[axis] as number;
      return [D.padDyn(g!, n.inputs[1], axis, size - intAttr(n.attrs, 'end'), size), null];
    },
  ],
  [
    D.PadDynOp,
    (n, [g]) => {
      const axis = normAxis(intAttr(n.attrs, 'axis'), n.inputs[0].rank, 'PadDyn');
      const end = intAttr(n.attrs, 'size') - intAttr(n.attrs, 'after');
      return [D.sliceDyn(g!, n.inputs[1], axis, end, n.inputs[0].shape[axis] as string), null];
    },
  ],
];

/** The gradient rules of the engine's ops. */
export const GRADIENTS: ReadonlyMap<OpDef, Vjp> = new Map(rules);

/** Rules of ops made at run time (one OpDef per recomputed block, say), held no longer than their op. */
const defined = new WeakMap<OpDef, Vjp>();

/**
 * Gives an op made at run time its gradient rule. The engine's own ops have theirs in the table above; an op
 * defined in a module that this one imports must not register here (that would bring the import cycle back).
 */
export function defineGradient(op: OpDef, rule: Vjp): void {
  if (GRADIENTS.has(op)) throw new Error(`${op.name} already has a gradient rule in the table`);
  defined.set(op, rule);
}

/** The op's gradient rule; undefined for an op that is not differentiable. */
export function gradientOf(op: OpDef): Vjp | undefined {
  return GRADIENTS.get(op) ?? defined.get(op);
}
