import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../../main/models/config.ts';
import { initWeights } from '../../../main/models/init.ts';
import { packBatch, unpackPerToken } from '../../../main/models/packing.ts';
import { ModelRuntime } from '../../../main/models/runtime.ts';
import { pgTrainStep, type PgStepOptions } from '../../../main/training/pg-step.ts';
import type { TrainSequence } from '../../../main/training/sequences.ts';
import { parseTrainerConfig } from '../../../main/training/training-config.ts';
import { trainingPacks } from '../../../main/training/trainer.ts';
import { parseCurriculum } from '../../../main/training/curriculum/load.ts';

const config: ModelConfig = {
  architecture: 'qwen3',
  vocabSize: 64,
  hiddenSize: 32,
  intermediateSize: 64,
  numLayers: 2,
  numHeads: 2,
  numKvHeads: 1,
  headDim: 16,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  maxPositionEmbeddings: 256,
  tieWordEmbeddings: true,
  qkNorm: true,
  attentionBias: false,
};

function sequences(oldLogp?: number[][]): TrainSequence[] {
  let seed = 7;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  return Array.from({ length: 6 }, (_, i) => {
    const n = 12 + ((i * 7) % 20);
    const ids = Array.from({ length: n }, () => 4 + Math.floor(rnd() * 60));
    const mask = ids.map((_, t) => (t >= n - 5 ? 1 : 0));
    const adv = i % 2 === 0 ? 0.7 : -0.4;
    return {
      lifecycleId: `l${i}`,
      kind: 'solve' as const,
      position: 0,
      ids,
      mask,
      advantages: mask.map((m) => m * adv),
      oldLogp: oldLogp?.[i] ?? mask.map(() => -4),
      calls: 1,
    };
  });
}

const opts = (microBatchTokens: number): PgStepOptions => ({
  loss: { kind: 'rec' },
  epsLow: 0.2,
  epsHigh: 0.2,
  aggregation: 'token_mean',
  generationBudget: 16,
  microBatchTokens,
  optimizer: { lr: 1e-2, weightDecay: 0.01, maxGradNorm: 1, beta1: 0.9, beta2: 0.999 },
});

async function behaviourLogp(rt: ModelRuntime, seqs: TrainSequence[]): Promise<number[][]> {
  const packed = packBatch({ sequences: seqs.map((s) => s.ids), lossMask: seqs.map((s) => s.mask) }, { width: 64 });
  const { logp } = await rt.score(packed);
  return unpackPerToken(packed, logp).map((r, i) => r.map((x, t) => (seqs[i].mask[t] ? (x ?? 0) : 0)));
}

describe('policy-gradient step', () => {
  it('micro-batched steps give the same update as one batch (exact token mean across micro-batches)', async () => {
    const one = new ModelRuntime(config, initWeights(config, 3), { threads: 1 });
    const many = new ModelRuntime(config, initWeights(config, 3), { threads: 1 });
    const seqs = sequences(await behaviourLogp(one, sequences()));
    const a = await pgTrainStep(one, seqs, opts(4096));
    const b = await pgTrainStep(many, seqs, opts(64));
    expect(a.microBatches).toBe(1);
    expect(b.microBatches).toBeGreaterThan(2);
    expect(b.loss).toBeCloseTo(a.loss, 6);
    expect(b.gradNorm).toBeCloseTo(a.gradNorm, 5);
    expect(b.responseTokens).toBe(30);
    // On-policy (old = current log-probs): the ratio is 1, nothing is clipped.
    expect(a.clippedFraction).toBe(0);
    expect(a.entropy).toBeGreaterThan(0);
    // Compare the updates (new - initial): Adam divides by sqrt(v), so float32 summation order shows up at ~1e-4.
    const init = initWeights(config, 3);
    let diff = 0;
    let norm = 0;
    for (const [name, p] of one.params) {
      const q = many.params.get(name)!;
      const p0 = init.get(name)!;
      for (let i = 0; i < p.length; i++) {
        diff += (p[i] - q[i]) ** 2;
        norm += (p[i] - p0[i]) ** 2;
      }
    }
    expect(norm).toBeGreaterThan(0);
    expect(Math.sqrt(diff / norm)).toBeLessThan(1e-3);
    await one.dispose();
    await many.dispose();
  });

  it('REC one-side drops positive-advantage tokens whose ratio is above 1 + eps', async () => {
    const rt = new ModelRuntime(config, initWeights(config, 4), { threads: 1 });
    const now = await behaviourLogp(rt, sequences());
    // The behaviour policy gave every response token a far lower probability: ratio >> 1 + eps.
    const seqs = sequences(now.map((r, i) => r.map((x, t) => (sequences()[i].mask[t] ? x - 1 : 0))));
    const r = await pgTrainStep(rt, seqs, opts(4096));
    // Positive advantages (half the sequences) are clipped, negative ones kept (ratio >= 1 - eps).
    expect(r.clippedFraction).toBeCloseTo(15 / 30, 6);
    await rt.dispose();
  });

  it('refuses an empty step', async () => {
    const rt = new ModelRuntime(config, initWeights(config, 4), { threads: 1 });
    await expect(pgTrainStep(rt, [], opts(4096))).rejects.toThrow(/no training sequences/);
    const noTokens = sequences().map((s) => ({ ...s, mask: s.mask.map(() => 0) }));
    await expect(pgTrainStep(rt, noTokens, opts(4096))).rejects.toThrow(/no response tokens/);
  });
});

describe('trainer settings and packs', () => {
  it('fills the method defaults and names a bad key', () => {
    const c = parseTrainerConfig({});
    expect(c).toMatchObject({ loss: 'rec', epsLow: 0.2, epsHigh: 0.2, lr: 1e-6, beta2: 0.999, aheadSteps: 1 });
    expect(c.returns).toEqual({ kind: 'mean' });
    expect(() => parseTrainerConfig({ loss: 'grpo' })).toThrow(/training\.loss/);
    expect(() => parseTrainerConfig({ kl: 'k3' })).toThrow(/klCoef/);
    expect(() => parseTrainerConfig({ returns: { kind: 'window' } })).toThrow(/training\.returns/);
  });

  it('draws fresh, deterministic training packs every step, in proportion to the domain weights', () => {
    const { curriculum } = parseCurriculum(
      'name: t\ntrain:\n  domains:\n    - {id: frozenlake, weight: 3}\n    - {id: alchemy, weight: 1}\n  packsPerStep: 40\n',
      'inline.yaml',
    );
    const a = trainingPacks(curriculum, 0, 1);
    expect(trainingPacks(curriculum, 0, 1)).toEqual(a);
    const b = trainingPacks(curriculum, 0, 2);
    const ids = new Set([...a, ...b].map((p) => p.id));
    expect(ids.size).toBe(80);
    const fl = a.filter((p) => p.domain === 'frozenlake').length;
    expect(fl).toBeGreaterThan(20);
    expect(fl).toBeLessThan(40);
    expect(a.every((p) => p.tasks.length === curriculum.train.packSize)).toBe(true);
  });
});
