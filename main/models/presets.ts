/**
 * Built-in model sizes. `tiny` is the workbench's own model: small enough to train with RL on 2 CPU cores
 * (about 0.9M parameters), Qwen3-style (GQA, q/k norm, tied embeddings). `small` and `medium` are the larger
 * sizes the engine benchmark uses. Vocab sizes match the built-in tokenizer where one is used.
 */
import { CodError } from '../base/errors.ts';
import type { ModelConfig } from './config.ts';

const base = {
  architecture: 'qwen3',
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  maxPositionEmbeddings: 4096,
  tieWordEmbeddings: true,
  qkNorm: true,
  attentionBias: false,
} as const;

export const MODEL_PRESETS: Readonly<Record<string, ModelConfig>> = {
  tiny: {
    ...base,
    vocabSize: 512,
    hiddenSize: 128,
    intermediateSize: 384,
    numLayers: 4,
    numHeads: 4,
    numKvHeads: 2,
    headDim: 32,
  },
  small: {
    ...base,
    vocabSize: 2048,
    hiddenSize: 256,
    intermediateSize: 768,
    numLayers: 4,
    numHeads: 8,
    numKvHeads: 4,
    headDim: 32,
  },
  medium: {
    ...base,
    vocabSize: 4096,
    hiddenSize: 512,
    intermediateSize: 1536,
    numLayers: 6,
    numHeads: 8,
    numKvHeads: 4,
    headDim: 64,
  },
};

export function presetConfig(name: string): ModelConfig {
  const c = MODEL_PRESETS[name];
  if (!c)
    throw new CodError(
      'bad_input',
      `unknown model preset '${name}' (known: ${Object.keys(MODEL_PRESETS).join(', ')})`,
      '--preset',
    );
  return { ...c };
}
