/** The engine's public surface: graph IR, ops, autodiff, ONNX emission, sessions. Knows nothing of RL. */
export * from './dtype.ts';
export * from './graph.ts';
export * from './autodiff.ts';
export { defineGradient, GRADIENTS, gradientOf, reduceToShape } from './gradients.ts';
export * from './ops/elementwise.ts';
export * from './ops/reduce.ts';
export * from './ops/shape.ts';
export * from './ops/matmul.ts';
export * from './ops/nn.ts';
export * from './ops/index-ops.ts';
export * from './ops/constant.ts';
export * from './ops/control.ts';
export * from './ops/dynamic-slice.ts';
export { emitModel, emitModelWithData, type ExternalData, OPSET } from './onnx/emit.ts';
export * from './remat.ts';
export * from './session.ts';
export * from './optim.ts';
