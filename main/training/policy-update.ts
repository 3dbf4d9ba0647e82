/**
 * One policy-gradient update through the backend API: the step's sequences become datums, forward_backward adds
 * their gradient, optim_step applies it (AdamW). How each objective of cod-method.md §4 maps onto Tinker's losses —
 * every mapping exact, not an approximation:
 *  - REC one-side (the default): keep mask and weights A·keep/N decided in TypeScript (rec-datums.ts) from the
 *    current log-probs, sent as forward_backward with `cross_entropy`. The current log-probs come either from a
 *    forward first (`fused: false`), or — without a KL penalty — from forward_backward itself (`fused`, the
 *    default): it runs with every response token kept, and a second forward_backward of only the sequences holding
 *    tokens its log-probs say to drop takes their terms back out (weights −A/N; gradients add). The sum is the same
 *    gradient, and the same as the reference's, whose REC loss reads its keep mask off the very forward pass it
 *    differentiates (agentscope-ai/Trinity-RFT trinity/algorithm/policy_loss_fn/rec_policy_loss.py @1d7fae4a:
 *    `ratio = exp(logprob - old_logprob).detach()`). Samples of the current or the previous weights clip almost
 *    nothing (demo runs: 0.04% of response tokens), so a step costs one forward_backward instead of a forward and
 *    a forward_backward (`npm run bench:train`).
 *  - PPO-clip / clip-higher: the backend's `ppo` loss with thresholds 1 − ε_low, 1 + ε_high and advantages A·mask/N
 *    (ppo-datums.ts), one pass; on a backend without `ppo`, cross_entropy weights as below.
 *  - a KL penalty (k1/k2/k3) with either: forward on the policy and on a reference model (the base, never stepped),
 *    then cross_entropy with weights holding both terms' gradients at the current log-probs.
 * The aggregation is in the weights (N = response tokens for token_mean, calls × budget for Dr.GRPO), so a step too
 * big for one request is split into several forward_backward calls whose gradients add up exactly.
 */
import type { TrainingModel } from '../backend/backend.ts';
import type { AdamParams, Datum, ForwardBackwardOutput } from '../backend/wire.ts';
import { CodError } from '../base/errors.ts';
import { klValue, type KlEstimator, type KlSettings } from './kl-penalty.ts';
import { ppoClips, ppoDatums, ppoLossConfig, ppoWeightDatums } from './ppo-datums.ts';
import { recDatums, recDropDatums, recKeeps, recKeptDatums, sequenceDatum } from './rec-datums.ts';
import type { TrainSequence } from './sequences.ts';

export type Aggregation = 'token_mean' | 'dr_grpo';

export interface PolicyObjective {
  readonly loss: 'rec' | 'ppo';
  readonly epsLow: number;
  readonly epsHigh: number;
  readonly kl?: KlEstimator;
  readonly klCoef: number;
  readonly aggregation: Aggregation;
  /** Dr.GRPO's constant: the response budget per call. */
  readonly generationBudget: number;
  readonly adam: AdamParams;
  /** Most datum tokens in one forward / forward_backward request (a bigger step is split; gradients add). */
  readonly tokensPerRequest: number;
  /** The backend implements `ppo` (else PPO goes through cross_entropy weights). */
  readonly backendPpo: boolean;
}

export interface UpdateStats {
  /** The objective's value before the update (the loss whose gradient was applied). */
  readonly loss: number;
  /** The gradient's global norm before clipping, as optim_step reports it (null when the backend does not). */
  readonly gradNorm: number | null;
  /** Response tokens whose term was clipped away, over all response tokens. */
  readonly clippedFraction: number;
  /** Mean −log p of the sampled response tokens under the policy before the update: a Monte-Carlo entropy estimate. */
  readonly entropy: number;
  /** Mean KL estimate over response tokens (with a KL penalty). */
  readonly kl?: number;
  readonly responseTokens: number;
  readonly tokens: number;
  /** forward and forward_backward requests sent. */
  readonly requests: number;
  /**
   * REC: tokens of the sequences holding a token the keep rule drops, which the fused update sends through
   * forward_backward a second time (counted whether or not this update was fused; 0 for PPO): what fusing costs.
   */
  readonly recheckTokens: number;
  /** Seconds in each backend call of the update: where a training step's time goes. */
  readonly seconds: { readonly forward: number; readonly forwardBackward: number; readonly optimStep: number };
}

/** Consecutive groups of sequences, each within `budget` tokens (a longer sequence goes alone). */
function requestsOf(seqs: readonly TrainSequence[], budget: number): number[][] {
  const out: number[][] = [];
  let cur: number[] = [];
  let tokens = 0;
  seqs.forEach((s, i) => {
    if (cur.length > 0 && tokens + s.ids.length > budget) {
      out.push(cur);
      cur = [];
      tokens = 0;
    }
    cur.push(i);
    tokens += s.ids.length;
  });
  if (cur.length > 0) out.push(cur);
  return out;
}

const logprobsOf = (o: ForwardBackwardOutput, what: string): number[][] =>
  o.loss_fn_outputs.map((x, i) => {
    const lp = x.logprobs?.data;
    if (!lp) throw new CodError('internal', `${what} returned no logprobs for datum ${i}`, 'backend');
    return lp;
  });

export interface UpdateOptions {
  /** REC without a KL penalty: the keep mask from forward_backward's own log-probs, no forward first (default on). */
  readonly fused?: boolean;
}

