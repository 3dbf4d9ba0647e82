/** Softmax and log-softmax over the last axis (closed-form gradient rules: ../gradients.ts). */
import type { OpDef, Value } from '../graph.ts';
import { intAttr } from './common.ts';

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
};

export const LogSoftmaxOp: OpDef = {
  name: 'LogSoftmax',
  infer: lastAxisOnly('LogSoftmax'),
  emit: (_n, i, o) => [{ opType: 'LogSoftmax', inputs: i, outputs: o, attrs: { axis: -1 } }],
};

export const softmax = (x: Value): Value => x.graph.apply1(SoftmaxOp, [x], { axis: -1 });
export const logSoftmax = (x: Value): Value => x.graph.apply1(LogSoftmaxOp, [x], { axis: -1 });
