import { describe, expect, it } from 'vitest';
import * as E from '../../../main/engine/index.ts';
import { tensorData, type Graph, type Value } from '../../../main/engine/index.ts';
import { gradCheck, type GradCase } from './gradcheck.ts';

const pos = (_i: number, n: number) => Array.from({ length: n }, (_, k) => 0.5 + ((k * 7) % 11) / 10);
const i64 = (g: Graph, shape: number[], vals: number[]): Value =>
  g.constant(tensorData('int64', shape, BigInt64Array.from(vals.map(BigInt))));
const bool = (g: Graph, shape: number[], vals: boolean[]): Value =>
  g.constant(tensorData('bool', shape, Uint8Array.from(vals.map((b) => (b ? 1 : 0)))));

/** One case per op (and per broadcasting / transpose variant). Every differentiable op of the engine is here. */
const cases: Record<string, GradCase> = {
  Add: {
    shapes: [
      [2, 3],
      [2, 3],
    ],
    build: (_g, [a, b]) => E.add(a, b),
  },
  'Add broadcast': {
    shapes: [
      [2, 3, 4],
      [3, 1],
    ],
    build: (_g, [a, b]) => E.add(a, b),
  },
  Sub: { shapes: [[4], [2, 4]], build: (_g, [a, b]) => E.sub(a, b) },
  Mul: {
    shapes: [
      [2, 1, 3],
      [4, 1],
    ],
    build: (_g, [a, b]) => E.mul(a, b),
  },
  Div: { shapes: [[2, 3], [3]], build: (_g, [a, b]) => E.div(a, b), init: pos },
  Pow: {
    shapes: [
      [2, 3],
      [2, 3],
    ],
    build: (_g, [a, b]) => E.pow(a, b),
    init: pos,
  },
  Neg: { shapes: [[5]], build: (_g, [a]) => E.neg(a) },
  Exp: { shapes: [[2, 3]], build: (_g, [a]) => E.exp(a) },
  Log: { shapes: [[2, 3]], build: (_g, [a]) => E.log(a), init: pos },
  Sqrt: { shapes: [[2, 3]], build: (_g, [a]) => E.sqrt(a), init: pos },
  Reciprocal: { shapes: [[6]], build: (_g, [a]) => E.reciprocal(a), init: pos },
  Sigmoid: { shapes: [[2, 3]], build: (_g, [a]) => E.sigmoid(a) },
  Tanh: { shapes: [[2, 3]], build: (_g, [a]) => E.tanh(a) },
  Sin: { shapes: [[2, 3]], build: (_g, [a]) => E.sin(a) },
  Cos: { shapes: [[2, 3]], build: (_g, [a]) => E.cos(a) },
  Identity: { shapes: [[3]], build: (_g, [a]) => E.identity(a) },
  'StopGradient (zero grad through the stopped branch)': {
    shapes: [[3]],
    build: (_g, [a]) => E.add(a, E.mul(E.stopGradient(a), E.constLike(a, 0))),
  },
  ReduceSum: { shapes: [[2, 3, 4]], build: (_g, [a]) => E.reduceSum(a, [1], false) },
  'ReduceSum keepdims': { shapes: [[2, 3, 4]], build: (_g, [a]) => E.reduceSum(a, [0, 2], true) },
  ReduceMean: { shapes: [[2, 3, 4]], build: (_g, [a]) => E.reduceMean(a, [-1], false) },
  Reshape: { shapes: [[2, 3, 4]], build: (_g, [a]) => E.reshape(a, [6, -1]) },
  ReshapeLike: {
    shapes: [
      [2, 6],
      [3, 4],
    ],
    build: (_g, [a, b]) => E.add(E.reshapeLike(a, b), b),
  },
  ExpandLike: {
    shapes: [
      [3, 1],
      [2, 3, 4],
    ],
    build: (_g, [a, b]) => E.mul(E.expandLike(a, b), b),
  },
  Expand: { shapes: [[1, 4]], build: (_g, [a]) => E.expand(a, [2, 3, 4]) },
  Transpose: { shapes: [[2, 3, 4]], build: (_g, [a]) => E.transpose(a, [2, 0, 1]) },
  Slice: { shapes: [[3, 5]], build: (_g, [a]) => E.slice(a, 1, 1, 4) },
  Pad: { shapes: [[3, 2]], build: (_g, [a]) => E.pad(a, 0, 1, 2) },
  Concat: {
    shapes: [
      [2, 3],
      [2, 2],
    ],
    build: (_g, [a, b]) => E.concat([a, b], 1),
  },
  MatMul: {
    shapes: [
      [2, 3, 4],
      [2, 4, 5],
    ],
    build: (_g, [a, b]) => E.matmul(a, b),
  },
  'MatMul broadcast batch': {
    shapes: [
      [2, 2, 3, 4],
      [4, 5],
    ],
    build: (_g, [a, b]) => E.matmul(a, b),
  },
  Gemm: {
    shapes: [
      [3, 4],
      [4, 5],
    ],
    build: (_g, [a, b]) => E.gemm(a, b),
  },
  'Gemm transB': {
    shapes: [
      [3, 4],
      [5, 4],
    ],
    build: (_g, [a, b]) => E.gemm(a, b, false, true),
  },
  'Gemm transA': {
    shapes: [
      [4, 3],
      [4, 5],
    ],
    build: (_g, [a, b]) => E.gemm(a, b, true, false),
  },
  'Gemm transA transB': {
    shapes: [
      [4, 3],
      [5, 4],
    ],
    build: (_g, [a, b]) => E.gemm(a, b, true, true),
  },
  Softmax: { shapes: [[2, 5]], build: (_g, [a]) => E.softmax(a) },
  LogSoftmax: { shapes: [[3, 4]], build: (_g, [a]) => E.logSoftmax(a) },
  'Gather (embedding, repeated ids)': {
    shapes: [[5, 3]],
    build: (g, [t]) => E.gather(t, i64(g, [2, 3], [0, 4, 4, 1, 0, 4])),
  },
  GatherElements: {
    shapes: [[3, 4]],
    build: (g, [a]) => E.gatherElements(a, i64(g, [3, 2], [0, 3, 1, 1, 2, 0]), 1),
  },
  ScatterAdd: {
    shapes: [
      [3, 4],
      [2, 4],
    ],
    build: (g, [d, u]) => E.scatterAdd(d, i64(g, [2, 4], [0, 2, 2, 1, 1, 1, 0, 2]), u, 0),
  },
  Where: {
    shapes: [[2, 3], [3]],
    build: (g, [a, b]) => E.where(bool(g, [2, 3], [true, false, true, false, false, true]), a, b),
  },
  // Through float32 a 1e-6 step is below resolution; on a quadratic, central differences are exact for any step.
  'Cast float64 -> float32 -> float64': {
    shapes: [[4]],
    eps: 1e-2,
    build: (_g, [a]) => E.cast(E.mul(E.cast(a, 'float32'), E.cast(a, 'float32')), 'float64'),
  },
  'Composite: SiLU': { shapes: [[2, 4]], build: (_g, [a]) => E.silu(a) },
  // Runtime start 2 of 6 along axis 1; the cotangent is weighted so every kept element's gradient differs.
  'SliceDyn (runtime start)': {
    shapes: [[2, 6]],
    build: (g, [a]) => {
      const s = E.sliceDyn(a, i64(g, [1], [2]), 1, 5, 'n');
      return E.reduceSum(E.mul(s, s), [1], true);
    },
  },
  'Split (pieces, one without a cotangent)': {
    shapes: [[3, 7]],
    build: (_g, [a]) => {
      const [p, , r] = E.split(E.mul(a, a), 1, [2, 1, 4]);
      return E.add(E.reduceSum(E.tanh(p), [1], true), E.reduceSum(E.mul(r, r), [1], true));
    },
  },
  'PadDyn (runtime before)': {
    shapes: [[3, 2]],
    build: (g, [a]) => E.padDyn(E.mul(a, a), i64(g, [1], [1]), 0, 2, 6),
  },
  'Remat (recomputed region = direct)': {
    shapes: [
      [3, 4],
      [4, 4],
    ],
    build: (_g, [a, b]) => {
      const [y] = E.remat('t', [a, b], ([x, w]) => [E.softmax(E.matmul(E.tanh(x), w))]);
      return E.mul(y, y);
    },
  },
};

