/**
 * The local training backend's numerics, in process (real worker threads, a tiny model):
 *  - REC one-side through the API — forward for the current log-probs, keep mask and weights A·keep/N in TypeScript
 *    (main/training/rec-datums.ts), forward_backward with `cross_entropy` — has the engine's REC graph's gradient;
 *  - importance_sampling and ppo have the gradient of their closed forms (cross_entropy with weights = -dloss/dlogp);
 *  - the trainer's other objectives through the API (main/training/policy-update.ts) have the engine graph's gradient:
 *    PPO-clip through the backend's `ppo` loss and through cross_entropy weights, REC and PPO with a KL penalty;
 *  - the fused REC update (keep mask from forward_backward's own log-probs, a second pass taking the dropped tokens
 *    back out) has the forward-first update's gradient and numbers: bit for bit when nothing is dropped;
 *  - forward and forward_backward report the same per-token log-probs and losses, and micro-batching changes nothing;
 *  - save_weights / load_weights carry weights and Adam state exactly: the next step is bit-identical.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingModel } from '../../main/backend/backend.ts';
import { datumArrays, datumFromSequence } from '../../main/backend/datums.ts';
import { LocalBackend, type LocalModel } from '../../main/backend/local/backend.ts';
import type { AdamParams, Datum, ForwardBackwardOutput } from '../../main/backend/wire.ts';
import type { HostTensor } from '../../main/engine/index.ts';
import { saveCheckpoint } from '../../main/models/checkpoint.ts';
import { initWeights } from '../../main/models/init.ts';
import { packBatch } from '../../main/models/packing.ts';
import { ModelRuntime } from '../../main/models/runtime.ts';
import { pgObjective } from '../../main/training/pg-objective.ts';
import type { PgLossSpec } from '../../main/training/pg-objective.ts';
import { ppoDatums, ppoLossConfig, ppoWeightDatums } from '../../main/training/ppo-datums.ts';
import { updatePolicy, type PolicyObjective } from '../../main/training/policy-update.ts';
import { recDatums, sequenceDatum } from '../../main/training/rec-datums.ts';
import type { TrainSequence } from '../../main/training/sequences.ts';
import { ThreadWorkerHost } from '../../main/workers/host.ts';
import { tinyConfig, writeTinyTokenizer } from '../fixtures/models/hf-checkpoint.ts';

const cfg = tinyConfig('qwen3');
const weights0 = initWeights(cfg, 3, 0.2);
const EPS_LOW = 0.2;
const EPS_HIGH = 0.28;

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
}

let root: string;
let backend: LocalBackend;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'cod-backend-rec-'));
  await saveCheckpoint(join(root, 'tiny'), cfg, weights0);
  await writeTinyTokenizer(join(root, 'tiny'));
  backend = new LocalBackend({
    models: { tiny: join(root, 'tiny') },
    weightsRoot: join(root, 'weights'),
    workers: new ThreadWorkerHost(),
  });
});

afterAll(async () => {
  await backend?.close();
  await rm(root, { recursive: true, force: true });
});

/** Rollout-like sequences: a prompt, a response under the mask, one advantage per sequence of either sign or zero. */
function sequences(): TrainSequence[] {
  const r = lcg(11);
  return [14, 9, 23, 6, 17].map((n, i) => {
    const ids = Array.from({ length: n }, () => Math.floor(r() * cfg.vocabSize));
    const prompt = 3 + (i % 3);
    const mask = ids.map((_, t) => (t >= prompt ? 1 : 0));
    const a = [1.5, -0.7, 0, 0.3, -2][i];
    return {
      lifecycleId: `l${i}`,
      kind: 'solve',
      position: i,
      ids,
      mask,
      advantages: mask.map((m) => m * a),
      oldLogp: ids.map(() => 0),
      calls: 1,
    };
  });
}

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

function maxAbs(a: ArrayLike<number>, b?: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - (b ? b[i] : 0)));
  return m;
}

const logprobsOf = (o: ForwardBackwardOutput): number[][] => o.loss_fn_outputs.map((x) => x.logprobs.data);

async function fresh(): Promise<LocalModel> {
  return (await backend.createModel({ baseModel: 'tiny' })) as LocalModel;
}

