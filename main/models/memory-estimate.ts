/**
 * A rough peak-memory estimate of one training step, so `cod doctor` can say before a long run whether a model and
 * context fit. It counts the big tensors of the engine's graphs (docs/engine.md, "Memory"); it is an estimate, and
 * `npm run bench:memory` measures the real peak for the Qwen3-0.6B shape (docs/benchmarks.md).
 */
import { adapterSpecs, type LoraSettings } from './adapter.ts';
import type { ModelConfig } from './config.ts';
import { lossChunkFor } from './graphs.ts';
import { mappedByDefault } from './mapped-base.ts';
import { parameterCount } from './model-budget.ts';

export interface MemoryEstimate {
  readonly parameters: number;
  readonly adapterParameters: number;
  /** Bytes of each part. */
  readonly parts: Record<string, number>;
  readonly totalBytes: number;
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

export function estimateStepMemory(
  c: ModelConfig,
  context: number,
  opts: { lora?: LoraSettings; storedBytesPerParam?: number; recomputeLayers?: boolean; blockSize?: number },
): MemoryEstimate {
  const parameters = parameterCount(c);
  const adapterParameters = opts.lora ? adapterSpecs(c, opts.lora).reduce((a, s) => a + numel(s.shape), 0) : 0;
  const T = context;
  const D = c.hiddenSize;
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const I = c.intermediateSize;
  // Activations one layer keeps for its backward pass (float32): norms, q/k/v, context, MLP gate/up/product.
  const layerActs = T * (4 * D + 2 * q + 2 * kv + 4 * I) * 4;
  const block = Math.min(T, opts.blockSize ?? 256);
  // A large LoRA base is one mapped float32 file every session shares (mapped-base.ts); a small one is held as
  // stored and copied into the session as float32.
  const mapped = mappedByDefault(parameters);
  const parts: Record<string, number> = opts.lora
    ? {
        ...(mapped
          ? { 'base weights, mapped float32 file (shared by every session)': parameters * 4 }
          : {
              'base weights as stored (host)': parameters * (opts.storedBytesPerParam ?? 2),
              'base weights in the session (float32)': parameters * 4,
            }),
        'adapter + AdamW state + gradients (float32)': adapterParameters * 4 * 4,
      }
    : { 'weights, gradients, AdamW state (float32)': parameters * 4 * 5 };
  parts['activations kept between forward and backward'] = opts.recomputeLayers
    ? c.numLayers * T * D * 4 + layerActs
    : c.numLayers * layerActs;
  parts['attention block scores (one block, recomputed)'] = 3 * c.numHeads * block * T * 4;
  parts['vocabulary loss chunk'] = 4 * Math.min(T, lossChunkFor(c.vocabSize)) * c.vocabSize * 4;
  const totalBytes = Object.values(parts).reduce((a, b) => a + b, 0);
  return { parameters, adapterParameters, parts, totalBytes };
}
