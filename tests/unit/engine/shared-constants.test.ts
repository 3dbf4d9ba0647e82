/**
 * Ops emit their small constants (slice bounds, shapes, axes) as Constant nodes of their own; the emitter writes each
 * distinct one once and points every use at it (onnxruntime's own sharing pass took quadratic time over the tens of
 * thousands of a long-context step: docs/engine.md). The model must compute the same thing.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { add, emitModel, Graph, slice } from '../../../main/engine/index.ts';
import { ModelProto } from '../../../main/engine/onnx/proto.ts';

describe('small constants in the emitted model', () => {
  it('are emitted once each, and the model still computes the same', async () => {
    const g = new Graph('shared');
    const x = g.input('x', 'float32', [2, 8]);
    const y = g.input('y', 'float32', [2, 8]);
    // Four slices with the same bounds and axis (one set of constants), and one with other bounds.
    const s = add(add(slice(x, 1, 2, 6), slice(y, 1, 2, 6)), add(slice(x, 1, 2, 6), slice(y, 1, 2, 6)));
    g.output('out', add(s, slice(x, 1, 4, 8)));
    const model = ModelProto.toObject(ModelProto.decode(emitModel(g)), { longs: Number, bytes: Array }) as {
      graph: { node: Array<{ opType: string; input: string[]; output: string[]; attribute: unknown[] }> };
    };
    const constants = model.graph.node.filter((n) => n.opType === 'Constant');
    const values = constants.map((n) => JSON.stringify(n.attribute));
    expect(new Set(values).size).toBe(values.length); // no two Constant nodes hold the same value
    const slices = model.graph.node.filter((n) => n.opType === 'Slice');
    expect(slices).toHaveLength(5);
    expect(new Set(slices.slice(0, 4).map((n) => n.input.slice(1).join()))).toHaveProperty('size', 1);
    const produced = new Set(model.graph.node.flatMap((n) => n.output));
    for (const n of slices) for (const i of n.input.slice(1)) expect(produced).toContain(i);

    const session = await ort.InferenceSession.create(emitModel(g));
    const xs = Float32Array.from({ length: 16 }, (_, i) => i);
    const ys = Float32Array.from({ length: 16 }, (_, i) => 100 + i);
    const res = await session.run({
      x: new ort.Tensor('float32', xs, [2, 8]),
      y: new ort.Tensor('float32', ys, [2, 8]),
    });
    await session.release();
    // Row 0, column 0: 2 * (x[0][2] + y[0][2]) + x[0][4] = 2 * (2 + 102) + 4.
    expect(res.out.data[0]).toBe(212);
    expect(res.out.dims).toEqual([2, 4]);
  });
});
