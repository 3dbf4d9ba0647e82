/**
 * Whole-model parity with PyTorch: `cod engine grads` (packed rows, float32, onnxruntime) against an
 * independent float64 PyTorch implementation run sequence by sequence (no packing), over random configs
 * covering GQA, q/k norm, q/k/v bias, tied and untied embeddings, RoPE scaling and packed sequences.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../main/models/config.ts';
import { saveCheckpoint } from '../../main/models/checkpoint.ts';
import { initWeights } from '../../main/models/init.ts';
import { presetConfig } from '../../main/models/presets.ts';
import { readSafetensorsFile, toFloat32 } from '../../main/models/safetensors.ts';
import { cod } from '../support/cod.ts';
import { assertTorchAvailable, torchGrads } from './torch-reference.ts';
import { tempDir } from '../support/temp.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

const base: ModelConfig = {
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

const configs: Record<string, ModelConfig> = {
  'llama MHA untied': base,
  'llama GQA tied, rope theta 500000, llama3 scaling': {
    ...base,
    numKvHeads: 2,
    tieWordEmbeddings: true,
    ropeTheta: 500000,
    ropeScaling: { type: 'llama3', factor: 8, lowFreqFactor: 1, highFreqFactor: 4, originalMaxPositionEmbeddings: 64 },
  },
  'qwen2 GQA with q/k/v bias': { ...base, architecture: 'qwen2', numKvHeads: 1, attentionBias: true, rmsNormEps: 1e-6 },
  'qwen3 GQA q/k norm tied, head_dim != hidden/heads': {
    ...base,
    architecture: 'qwen3',
    numHeads: 6,
    numKvHeads: 2,
    headDim: 16,
    qkNorm: true,
    tieWordEmbeddings: true,
    numLayers: 3,
  },
};

function relL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
}

/** `cod engine grads` on random sequences of these lengths (packed) against the PyTorch reference. */
async function expectParity(config: ModelConfig, lengths: number[], seed: number): Promise<void> {
  const r = rng(seed);
  const dir = tempDir('parity');
  const model = join(dir, 'model');
  // Larger init than HF's 0.02 so attention is far from uniform and every path carries signal.
  await saveCheckpoint(model, config, initWeights(config, seed, 0.15));
  const sequences = lengths.map((n) => Array.from({ length: n }, () => Math.floor(r() * config.vocabSize)));
  const lossMask = sequences.map((s) => s.map((_, t) => (t === 0 ? 0 : r() < 0.8 ? 1 : 0)));
  lossMask[0][1] = 1;
  const batch = join(dir, 'batch.json');
  writeFileSync(batch, JSON.stringify({ sequences, loss_mask: lossMask }));
  const ours = join(dir, 'ours.safetensors');
  const res = await cod(['engine', 'grads', '--model', model, '--batch', batch, '--out', ours]);
  expect(res.stderr).toBe('');
  expect(res.code).toBe(0);
  expect(res.stdout).toMatch(/packed into \d+x\d+/);
  const ref = join(dir, 'ref.safetensors');
  await torchGrads(model, batch, ref);

  const a = new Map((await readSafetensorsFile(ours)).tensors.map((t) => [t.name, toFloat32(t, ours)]));
  const b = new Map((await readSafetensorsFile(ref)).tensors.map((t) => [t.name, toFloat32(t, ref)]));
  expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
  const lossA = a.get('loss')![0];
  const lossB = b.get('loss')![0];
  expect(Math.abs(lossA - lossB) / Math.abs(lossB)).toBeLessThan(1e-5);
  for (const [k, ref] of b) {
    if (k === 'loss') continue;
    const err = relL2(a.get(k)!, ref);
    expect(err, `${k}`).toBeLessThan(1e-4);
  }
}

describe('engine gradients match PyTorch (float64 reference, unpacked)', () => {
  beforeAll(() => assertTorchAvailable());
  let seed = 11;
  for (const [name, config] of Object.entries(configs)) {
    const s = seed++;
    // Ragged sequences of very different lengths: they pack several to a row.
    it(name, () => expectParity(config, [3, 17, 9, 30, 5, 2, 12], s));
  }
  // Notes sit hundreds of tokens before the answer that reads them: positions up to ~1000, two sequences sharing a row.
  it('long sequences: the tiny preset, positions up to 1000, packed', () =>
    expectParity(presetConfig('tiny'), [1000, 600, 300], 5));
});
