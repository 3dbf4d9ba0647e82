/** Elementwise arithmetic with numpy broadcasting (gradient rules: ../gradients.ts). */
import type { OpDef, Value } from '../graph.ts';
import { broadcastShapes, checkSameFloat } from './common.ts';
import { constLike } from './constant.ts';

function binary(name: string): OpDef {
  return {
    name,
    infer: ([a, b]) => [{ dtype: checkSameFloat(name, [a, b]), shape: broadcastShapes(a.shape, b.shape, name) }],
    emit: (_n, i, o) => [{ opType: name, inputs: i, outputs: o }],
  };
}

function unary(name: string, opType = name): OpDef {
  return {
    name,
    infer: ([x]) => [{ dtype: x.dtype, shape: x.shape }],
    emit: (_n, i, o) => [{ opType, inputs: i, outputs: o }],
  };
}

export const AddOp: OpDef = binary('Add');
export const SubOp: OpDef = binary('Sub');
export const MulOp: OpDef = binary('Mul');
export const DivOp: OpDef = binary('Div');
export const PowOp: OpDef = binary('Pow');

export const NegOp: OpDef = unary('Neg');
export const ExpOp: OpDef = unary('Exp');
export const LogOp: OpDef = unary('Log');
export const SqrtOp: OpDef = unary('Sqrt');
export const ReciprocalOp: OpDef = unary('Reciprocal');
export const SigmoidOp: OpDef = unary('Sigmoid');
export const TanhOp: OpDef = unary('Tanh');
export const SinOp: OpDef = unary('Sin');
export const CosOp: OpDef = unary('Cos');
/** Identity with no gradient rule: the value is treated as a constant by autodiff (torch's .detach()). */
export const StopGradientOp: OpDef = unary('StopGradient', 'Identity');
export const IdentityOp: OpDef = unary('Identity');

const ap = (op: OpDef, xs: Value[]) => xs[0].graph.apply1(op, xs);
export const add = (a: Value, b: Value): Value => ap(AddOp, [a, b]);
export const sub = (a: Value, b: Value): Value => ap(SubOp, [a, b]);
export const mul = (a: Value, b: Value): Value => ap(MulOp, [a, b]);
export const div = (a: Value, b: Value): Value => ap(DivOp, [a, b]);
export const pow = (a: Value, b: Value): Value => ap(PowOp, [a, b]);
export const neg = (x: Value): Value => ap(NegOp, [x]);
export const exp = (x: Value): Value => ap(ExpOp, [x]);
export const log = (x: Value): Value => ap(LogOp, [x]);
export const sqrt = (x: Value): Value => ap(SqrtOp, [x]);
export const reciprocal = (x: Value): Value => ap(ReciprocalOp, [x]);
export const sigmoid = (x: Value): Value => ap(SigmoidOp, [x]);
export const tanh = (x: Value): Value => ap(TanhOp, [x]);
export const sin = (x: Value): Value => ap(SinOp, [x]);
export const cos = (x: Value): Value => ap(CosOp, [x]);
export const stopGradient = (x: Value): Value => ap(StopGradientOp, [x]);
export const identity = (x: Value): Value => ap(IdentityOp, [x]);
/** x * sigmoid(x), composed so its VJP follows from the primitives. */
export const silu = (x: Value): Value => mul(x, sigmoid(x));
export const scale = (x: Value, s: number): Value => mul(x, constLike(x, s));
export const square = (x: Value): Value => mul(x, x);
