/**
 * The policy-gradient objectives against closed forms. Each loss is a per-token coefficient times ∇logp, so its
 * gradient must equal the gradient of weighted cross-entropy with weights computed here in plain JS from the
 * forward log-probs — an independent check of the REC keep rule, PPO clipping and the KL estimators.
 */
import { describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../main/models/config.ts';
import { initWeights } from '../../main/models/init.ts';
import { crossEntropyObjective } from '../../main/models/objectives.ts';
import { packBatch } from '../../main/models/packing.ts';
import { ModelRuntime } from '../../main/models/runtime.ts';
import type { HostTensor } from '../../main/engine/index.ts';
import { pgObjective, type PgLossSpec } from '../../main/training/pg-objective.ts';

const cfg: ModelConfig = {
  architecture: 'qwen3',
  vocabSize: 40,
  hiddenSize: 32,
  intermediateSize: 64,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 8,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  maxPositionEmbeddings: 128,
  tieWordEmbeddings: false,
  qkNorm: true,
  attentionBias: false,
};

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

const f32 = (shape: number[], data: Float32Array): HostTensor => ({ dtype: 'float32', shape, data });
const scalar = (x: number): HostTensor => ({ dtype: 'float32', shape: [], data: Float32Array.of(x) });

async function setup() {
  const r = lcg(4);
  const sequences = [11, 7, 20, 3].map((n) => Array.from({ length: n }, () => Math.floor(r() * cfg.vocabSize)));
  const lossMask = sequences.map((s) => s.map((_, t) => (t === 0 ? 0 : r() < 0.7 ? 1 : 0)));
  const p = packBatch({ sequences, lossMask });
  const rt = new ModelRuntime(cfg, initWeights(cfg, 3, 0.2), { threads: 1 });
  const { logp } = await rt.score(p);
  const n = p.rows * p.width;
  const count = p.predMask.reduce((a, x) => a + x, 0);
  const w = p.predMask.map((m) => m / count);
  // Advantages of both signs and zero; old log-probs inside and well outside the trust region (ratio 1, e^±0.5).
  const adv = Float32Array.from({ length: n }, (_, i) => [1.5, -0.7, 0, 0.3, -2][i % 5]);
  const shift = Float32Array.from({ length: n }, (_, i) => [0, 0.5, -0.5][i % 3]);
  const old = logp.map((x, i) => x - shift[i]); // ratio = exp(logp - old) = exp(shift)
  const ref = logp.map((x, i) => x - 0.3 * Math.sin(i));
  return { p, rt, logp, w, adv, old, ref, shift, n };
}

function relL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

const EPS_LOW = 0.2;
const EPS_HIGH = 0.28;
const KL_COEF = 0.1;

/** d loss / d logp per token in closed form, and (PPO only) the per-token loss value. */
function coefficient(spec: PgLossSpec, a: number, ratio: number, d: number): { grad: number; loss: number } {
  let grad: number;
  let loss = Number.NaN;
  if (spec.kind === 'rec') {
    const keep = (a >= 0 && ratio <= 1 + EPS_HIGH) || (a <= 0 && ratio >= 1 - EPS_LOW);
    grad = keep ? -a : 0;
  } else {
    const c = Math.min(Math.max(ratio, 1 - EPS_LOW), 1 + EPS_HIGH);
    const un = -a * ratio;
    const cl = -a * c;
    grad = cl > un ? 0 : -a * ratio;
    loss = Math.max(un, cl);
  }
  if (spec.kl === 'k1') grad += KL_COEF;
  if (spec.kl === 'k2') grad += KL_COEF * d;
  if (spec.kl === 'k3') grad += KL_COEF * (1 - Math.exp(-d));
  return { grad, loss };
}

describe('policy-gradient objectives', () => {
  const specs: PgLossSpec[] = [
    { kind: 'rec' },
    { kind: 'ppo' },
    { kind: 'rec', kl: 'k1' },
    { kind: 'ppo', kl: 'k2' },
    { kind: 'rec', kl: 'k3' },
  ];
  for (const spec of specs) {
    it(`${spec.kind}${spec.kl ? ` + KL ${spec.kl}` : ''}: gradient equals the closed-form weighted cross-entropy`, async () => {
      const { p, rt, logp, w, adv, old, ref, n } = await setup();
      const feeds: Record<string, HostTensor> = {
        advantages: f32([p.rows, p.width], adv),
        old_logp: f32([p.rows, p.width], old),
        weights: f32([p.rows, p.width], w),
        eps_low: scalar(EPS_LOW),
        eps_high: scalar(EPS_HIGH),
      };
      if (spec.kl) {
        feeds.ref_logp = f32([p.rows, p.width], ref);
        feeds.kl_coef = scalar(KL_COEF);
      }
      const pg = await rt.grads(p, pgObjective(spec), feeds);
      // Cross-entropy's gradient is -Σ weights·∇logp, so weights' = -w·coef reproduces Σ w·coef·∇logp.
      const ceWeights = new Float32Array(n);
      let expectedClipped = 0;
      for (let i = 0; i < n; i++) {
        const ratio = Math.exp(logp[i] - old[i]);
        const c = coefficient(spec, adv[i], ratio, logp[i] - ref[i]);
        ceWeights[i] = -w[i] * c.grad;
        if (w[i] > 0) {
          const clippedHere =
            spec.kind === 'rec'
              ? !((adv[i] >= 0 && ratio <= 1 + EPS_HIGH) || (adv[i] <= 0 && ratio >= 1 - EPS_LOW))
              : -adv[i] * Math.min(Math.max(ratio, 1 - EPS_LOW), 1 + EPS_HIGH) > -adv[i] * ratio;
          expectedClipped += clippedHere ? 1 : 0;
        }
      }
      const ce = await rt.grads(p, crossEntropyObjective, { weights: f32([p.rows, p.width], ceWeights) });
      for (const s of rt.specs) expect(relL2(pg.grads.get(s.name)!, ce.grads.get(s.name)!), s.name).toBeLessThan(1e-5);
      // The clipped-token indicator and the per-token log-probs come out of the same run.
      const clipped = pg.outputs.clipped.data as Float32Array;
      let got = 0;
      for (let i = 0; i < n; i++) if (w[i] > 0) got += clipped[i];
      expect(got).toBe(expectedClipped);
      expect(expectedClipped).toBeGreaterThan(0);
      expect(relL2(pg.outputs.logp.data as Float32Array, logp)).toBeLessThan(1e-6);
      await rt.dispose();
    });
  }

  it('PPO loss value equals the closed form', async () => {
    const { p, rt, logp, w, adv, old, n } = await setup();
    const r = await rt.grads(p, pgObjective({ kind: 'ppo' }), {
      advantages: f32([p.rows, p.width], adv),
      old_logp: f32([p.rows, p.width], old),
      weights: f32([p.rows, p.width], w),
      eps_low: scalar(EPS_LOW),
      eps_high: scalar(EPS_HIGH),
    });
    let expected = 0;
    for (let i = 0; i < n; i++)
      expected += w[i] * coefficient({ kind: 'ppo' }, adv[i], Math.exp(logp[i] - old[i]), 0).loss;
    expect(Math.abs(r.loss - expected)).toBeLessThan(1e-5 * Math.max(1, Math.abs(expected)));
    await rt.dispose();
  });
});
