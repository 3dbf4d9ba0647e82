/**
 * The mapped float32 base of LoRA models (main/models/mapped-base.ts): the same numbers as the in-memory base in every
 * graph kind (training step gradients, scoring, sampler prefill + decode Loop and naive steps), prefix reuse's extend
 * graph over it, the cache made once per checkpoint version, an unfinished entry rebuilt, and a cache that cannot be
 * written refused or fallen back from.
 */
import { statSync, writeFileSync, rmSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_LINEAR, initAdapter, type LoraAdapter } from '../../../main/models/adapter.ts';
import { loadStoredCheckpoint } from '../../../main/models/checkpoint.ts';
import type { ModelConfig } from '../../../main/models/config.ts';
import { MAPPED_BASE_FILE, openLoraBase, openMappedBase, type MappedBase } from '../../../main/models/mapped-base.ts';
import { crossEntropyObjective } from '../../../main/models/objectives.ts';
import { packBatch } from '../../../main/models/packing.ts';
import { writeRandomCheckpoint } from '../../../main/models/random-checkpoint.ts';
import { ModelRuntime } from '../../../main/models/runtime.ts';
import { Sampler } from '../../../main/models/sampler/sampler.ts';
import type { StoredTensor } from '../../../main/models/checkpoint.ts';
import { tempDir } from '../../support/temp.ts';

const config: ModelConfig = {
  architecture: 'qwen3',
  vocabSize: 89,
  hiddenSize: 64,
  intermediateSize: 96,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  maxPositionEmbeddings: 256,
  tieWordEmbeddings: true,
  qkNorm: true,
  attentionBias: false,
};

const maxDiff = (a: Float32Array, b: Float32Array): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

/** A copy of the adapter: each runtime adopts (and a step would update) the tensors it is given. */
const copyOf = (a: LoraAdapter): LoraAdapter => ({
  settings: a.settings,
  weights: new Map([...a.weights].map(([k, v]) => [k, v.slice()])),
});

