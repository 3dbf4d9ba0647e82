/**
 * onnxruntime's constant folding must not turn a backward pass's large zeros into initializers: the gradient of a
 * gather over the vocabulary scatters into zeros of the logits' shape, and with a static shape onnxruntime folded
 * them into one [chunk, vocabulary] float32 initializer per loss chunk (5 GB in a T = 8192 session of the
 * Qwen3-0.6B shape, which then ran out of memory). Checked on the model onnxruntime writes after its optimisations.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { emitModel, gatherElements, grad, Graph, logSoftmax, reshape, sumAll } from '../../../main/engine/index.ts';
import { ModelProto } from '../../../main/engine/onnx/proto.ts';
import { tempDir } from '../../support/temp.ts';

const N = 64;
const V = 4096;

describe('constant folding of backward zeros', () => {
  it('leaves no initializer of the logits’ size in the optimised gather gradient', async () => {
    const g = new Graph('fold');
    const logits = g.input('logits', 'float32', [N, V]);
    const targets = g.input('targets', 'int64', [N]);
    const logp = gatherElements(logSoftmax(logits), reshape(targets, [N, 1]), 1);
    const [dl] = grad(sumAll(logp), [logits]);
    g.output('dlogits', dl);
    const out = join(tempDir('fold'), 'optimised.onnx');
    const session = await ort.InferenceSession.create(emitModel(g), {
      graphOptimizationLevel: 'all',
      optimizedModelFilePath: out,
    });
    const res = await session.run({
      logits: new ort.Tensor('float32', new Float32Array(N * V), [N, V]),
      targets: new ort.Tensor(
        'int64',
        BigInt64Array.from({ length: N }, (_, i) => BigInt(i)),
        [N],
      ),
    });
    await session.release();
    // d logp_t / d logits = onehot(t) - softmax: with equal logits, 1 - 1/V at the target and -1/V elsewhere.
    const d = res.dlogits.data as Float32Array;
    expect(d[0]).toBeCloseTo(1 - 1 / V, 6);
    expect(d[1]).toBeCloseTo(-1 / V, 6);
    const model = ModelProto.toObject(ModelProto.decode(readFileSync(out)), { longs: Number }) as {
      graph: { initializer?: Array<{ name: string; dims: number[] }> };
    };
    const big = (model.graph.initializer ?? []).filter((t) => t.dims.reduce((a, b) => a * b, 1) >= N * V);
    expect(big.map((t) => `${t.name} [${t.dims.join(', ')}]`)).toEqual([]);
  });
});
