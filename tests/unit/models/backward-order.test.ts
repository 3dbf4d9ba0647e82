/**
 * The step graph orders the forward pass's outputs before the recomputed regions' backward pass.
 *
 * The loss and the objective's outputs are read by nothing in the backward pass (it recomputes each region), so
 * without an edge onnxruntime may run their producers (a loss chunk's forward copy) at any point, and it ran one
 * after the whole backward pass: its allocation planner then held that chunk's [tokens, vocabulary] buffers from the
 * forward pass to the end (docs/engine.md, "Why the planner held memory"). What the engine can promise is the edge:
 * every gradient depends on the loss value.
 */
import { describe, expect, it } from 'vitest';
import type { Value } from '../../../main/engine/index.ts';
import { ALL_LINEAR } from '../../../main/models/adapter.ts';
import type { ModelConfig } from '../../../main/models/config.ts';
import { buildModelGraph } from '../../../main/models/graphs.ts';
import { crossEntropyObjective } from '../../../main/models/objectives.ts';
import { parameterSpecs } from '../../../main/models/transformer.ts';
import type { StoredTensor } from '../../../main/models/checkpoint.ts';

const config: ModelConfig = {
  architecture: 'qwen3',
  vocabSize: 61,
  hiddenSize: 16,
  intermediateSize: 24,
  numLayers: 2,
  numHeads: 2,
  numKvHeads: 1,
  headDim: 8,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  maxPositionEmbeddings: 64,
  tieWordEmbeddings: true,
  qkNorm: true,
  attentionBias: false,
};

const base = new Map<string, StoredTensor>(
  parameterSpecs(config).map((s) => [
    s.name,
    { name: s.name, dtype: 'F32', shape: s.shape, data: new Uint8Array(4 * s.shape.reduce((a, b) => a * b, 1)) },
  ]),
);

/** Whether `target` is computed from `from` (walks producers). */
function dependsOn(target: Value, from: Value): boolean {
  const seen = new Set<number>();
  const stack = [target];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (v.id === from.id) return true;
    if (seen.has(v.id) || !v.producer) continue;
    seen.add(v.id);
    stack.push(...v.producer.inputs);
  }
  return false;
}

describe('the backward pass of a recomputed step waits for the forward outputs', () => {
  for (const recomputeLayers of [true, false])
    it(`every updated adapter tensor depends on the loss (chunked loss, blocked attention, recomputeLayers ${recomputeLayers})`, () => {
      const g = buildModelGraph(config, 1, 32, 'step', crossEntropyObjective, {
        weights: { kind: 'lora', base, settings: { rank: 2, alpha: 4, targets: [...ALL_LINEAR] } },
        recomputeLayers,
        blockSize: 8,
        lossChunk: 12,
      });
      const loss = g.outputs.find((o) => o.name === 'loss')!.value;
      const updated = g.outputs.filter((o) => o.name.startsWith('new.p.'));
      expect(updated.length).toBe(2 * 7 * 2);
      for (const o of updated) expect(dependsOn(o.value, loss), o.name).toBe(true);
    });
});