/** A model whose optim_step first keeps the gradients it is about to apply (`grads()`), and counts the calls. */
function capturing(m: LocalModel) {
  let grads: Map<string, Float32Array> | null = null;
  const calls = { forward: 0, forwardBackward: 0 };
  const model = new Proxy(m, {
    get(target, key) {
      if (key === 'optimStep')
        return async (a: AdamParams) => {
          grads = await target.accumulatedGrads();
          return target.optimStep(a);
        };
      if (key === 'forward' || key === 'forwardBackward') calls[key]++;
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as TrainingModel;
  return { model, calls, grads: () => grads! };
}

describe('local backend numerics', () => {
  it('REC through cross_entropy weights has the engine REC graph’s gradient (within 1e-5)', async () => {
    const model = await fresh();
    const seqs0 = sequences();
    // Current log-probs through the API; behaviour log-probs set around them: ratio 1, e^0.5 and e^-0.5 in turn,
    // so tokens are kept and clipped on both sides.
    const current = logprobsOf(await model.forward({ data: seqs0.map(sequenceDatum), loss_fn: 'cross_entropy' }));
    const shifts = [0, 0.5, -0.5];
    const seqs = seqs0.map((s, i) => ({
      ...s,
      oldLogp: s.ids.map((_, t) => (t === 0 ? 0 : current[i][t - 1] - shifts[(i + t) % 3])),
    }));
    const N = seqs.reduce((a, s) => a + s.mask.reduce((x, y) => x + y, 0), 0);
    const { datums, clipped } = recDatums(seqs, current, { epsLow: EPS_LOW, epsHigh: EPS_HIGH, norm: N });
    expect(clipped).toBeGreaterThan(0);
    await model.forwardBackward({ data: datums, loss_fn: 'cross_entropy' });
    const api = await model.accumulatedGrads();

    // The engine's own REC graph on the same weights and tokens.
    const rt = new ModelRuntime(cfg, weights0, { threads: 1 });
    const p = packBatch({ sequences: seqs.map((s) => s.ids), lossMask: seqs.map((s) => s.mask) });
    const n = p.rows * p.width;
    const adv = new Float32Array(n);
    const old = new Float32Array(n);
    const w = new Float32Array(n);
    seqs.forEach((s, i) => {
      const { row, offset } = p.placements[i];
      for (let t = 1; t < s.ids.length; t++) {
        const c = row * p.width + offset + t - 1;
        adv[c] = s.advantages[t];
        old[c] = s.oldLogp[t];
        w[c] = s.mask[t] / N;
      }
    });
    const f32 = (data: Float32Array): HostTensor => ({ dtype: 'float32', shape: [p.rows, p.width], data });
    const scalar = (x: number): HostTensor => ({ dtype: 'float32', shape: [], data: Float32Array.of(x) });
    const ref = await rt.grads(p, pgObjective({ kind: 'rec' }), {
      advantages: f32(adv),
      old_logp: f32(old),
      weights: f32(w),
      eps_low: scalar(EPS_LOW),
      eps_high: scalar(EPS_HIGH),
    });
    const engineClipped = (ref.outputs.clipped.data as Float32Array).reduce((a, x, i) => a + (w[i] > 0 ? x : 0), 0);
    expect(clipped).toBe(engineClipped);
    let worst = 0;
    let scale = 0;
    for (const s of rt.specs) {
      const g = ref.grads.get(s.name)!;
      const got = api.get(s.name)!;
      worst = Math.max(worst, maxAbs(got, g));
      scale = Math.max(scale, maxAbs(g));
      expect(relL2(got, g), s.name).toBeLessThan(1e-5);
    }
    console.log(
      `REC: max abs grad diff ${worst.toExponential(2)}, max abs grad ${scale.toExponential(2)}, clipped ${clipped}/${N}`,
    );
    expect(worst).toBeLessThan(1e-5);
    expect(scale).toBeGreaterThan(1e-3); // a gradient that can fail the comparison
    await rt.dispose();
    await model.close();
  });

  it('fused REC (one forward_backward, dropped tokens taken back out) has the forward-first update’s gradient', async () => {
    const probe = await fresh();
    const seqs0 = sequences();
    const current = logprobsOf(await probe.forward({ data: seqs0.map(sequenceDatum), loss_fn: 'cross_entropy' }));
    await probe.close();
    const objective: PolicyObjective = {
      loss: 'rec',
      epsLow: EPS_LOW,
      epsHigh: EPS_HIGH,
      klCoef: 0,
      aggregation: 'token_mean',
      generationBudget: 0,
      adam: { learning_rate: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.01, grad_clip_norm: 1 },
      tokensPerRequest: 32768,
      backendPpo: true,
    };
    // Behaviour log-probs equal to the current ones (nothing dropped), then around them (ratios e^±0.5: tokens
    // dropped on both sides).
    for (const shifts of [[0], [0, 0.5, -0.5]]) {
      const seqs = seqs0.map((s, i) => ({
        ...s,
        oldLogp: s.ids.map((_, t) => (t === 0 ? 0 : current[i][t - 1] - shifts[(i + t) % shifts.length])),
      }));
      const first = capturing(await fresh());
      const fused = capturing(await fresh());
      const a = await updatePolicy(first.model, seqs, objective, undefined, { fused: false });
      // Small requests: the step and its second pass each split into several forward_backward calls.
      const b = await updatePolicy(fused.model, seqs, { ...objective, tokensPerRequest: 30 }, undefined, {});
      expect(first.calls).toEqual({ forward: 1, forwardBackward: 1 });
      expect(fused.calls.forward).toBe(0);
      expect(b.recheckTokens).toBe(a.recheckTokens);
      expect(b.clippedFraction).toBe(a.clippedFraction);
      expect(Math.abs(b.loss - a.loss)).toBeLessThan(1e-6);
      expect(Math.abs(b.entropy - a.entropy)).toBeLessThan(1e-6);
      const ga = first.grads();
      const gb = fused.grads();
      if (shifts.length === 1) {
        expect(a.recheckTokens).toBe(0);
        expect(fused.calls.forwardBackward).toBe(3); // 3 requests of at most 30 tokens, no second pass
        // The same datums as the forward-first update sends: the same gradient, bit for bit, when in one request.
        const one = capturing(await fresh());
        await updatePolicy(one.model, seqs, objective, undefined, {});
        for (const [name, g] of ga)
          expect(Buffer.from(one.grads().get(name)!.buffer).equals(Buffer.from(g.buffer))).toBe(true);
        await one.model.close();
      } else {
        expect(a.clippedFraction).toBeGreaterThan(0);
        expect(a.recheckTokens).toBeGreaterThan(0);
        expect(fused.calls.forwardBackward).toBeGreaterThan(3);
      }
      let scale = 0;
      for (const [name, g] of ga) {
        scale = Math.max(scale, maxAbs(g));
        // Other request splits sum in another order: float rounding, as micro-batching (below).
        expect(relL2(gb.get(name)!, g), name).toBeLessThan(1e-5);
      }
      expect(scale).toBeGreaterThan(1e-3);
      await first.model.close();
      await fused.model.close();
    }
  });

  it('PPO-clip and KL penalties through the API have the engine graph’s gradient (within 1e-5)', async () => {
    const probe = await fresh();
    const seqs0 = sequences();
    const current = logprobsOf(await probe.forward({ data: seqs0.map(sequenceDatum), loss_fn: 'cross_entropy' }));
    await probe.close();
    // Behaviour log-probs around the current ones (ratios 1, e^0.5, e^-0.5), reference log-probs elsewhere.
    const shifts = [0, 0.5, -0.5];
    const seqs = seqs0.map((s, i) => ({
      ...s,
      oldLogp: s.ids.map((_, t) => (t === 0 ? 0 : current[i][t - 1] - shifts[(i + t) % 3])),
    }));
    const reference = current.map((lp, i) => lp.map((x, t) => x + 0.3 * Math.sin(i + t)));
    const N = seqs.reduce((a, s) => a + s.mask.reduce((x, y) => x + y, 0), 0);
    const KL_COEF = 0.5;

    /** The engine's pg-objective graph's gradient on the same weights and tokens. */
    async function engine(spec: PgLossSpec) {
      const rt = new ModelRuntime(cfg, weights0, { threads: 1 });
      const p = packBatch({ sequences: seqs.map((s) => s.ids), lossMask: seqs.map((s) => s.mask) });
      const n = p.rows * p.width;
      const [adv, old, w, ref] = [0, 1, 2, 3].map(() => new Float32Array(n));
      seqs.forEach((s, i) => {
        const { row, offset } = p.placements[i];
        for (let t = 1; t < s.ids.length; t++) {
          const c = row * p.width + offset + t - 1;
          adv[c] = s.advantages[t];
          old[c] = s.oldLogp[t];
          w[c] = s.mask[t] / N;
          ref[c] = reference[i][t - 1];
        }
      });
      const f32 = (data: Float32Array): HostTensor => ({ dtype: 'float32', shape: [p.rows, p.width], data });
      const scalar = (x: number): HostTensor => ({ dtype: 'float32', shape: [], data: Float32Array.of(x) });
      const r = await rt.grads(p, pgObjective(spec), {
        advantages: f32(adv),
        old_logp: f32(old),
        weights: f32(w),
        eps_low: scalar(EPS_LOW),
        eps_high: scalar(EPS_HIGH),
        ...(spec.kl ? { ref_logp: f32(ref), kl_coef: scalar(KL_COEF) } : {}),
      });
      await rt.dispose();
      return r.grads;
    }

    const kl = (estimator: 'k1' | 'k2' | 'k3') => ({ estimator, coef: KL_COEF, reference });
    const eps = { epsLow: EPS_LOW, epsHigh: EPS_HIGH, norm: N };
    const cases: Array<{ name: string; spec: PgLossSpec; data: Datum[]; loss: 'ppo' | 'cross_entropy' }> = [
      { name: 'ppo loss', spec: { kind: 'ppo' }, data: ppoDatums(seqs, N), loss: 'ppo' },
      { name: 'ppo weights', spec: { kind: 'ppo' }, data: ppoWeightDatums(seqs, current, eps), loss: 'cross_entropy' },
      {
        name: 'rec + k3',
        spec: { kind: 'rec', kl: 'k3' },
        data: recDatums(seqs, current, { ...eps, kl: kl('k3') }).datums,
        loss: 'cross_entropy',
      },
      {
        name: 'ppo + k2',
        spec: { kind: 'ppo', kl: 'k2' },
        data: ppoWeightDatums(seqs, current, { ...eps, kl: kl('k2') }),
        loss: 'cross_entropy',
      },
      {
        name: 'rec + k1',
        spec: { kind: 'rec', kl: 'k1' },
        data: recDatums(seqs, current, { ...eps, kl: kl('k1') }).datums,
        loss: 'cross_entropy',
      },
    ];
    for (const c of cases) {
      const model = await fresh();
      await model.forwardBackward({
        data: c.data,
        loss_fn: c.loss,
        ...(c.loss === 'ppo' ? { loss_fn_config: ppoLossConfig({ epsLow: EPS_LOW, epsHigh: EPS_HIGH }) } : {}),
      });
      const api = await model.accumulatedGrads();
      await model.close();
      const ref = await engine(c.spec);
      let worst = 0;
      let scale = 0;
      for (const [name, g] of ref) {
        worst = Math.max(worst, maxAbs(api.get(name)!, g));
        scale = Math.max(scale, maxAbs(g));
        expect(relL2(api.get(name)!, g), `${c.name} ${name}`).toBeLessThan(1e-5);
      }
      console.log(`${c.name}: max abs grad diff ${worst.toExponential(2)}, max abs grad ${scale.toExponential(2)}`);
      expect(worst).toBeLessThan(1e-5);
      expect(scale).toBeGreaterThan(1e-3);
    }
  });

  it('importance_sampling and ppo have the gradient of their closed forms', async () => {
    const seqs = sequences();
    const probe = await fresh();
    const current = logprobsOf(await probe.forward({ data: seqs.map(sequenceDatum), loss_fn: 'cross_entropy' }));
    await probe.close();
    const shifts = [0, 0.5, -0.5];
    for (const loss of ['importance_sampling', 'ppo'] as const) {
      const rl: Datum[] = [];
      const ce: Datum[] = [];
      seqs.forEach((s, i) => {
        const logprobs = s.ids.map((_, t) => (t === 0 ? 0 : current[i][t - 1] - shifts[(i + t) % 3]));
        rl.push(datumFromSequence({ tokens: s.ids, logprobs, advantages: s.advantages }));
        // d(-r·A)/dlogp = -r·A; PPO: 0 where the clipped term is the smaller gain.
        const coef = s.ids.map((_, t) => {
          if (t === 0) return 0;
          const a = s.advantages[t];
          const r = Math.exp(current[i][t - 1] - logprobs[t]);
          if (loss === 'ppo' && Math.min(Math.max(r, 0.8), 1.2) * a < r * a) return 0;
          return -r * a;
        });
        // cross_entropy's gradient is -Σ w ∇logp: weights = -coef.
        ce.push(datumFromSequence({ tokens: s.ids, weights: coef.map((c) => -c) }));
      });
      const a = await fresh();
      const b = await fresh();
      await a.forwardBackward({ data: rl, loss_fn: loss });
      await b.forwardBackward({ data: ce, loss_fn: 'cross_entropy' });
      const ga = await a.accumulatedGrads();
      const gb = await b.accumulatedGrads();
      for (const [name, g] of gb) expect(relL2(ga.get(name)!, g), `${loss} ${name}`).toBeLessThan(1e-5);
      expect(maxAbs(gb.get('model.embed_tokens.weight')!)).toBeGreaterThan(0);
      await a.close();
      await b.close();
    }
  });

  it('forward and forward_backward agree; micro-batches sum to the whole; gradients accumulate across calls', async () => {
    const seqs = sequences();
    const data = seqs.map((s) => datumFromSequence({ tokens: s.ids, weights: s.mask }));
    const whole = await fresh();
    const fwd = await whole.forward({ data, loss_fn: 'cross_entropy' });
    const fb = await whole.forwardBackward({ data, loss_fn: 'cross_entropy' });
    fwd.loss_fn_outputs.forEach((o, i) => {
      expect(maxAbs(o.logprobs.data, fb.loss_fn_outputs[i].logprobs.data)).toBeLessThan(1e-5);
      expect(maxAbs(o.elementwise_loss.data, fb.loss_fn_outputs[i].elementwise_loss.data)).toBeLessThan(1e-4);
      // Per-token values line up with the datum's tokens, with zero loss where the weight is zero.
      const arr = datumArrays(data[i], 'datum');
      expect(o.logprobs.data.length).toBe(arr.input.length);
      arr.weights.forEach((w, t) => w === 0 && expect(o.elementwise_loss.data[t]).toBe(0));
    });
    expect(Math.abs(fwd.metrics['loss:sum'] - fb.metrics['loss:sum'])).toBeLessThan(1e-4);

    // The same data as two calls and, in another backend, in micro-batches of 32 tokens: the same gradient.
    const split = await fresh();
    await split.forwardBackward({ data: data.slice(0, 2), loss_fn: 'cross_entropy' });
    await split.forwardBackward({ data: data.slice(2), loss_fn: 'cross_entropy' });
    const small = new LocalBackend({
      models: { tiny: join(root, 'tiny') },
      weightsRoot: join(root, 'weights-small'),
      workers: new ThreadWorkerHost(),
      microBatchTokens: 32,
    });
    const micro = await small.createModel({ baseModel: 'tiny' });
    await micro.forwardBackward({ data, loss_fn: 'cross_entropy' });
    const g = await whole.accumulatedGrads();
    const gs = await split.accumulatedGrads();
    const gm = await (micro as LocalModel).accumulatedGrads();
    for (const [name, x] of g) {
      expect(relL2(gs.get(name)!, x), name).toBeLessThan(1e-5);
      expect(relL2(gm.get(name)!, x), name).toBeLessThan(1e-5);
    }
    await small.close();
    await whole.close();
    await split.close();
  });

  it('save_weights then load_weights into a new model: the next step is bit-identical', async () => {
    const data = sequences().map((s) => datumFromSequence({ tokens: s.ids, weights: s.mask }));
    const adam: AdamParams = {
      learning_rate: 1e-2,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      weight_decay: 0.01,
      grad_clip_norm: 1,
    };
    const step = async (m: TrainingModel) => {
      await m.forwardBackward({ data, loss_fn: 'cross_entropy' });
      return m.optimStep(adam);
    };
    const a = await fresh();
    await step(a);
    const { path } = await a.saveWeights('after-1');
    expect(path).toBe(`tinker://${a.modelId}/weights/after-1`);
    const b = await fresh();
    await b.loadWeights(path, { optimizer: true });
    // Only as the first call, as hosted Tinker and SkyRL enforce.
    expect(() => b.loadWeights(path, { optimizer: true })).toThrow(/first call/);
    const ra = await step(a);
    const rb = await step(b);
    expect(rb.metrics).toEqual(ra.metrics);
    const wa = await a.weights();
    const wb = await b.weights();
    for (const [name, x] of wa)
      expect(Buffer.from(wb.get(name)!.buffer).equals(Buffer.from(x.buffer)), name).toBe(true);
    // Without the optimizer state the step differs (fresh Adam moments).
    const c = await fresh();
    await c.loadWeights(path, { optimizer: false });
    await step(c);
    const wc = await c.weights();
    expect(maxAbs(wc.get('model.embed_tokens.weight')!, wa.get('model.embed_tokens.weight')!)).toBeGreaterThan(0);
    for (const m of [a, b, c]) await m.close();
  });
});
