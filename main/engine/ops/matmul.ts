/**
 * Matrix products. Gemm (2-D, with transpose flags) carries the linear layers; MatMul the batched attention.
 * (Gradient rules: ../gradients.ts.)
 */
import type { Dim, OpDef, Value } from '../graph.ts';
import { broadcastShapes, checkSameFloat, intAttr, ShapeError } from './common.ts';

export const MatMulOp: OpDef = {
  name: 'MatMul',
  infer: ([a, b]) => {
    const dtype = checkSameFloat('MatMul', [a, b]);
    if (a.rank < 2 || b.rank < 2) throw new ShapeError('MatMul: inputs must have rank >= 2');
    const k1 = a.shape[a.rank - 1];
    const k2 = b.shape[b.rank - 2];
    if (k1 !== k2) throw new ShapeError(`MatMul: inner dims differ (${k1} vs ${k2})`);
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2), 'MatMul');
    const shape: Dim[] = [...batch, a.shape[a.rank - 2], b.shape[b.rank - 1]];
    return [{ dtype, shape }];
  },
  emit: (_n, i, o) => [{ opType: 'MatMul', inputs: i, outputs: o }],
};

/** Y = op(A) · op(B), op = transpose when the flag is set. No bias (biases are separate adds). */
export const GemmOp: OpDef = {
  name: 'Gemm',
  infer: ([a, b], attrs) => {
    const dtype = checkSameFloat('Gemm', [a, b]);
    if (a.rank !== 2 || b.rank !== 2) throw new ShapeError('Gemm: inputs must be 2-D');
    const ta = intAttr(attrs, 'transA', 0);
    const tb = intAttr(attrs, 'transB', 0);
    const [m, k1] = ta ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
    const [k2, nn] = tb ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
    if (k1 !== k2) throw new ShapeError(`Gemm: inner dims differ (${k1} vs ${k2})`);
    return [{ dtype, shape: [m, nn] }];
  },
  emit: (n, i, o) => [
    {
      opType: 'Gemm',
      inputs: i,
      outputs: o,
      attrs: { transA: intAttr(n.attrs, 'transA', 0), transB: intAttr(n.attrs, 'transB', 0) },
    },
  ],
};

export const matmul = (a: Value, b: Value): Value => a.graph.apply1(MatMulOp, [a, b]);
export const gemm = (a: Value, b: Value, transA = false, transB = false): Value =>
  a.graph.apply1(GemmOp, [a, b], { transA: transA ? 1 : 0, transB: transB ? 1 : 0 });
/** A linear layer in Hugging Face layout: x [N, in] · W[out, in]^T. */
export const linear = (x: Value, w: Value): Value => gemm(x, w, false, true);