describe('every op gradient matches central finite differences (float64)', () => {
  for (const [name, c] of Object.entries(cases)) {
    it(name, async () => {
      const { maxRelErr } = await gradCheck(c);
      // Through float32, rounding (~6e-8 relative / step 1e-2) bounds the agreement, not the rule.
      const tol = name.startsWith('Cast') ? 1e-4 : 1e-6;
      expect(maxRelErr).toBeLessThan(tol);
    });
  }

  it('covers every op with a gradient rule, and every rule is for an op the engine exports', () => {
    const differentiable = [...E.GRADIENTS.keys()].map((op) => op.name);
    const covered = new Set(Object.keys(cases).map((n) => n.split(' ')[0]));
    expect(differentiable.filter((op) => !covered.has(op))).toEqual([]);
    const exported = new Set(Object.values(E));
    expect([...E.GRADIENTS.keys()].filter((op) => !exported.has(op)).map((op) => op.name)).toEqual([]);
  });
});

describe('an op made at run time', () => {
  it('gets its gradient rule through defineGradient, and a table op cannot be given a second one', async () => {
    // y = x * 3 as an opaque op whose rule the test supplies: grad is 3 everywhere.
    const Triple: E.OpDef = {
      name: 'Triple',
      infer: ([x]) => [{ dtype: x.dtype, shape: x.shape }],
      emit: (_n, i, o, fresh) => {
        const c = fresh();
        return [
          {
            opType: 'Constant',
            inputs: [],
            outputs: [c],
            attrs: { value: tensorData('float64', [], Float64Array.of(3)) },
          },
          { opType: 'Mul', inputs: [i[0], c], outputs: o },
        ];
      },
    };
    E.defineGradient(Triple, (_n, [g]) => [E.scale(g!, 3)]);
    const { maxRelErr } = await gradCheck({ shapes: [[4]], build: (g, [a]) => g.apply1(Triple, [a]) });
    expect(maxRelErr).toBeLessThan(1e-6);
    expect(() => E.defineGradient(E.AddOp, (_n, [g]) => [g, g])).toThrow(/already has a gradient rule/);
  });
});
