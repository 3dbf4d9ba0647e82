/** Softmax and log-softmax over the last axis, with their closed-form VJPs. */
import type { OpDef, Value } from '../graph.ts';
import { intAttr } from './common.ts';
import { exp, mul, sub } from './elementwise.ts';
import { reduceSum } from './reduce.ts';

function lastAxisOnly(name: string): OpDef['infer'] {
  return ([x], attrs) => {
    const axis = intAttr(attrs, 'axis', -1);
    if (axis !== -1 && axis !== x.rank - 1) throw new Error(`${name}: only the last axis is supported`);
    return [{ dtype: x.dtype, shape: x.shape }];
  };
}

export const SoftmaxOp: OpDef = {
  name: 'Softmax',
  infer: lastAxisOnly('Softmax'),
  emit: (_n, i, o) => [{ opType: 'Softmax', inputs: i, outputs: o, attrs: { axis: -1 } }],
  // dx = y * (g - sum(g * y))
  vjp: (n, [g]) => {
    const y = n.outputs[0];
    return [mul(y, sub(g!, reduceSum(mul(g!, y), [-1], true)))];
  },
};

export const LogSoftmaxOp: OpDef = {
  name: 'LogSoftmax',
  infer: lastAxisOnly('LogSoftmax'),
  emit: (_n, i, o) => [{ opType: 'LogSoftmax', inputs: i, outputs: o, attrs: { axis: -1 } }],
  // dx = g - softmax(x) * sum(g)
  vjp: (n, [g]) => {
    const y = n.outputs[0];
    return [sub(g!, mul(exp(y), reduceSum(g!, [-1], true)))];
  },
};

export const softmax = (x: Value): Value => x.graph.apply1(SoftmaxOp, [x], { axis: -1 });
export const logSoftmax = (x: Value): Value => x.graph.apply1(LogSoftmaxOp, [x], { axis: -1 });
