/** Shared fixtures of the LoRA tests: random configs, models, batches, comparisons. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { saveCheckpoint } from '../../main/models/checkpoint.ts';
import type { ModelConfig } from '../../main/models/config.ts';
import { initWeights } from '../../main/models/init.ts';
import { writeRandomCheckpoint } from '../../main/models/random-checkpoint.ts';
import { readSafetensorsFile, toFloat32 } from '../../main/models/safetensors.ts';

export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

export const base: ModelConfig = {
  architecture: 'llama',
  vocabSize: 97,
  hiddenSize: 48,
  intermediateSize: 80,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 4,
  headDim: 12,
  rmsNormEps: 1e-5,
  ropeTheta: 10000,
  maxPositionEmbeddings: 512,
  tieWordEmbeddings: false,
  qkNorm: false,
  attentionBias: false,
};

export interface Case {
  config: ModelConfig;
  targets: string;
  /** Extra `cod engine grads` flags (the memory paths under test). */
  flags: string[];
  bf16?: boolean;
}

export const cases: Record<string, Case> = {
  'llama MHA untied, all linear + lm_head, dense attention': {
    config: base,
    targets: 'q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj,lm_head',
    flags: ['--attention', 'dense', '--loss-chunk', '0'],
  },
  'llama GQA tied, q/v only, blocked attention, chunked loss': {
    config: { ...base, numKvHeads: 2, tieWordEmbeddings: true },
    targets: 'q_proj,v_proj',
    flags: ['--block', '8', '--loss-chunk', '24'],
  },
  'qwen2 GQA q/k/v bias, all linear, recomputed layers, bf16 base': {
    config: { ...base, architecture: 'qwen2', numKvHeads: 1, attentionBias: true, rmsNormEps: 1e-6 },
    targets: 'all-linear',
    flags: ['--block', '16', '--loss-chunk', '40', '--recompute-layers'],
    bf16: true,
  },
  'qwen3 GQA q/k norm tied, lm_head on a tied head, blocked + recomputed': {
    config: {
      ...base,
      architecture: 'qwen3',
      numHeads: 6,
      numKvHeads: 2,
      headDim: 16,
      qkNorm: true,
      tieWordEmbeddings: true,
      numLayers: 3,
    },
    targets: 'q_proj,k_proj,o_proj,down_proj,lm_head',
    flags: ['--block', '8', '--loss-chunk', '16', '--mlp-chunk', '10', '--recompute-layers'],
  },
};

export function relL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

export async function tensors(path: string): Promise<Map<string, Float32Array>> {
  return new Map((await readSafetensorsFile(path)).tensors.map((t) => [t.name, toFloat32(t, path)]));
}

export async function makeModel(dir: string, c: Case, seed: number): Promise<string> {
  const model = join(dir, 'model');
  if (c.bf16) await writeRandomCheckpoint(model, c.config, { seed, dtype: 'BF16', std: 0.15 });
  else await saveCheckpoint(model, c.config, initWeights(c.config, seed, 0.15));
  return model;
}

export function batchFile(dir: string, vocab: number, lengths: number[], seed: number): string {
  const r = rng(seed);
  const sequences = lengths.map((n) => Array.from({ length: n }, () => Math.floor(r() * vocab)));
  const lossMask = sequences.map((s) => s.map((_, t) => (t === 0 ? 0 : r() < 0.8 ? 1 : 0)));
  lossMask[0][1] = 1;
  const path = join(dir, 'batch.json');
  writeFileSync(path, JSON.stringify({ sequences, loss_mask: lossMask }));
  return path;
}

export const ok = (r: { code: number; stderr: string }) => {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
};