describe('a LoRA base mapped from one float32 file', () => {
  const modelDir = tempDir('mapped-model');
  const cacheDir = tempDir('mapped-cache');
  let stored: Map<string, StoredTensor>;
  let mapped: MappedBase;
  const adapter = initAdapter(config, { rank: 4, alpha: 8, targets: [...ALL_LINEAR] }, 3, 'random');

  beforeAll(async () => {
    await writeRandomCheckpoint(modelDir, config, { seed: 5, dtype: 'BF16', std: 0.2 });
    stored = (await loadStoredCheckpoint(modelDir)).tensors;
    mapped = (await openMappedBase(modelDir, { cacheDir })).base;
  });

  it('gives the in-memory base’s loss, gradients and scores in a packed step', async () => {
    const memory = ModelRuntime.lora(config, stored, copyOf(adapter), { threads: 1 });
    const file = ModelRuntime.lora(config, mapped, copyOf(adapter), { threads: 1 });
    try {
      const seqs = [
        [1, 5, 9, 13, 17, 21, 25, 29, 33],
        [2, 4, 8, 16, 32, 64, 3],
      ];
      const b = packBatch({ sequences: seqs, lossMask: seqs.map((s) => s.map((_, t) => (t === 0 ? 0 : 1))) });
      const extra = {
        weights: { dtype: 'float32' as const, shape: [b.rows, b.width], data: b.predMask.map((m) => m / 14) },
      };
      const [a, f] = [
        await memory.grads(b, crossEntropyObjective, extra),
        await file.grads(b, crossEntropyObjective, extra),
      ];
      expect(Math.abs(a.loss - f.loss)).toBeLessThanOrEqual(1e-6);
      expect(a.grads.size).toBe(2 * 7 * config.numLayers);
      for (const [name, g] of a.grads) expect(maxDiff(g, f.grads.get(name)!), name).toBeLessThanOrEqual(1e-6);
      expect(maxDiff((await memory.score(b)).logp, (await file.score(b)).logp)).toBeLessThanOrEqual(1e-6);
    } finally {
      await memory.dispose();
      await file.dispose();
    }
  });

  it('samples the same tokens in the decode Loop and in naive steps', async () => {
    for (const mode of ['loop', 'naive'] as const) {
      const make = (base: MappedBase | Map<string, StoredTensor>) =>
        new Sampler(config, new Map(adapter.weights), {
          mode,
          threads: 1,
          maxBatch: 2,
          chunkSteps: 4,
          lora: { base, settings: adapter.settings },
        });
      const reqs = [
        { promptIds: [3, 1, 4, 1, 5], maxNewTokens: 12, seed: 'a' },
        { promptIds: [2, 7, 1], maxNewTokens: 9, seed: 'b' },
      ];
      const [sm, sf] = [make(stored), make(mapped)];
      try {
        const [rm, rf] = [await sm.generate(reqs), await sf.generate(reqs)];
        rm.forEach((r, i) => {
          expect(rf[i].tokenIds, mode).toEqual(r.tokenIds);
          expect(maxDiff(Float32Array.from(r.logprobs), Float32Array.from(rf[i].logprobs)), mode).toBeLessThanOrEqual(
            1e-5,
          );
        });
      } finally {
        await sm.dispose();
        await sf.dispose();
      }
    }
  });

  it('prefix reuse: a prompt extending a finished call samples what a sampler without reuse samples', async () => {
    const make = (prefixCacheBytes: number) =>
      new Sampler(config, new Map(adapter.weights), {
        threads: 1,
        chunkSteps: 4,
        prefixCacheBytes,
        lora: { base: mapped, settings: adapter.settings },
      });
    const [reusing, plain] = [make(2 ** 22), make(0)];
    try {
      let reqs = [40, 61].map((len, i) => ({
        promptIds: Array.from({ length: len }, (_, t) => (t * 7 + i * 13 + 1) % config.vocabSize),
        maxNewTokens: 6,
        seed: `l${i}`,
      }));
      for (let round = 0; round < 3; round++) {
        const [got, want] = [await reusing.generate(reqs), await plain.generate(reqs)];
        got.forEach((r, i) => {
          expect(r.tokenIds).toEqual(want[i].tokenIds);
          expect(maxDiff(Float32Array.from(r.logprobs), Float32Array.from(want[i].logprobs))).toBeLessThanOrEqual(1e-5);
        });
        reqs = reqs.map((r, i) => ({
          ...r,
          promptIds: [...r.promptIds, ...got[i].tokenIds, ...[5, 8, 13].slice(0, 1 + i + round)],
          seed: `${r.seed}+`,
        }));
      }
      expect(reusing.stats.prefixTokens).toBeGreaterThan(0);
      expect(reusing.stats.extendTokens).toBeGreaterThan(0);
    } finally {
      await reusing.dispose();
      await plain.dispose();
    }
  });

  it('is made once per checkpoint version and rebuilt when unfinished', async () => {
    const file = join(mapped.folder, MAPPED_BASE_FILE);
    const made = statSync(file).mtimeMs;
    const again = (await openMappedBase(modelDir, { cacheDir })).base;
    expect(again.folder).toBe(mapped.folder);
    expect(statSync(file).mtimeMs).toBe(made);
    // A checkpoint rewritten in place (a new modification time) is a new entry.
    const later = new Date(Date.now() + 5000);
    utimesSync(join(modelDir, 'model.safetensors'), later, later);
    const changed = (await openMappedBase(modelDir, { cacheDir })).base;
    expect(changed.folder).not.toBe(mapped.folder);
    // An entry without its index (a crash while writing) is not used but made again.
    rmSync(join(changed.folder, 'index.json'));
    let told = '';
    const rebuilt = (await openMappedBase(modelDir, { cacheDir, onBuild: (_, folder) => (told = folder) })).base;
    expect(told).toBe(changed.folder);
    expect(rebuilt.tensors.size).toBe(changed.tensors.size);
  });

  it('refuses a cache it cannot write when asked to map, and falls back to memory otherwise', async () => {
    const blocked = join(tempDir('mapped-blocked'), 'a-file');
    writeFileSync(blocked, 'not a folder');
    await expect(openMappedBase(modelDir, { cacheDir: blocked })).rejects.toThrow(
      /cannot make the mapped float32 base/,
    );
    await expect(openLoraBase(modelDir, { cacheDir: blocked, env: { COD_MAPPED_BASE: 'always' } })).rejects.toThrow(
      /cannot make the mapped float32 base/,
    );
    const why: string[] = [];
    const fell = await openLoraBase(modelDir, {
      cacheDir: blocked,
      minBytes: 0,
      env: {},
      onFallback: (w) => why.push(w),
    });
    expect(fell.base).toBeInstanceOf(Map);
    expect(why).toHaveLength(1);
    expect(why[0]).toMatch(/a-file.*the base stays in memory/);
    // A small base stays in memory by default; `always` maps it.
    expect((await openLoraBase(modelDir, { cacheDir, env: {} })).base).toBeInstanceOf(Map);
    expect((await openLoraBase(modelDir, { cacheDir, env: { COD_MAPPED_BASE: 'always' } })).base).not.toBeInstanceOf(
      Map,
    );
    await expect(openLoraBase(modelDir, { env: { COD_MAPPED_BASE: 'sometimes' } })).rejects.toThrow(
      /COD_MAPPED_BASE must be auto, always or never/,
    );
  });
});
