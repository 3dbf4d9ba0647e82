/** Elementwise arithmetic with numpy broadcasting. VJPs reduce broadcast axes back to each input's shape. */
import { type Node, type OpDef, type Value } from '../graph.ts';
import { broadcastShapes, checkSameFloat } from './common.ts';
import { reduceToShape } from './reduce.ts';
import { constLike } from './constant.ts';

function binary(name: string, vjp: OpDef['vjp']): OpDef {
  return {
    name,
    infer: ([a, b]) => [{ dtype: checkSameFloat(name, [a, b]), shape: broadcastShapes(a.shape, b.shape, name) }],
    emit: (_n, i, o) => [{ opType: name, inputs: i, outputs: o }],
    vjp,
  };
}

function unary(name: string, vjp: OpDef['vjp'], opType = name): OpDef {
  return {
    name,
    infer: ([x]) => [{ dtype: x.dtype, shape: x.shape }],
    emit: (_n, i, o) => [{ opType, inputs: i, outputs: o }],
    vjp,
  };
}

const [a0, a1] = [0, 1];
const ins = (n: Node) => [n.inputs[a0], n.inputs[a1]] as const;

export const AddOp: OpDef = binary('Add', (n, [g]) => {
  const [a, b] = ins(n);
  return [reduceToShape(g!, a), reduceToShape(g!, b)];
});
export const SubOp: OpDef = binary('Sub', (n, [g]) => {
  const [a, b] = ins(n);
  return [reduceToShape(g!, a), reduceToShape(neg(g!), b)];
});
export const MulOp: OpDef = binary('Mul', (n, [g]) => {
  const [a, b] = ins(n);
  return [reduceToShape(mul(g!, b), a), reduceToShape(mul(g!, a), b)];
});
export const DivOp: OpDef = binary('Div', (n, [g]) => {
  const [a, b] = ins(n);
  const ga = div(g!, b);
  // d(a/b)/db = -a/b^2 = -(out)/b
  const gb = neg(div(mul(g!, n.outputs[0]), b));
  return [reduceToShape(ga, a), reduceToShape(gb, b)];
});
export const PowOp: OpDef = binary('Pow', (n, [g]) => {
  const [a, b] = ins(n);
  const out = n.outputs[0];
  // d/da a^b = b a^(b-1) = b * out / a is unsafe at a = 0, so use pow directly.
  const ga = mul(g!, mul(b, pow(a, sub(b, constLike(b, 1)))));
  const gb = mul(g!, mul(out, log(a)));
  return [reduceToShape(ga, a), reduceToShape(gb, b)];
});

export const NegOp: OpDef = unary('Neg', (_n, [g]) => [neg(g!)]);
export const ExpOp: OpDef = unary('Exp', (n, [g]) => [mul(g!, n.outputs[0])]);
export const LogOp: OpDef = unary('Log', (n, [g]) => [div(g!, n.inputs[0])]);
export const SqrtOp: OpDef = unary('Sqrt', (n, [g]) => [div(g!, mul(n.outputs[0], constLike(g!, 2)))]);
export const ReciprocalOp: OpDef = unary('Reciprocal', (n, [g]) => {
  const y = n.outputs[0];
  return [neg(mul(g!, mul(y, y)))];
});
export const SigmoidOp: OpDef = unary('Sigmoid', (n, [g]) => {
  const y = n.outputs[0];
  return [mul(g!, mul(y, sub(constLike(y, 1), y)))];
});
export const TanhOp: OpDef = unary('Tanh', (n, [g]) => {
  const y = n.outputs[0];
  return [mul(g!, sub(constLike(y, 1), mul(y, y)))];
});
export const SinOp: OpDef = unary('Sin', (n, [g]) => [mul(g!, cos(n.inputs[0]))]);
export const CosOp: OpDef = unary('Cos', (n, [g]) => [neg(mul(g!, sin(n.inputs[0])))]);
/** Identity whose gradient is zero: the value is treated as a constant by autodiff (torch's .detach()). */
export const StopGradientOp: OpDef = unary('StopGradient', undefined, 'Identity');
export const IdentityOp: OpDef = unary('Identity', (_n, [g]) => [g]);

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