export async function updatePolicy(
  model: TrainingModel,
  seqs: readonly TrainSequence[],
  o: PolicyObjective,
  reference?: TrainingModel,
  opts: UpdateOptions = {},
): Promise<UpdateStats> {
  if (seqs.length === 0) throw new CodError('bad_input', 'no training sequences in this step', 'updatePolicy');
  if (o.kl && !reference) throw new CodError('bad_config', 'a KL penalty needs a reference model', 'training.kl');
  const responseTokens = seqs.reduce((a, s) => a + s.mask.reduce((x, y) => x + y, 0), 0);
  if (responseTokens === 0) throw new CodError('bad_input', 'no response tokens in this step', 'updatePolicy');
  const calls = seqs.reduce((a, s) => a + s.calls, 0);
  const norm = o.aggregation === 'dr_grpo' ? calls * o.generationBudget : responseTokens;
  const groups = requestsOf(seqs, o.tokensPerRequest);
  let requests = 0;
  const seconds = { forward: 0, forwardBackward: 0, optimStep: 0 };
  const timed = async <T>(what: keyof typeof seconds, p: Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await p;
    } finally {
      seconds[what] += (performance.now() - t0) / 1000;
    }
  };

  const forward = async (m: TrainingModel): Promise<number[][]> => {
    const out: number[][] = [];
    for (const g of groups) {
      requests++;
      const r = await timed(
        'forward',
        m.forward({ data: g.map((i) => sequenceDatum(seqs[i])), loss_fn: 'cross_entropy' }),
      );
      out.push(...logprobsOf(r, 'forward'));
    }
    return out;
  };

  const ppoLoss = o.loss === 'ppo' && !o.kl && o.backendPpo;
  const fused = o.loss === 'rec' && !o.kl && opts.fused !== false;
  /** forward_backward of `datums` (sequence `index[k]` each) in the step's request groups; their log-probs. */
  const forwardBackward = async (datums: readonly Datum[], index: readonly number[]): Promise<number[][]> => {
    const out: number[][] = [];
    for (const g of requestsOf(
      index.map((i) => seqs[i]),
      o.tokensPerRequest,
    )) {
      requests++;
      const r = await timed(
        'forwardBackward',
        model.forwardBackward({
          data: g.map((k) => datums[k]),
          loss_fn: ppoLoss ? 'ppo' : 'cross_entropy',
          ...(ppoLoss ? { loss_fn_config: ppoLossConfig(o) } : {}),
        }),
      );
      out.push(...logprobsOf(r, 'forward_backward'));
    }
    return out;
  };
  const every = seqs.map((_, i) => i);

  const current = ppoLoss || fused ? null : await forward(model);
  const kl: KlSettings | undefined = o.kl
    ? { estimator: o.kl, coef: o.klCoef, reference: await forward(reference!) }
    : undefined;
  let datums: Datum[];
  if (ppoLoss) datums = ppoDatums(seqs, norm);
  else if (fused) datums = recKeptDatums(seqs, norm);
  else if (o.loss === 'rec')
    datums = recDatums(seqs, current!, { epsLow: o.epsLow, epsHigh: o.epsHigh, norm, ...(kl ? { kl } : {}) }).datums;
  else datums = ppoWeightDatums(seqs, current!, { epsLow: o.epsLow, epsHigh: o.epsHigh, norm, ...(kl ? { kl } : {}) });

  const passed = await forwardBackward(datums, every);
  let recheckTokens = 0;
  if (o.loss === 'rec') {
    const drop = recDropDatums(seqs, current ?? passed, { epsLow: o.epsLow, epsHigh: o.epsHigh, norm });
    recheckTokens = drop.tokens;
    if (fused && drop.datums.length > 0) await forwardBackward(drop.datums, drop.index);
  }
  const step = await timed('optimStep', model.optimStep(o.adam));

  // The numbers of the step, from the log-probs before the update.
  const lp = current ?? passed;
  let loss = 0;
  let clipped = 0;
  let negLogp = 0;
  let klSum = 0;
  seqs.forEach((s, i) => {
    for (let t = 1; t < s.ids.length; t++) {
      if (s.mask[t] !== 1) continue;
      const a = s.advantages[t];
      const logp = lp[i][t - 1];
      const ratio = Math.exp(logp - s.oldLogp[t]);
      negLogp -= logp;
      if (o.loss === 'rec') {
        if (recKeeps(a, ratio, o.epsLow, o.epsHigh)) loss -= (a * logp) / norm;
        else clipped++;
      } else {
        const clips = ppoClips(a, ratio, o.epsLow, o.epsHigh);
        if (clips) clipped++;
        const r = clips ? Math.min(Math.max(ratio, 1 - o.epsLow), 1 + o.epsHigh) : ratio;
        loss -= (a * r) / norm;
      }
      if (kl) {
        const k = klValue(kl.estimator, logp - kl.reference[i][t - 1]);
        klSum += k;
        loss += (kl.coef * k) / norm;
      }
    }
  });
  const gradNorm = step.metrics?.grad_norm;
  return {
    loss,
    gradNorm: typeof gradNorm === 'number' && Number.isFinite(gradNorm) ? gradNorm : null,
    clippedFraction: clipped / responseTokens,
    entropy: negLogp / responseTokens,
    ...(kl ? { kl: klSum / responseTokens } : {}),
    responseTokens,
    tokens: seqs.reduce((a, s) => a + s.ids.length, 0),
    requests,
    recheckTokens,
    seconds,
  };
}
