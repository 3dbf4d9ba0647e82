/**
 * The emitted model declares every intermediate's type and shape as the IR infers them, symbols included, so that
 * onnxruntime's allocation planner knows the extent of a value sliced at a run-time start (which its own inference
 * leaves unknown). Without the declarations its planner scanned its whole free list once per such value, and session
 * creation grew quadratically with the graph (docs/engine.md). onnxruntime merges the declarations with what it
 * infers and rejects a contradiction, so running the model also checks that the IR's shapes agree with its own.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { emitModel, grad, Graph, mul, sliceDyn, sumAll } from '../../../main/engine/index.ts';
import { ModelProto } from '../../../main/engine/onnx/proto.ts';

interface Dim {
  dimValue?: number;
  dimParam?: string;
}
interface Info {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: Dim[] } } };
}

describe('value_info of intermediates', () => {
  it('declares each intermediate with the IR’s shape, and onnxruntime runs the model with it', async () => {
    const g = new Graph('vi');
    const x = g.input('x', 'float32', [1, 16, 4]);
    const start = g.input('start', 'int64', [1]);
    const y = sliceDyn(x, start, 1, 16, 'kv'); // [1, kv, 4]
    const loss = sumAll(mul(y, y));
    const [dx] = grad(loss, [x]);
    g.output('loss', loss);
    g.output('dx', dx);
    const model = ModelProto.toObject(ModelProto.decode(emitModel(g)), { longs: Number }) as {
      graph: { node: Array<{ output: string[] }>; valueInfo?: Info[]; output: Info[] };
    };
    const declared = new Map((model.graph.valueInfo ?? []).map((v) => [v.name, v]));
    const outputs = new Set(model.graph.output.map((o) => o.name));
    const produced = model.graph.node.flatMap((n) => n.output).filter((o) => !outputs.has(o));
    // Every value a node produces (the emitter's own helpers aside: constants, shape tensors) is declared...
    const ofIr = [...declared.keys()];
    expect(ofIr.length).toBeGreaterThan(3);
    for (const name of ofIr) expect(produced).toContain(name);
    // ...and the sliced value carries the symbol for its run-time extent.
    const sliced = [...declared.values()].filter((v) => v.type.tensorType.shape.dim.some((d) => d.dimParam === 'kv'));
    expect(sliced.length).toBeGreaterThan(0);
    expect(sliced[0].type.tensorType.shape.dim.map((d) => d.dimValue ?? d.dimParam)).toEqual([1, 'kv', 4]);

    const session = await ort.InferenceSession.create(emitModel(g), { graphOptimizationLevel: 'all' });
    const xs = Float32Array.from({ length: 64 }, (_, i) => i / 10);
    const res = await session.run({
      x: new ort.Tensor('float32', xs, [1, 16, 4]),
      start: new ort.Tensor('int64', BigInt64Array.of(5n), [1]),
    });
    await session.release();
    const want = xs.slice(20).reduce((a, v) => a + v * v, 0);
    expect(res.loss.data[0]).toBeCloseTo(want, 3);
    const d = res.dx.data as Float32Array;
    expect(d[19]).toBe(0);
    expect(d[20]).toBeCloseTo(2 * xs[20], 6);
  });
});
