/**
 * The Tinker losses the local backend implements, each twice on purpose: as an engine Objective (the graph that
 * gives the gradient) and as a per-token formula in plain JS (the reported `elementwise_loss` and `loss:sum`).
 * Tests check the graph's gradient against the formula's derivative. Definitions as SkyRL's skyrl/tinker/loss_fns.py
 * (the same as hosted Tinker's documentation); every loss is a SUM over tokens of weights · per-token loss:
 *
 *   cross_entropy        -logp                                         (inputs: target_tokens, weights)
 *   importance_sampling  -r·A,  r = exp(logp - logprobs)               (+ logprobs, advantages)
 *   ppo                  -min(r·A, clip(r, lo, hi)·A), lo 0.8, hi 1.2  (+ loss_fn_config clip_*_threshold)
 *
 * Weights absent from a datum are 1 on every token (SkyRL's default), so RL datums are masked by zero advantages.
 */
import { CodError } from '../../base/errors.ts';
import {
  constLike,
  equal,
  exp,
  greater,
  less,
  lessOrEqual,
  mul,
  neg,
  sub,
  sumAll,
  where,
  type Value,
} from '../../engine/index.ts';
import type { Objective, ObjectiveContext } from '../../models/graphs.ts';
import { crossEntropy } from '../../models/objectives.ts';
import type { LossFnType } from '../wire.ts';

export const LOCAL_LOSSES = ['cross_entropy', 'importance_sampling', 'ppo'] as const satisfies readonly LossFnType[];
export type LocalLoss = (typeof LOCAL_LOSSES)[number];

export interface LossSettings {
  readonly loss: LocalLoss;
  readonly clipLow: number;
  readonly clipHigh: number;
}

const PPO_DEFAULTS = { clip_low_threshold: 0.8, clip_high_threshold: 1.2 };

/** The loss and its config, checked: unknown losses and config keys are refused by name. */
export function lossSettings(
  lossFn: LossFnType,
  config: Readonly<Record<string, number>> | null | undefined,
): LossSettings {
  if (!(LOCAL_LOSSES as readonly string[]).includes(lossFn))
    throw new CodError(
      'unsupported',
      `loss_fn '${lossFn}' is not implemented by the local backend (it has ${LOCAL_LOSSES.join(', ')})`,
      'loss_fn',
    );
  const loss = lossFn as LocalLoss;
  const allowed = loss === 'ppo' ? Object.keys(PPO_DEFAULTS) : [];
  const bad = Object.keys(config ?? {}).filter((k) => !allowed.includes(k));
  if (bad.length > 0)
    throw new CodError(
      'bad_input',
      allowed.length > 0
        ? `keys ${bad.join(', ')} are not accepted for '${loss}' (allowed: ${allowed.join(', ')})`
        : `'${loss}' takes no loss_fn_config keys, got ${bad.join(', ')}`,
      'loss_fn_config',
    );
  const clipLow = config?.clip_low_threshold ?? PPO_DEFAULTS.clip_low_threshold;
  const clipHigh = config?.clip_high_threshold ?? PPO_DEFAULTS.clip_high_threshold;
  if (!(clipLow >= 0 && clipLow <= 1 && clipHigh >= 1))
    throw new CodError('bad_input', `need 0 <= clip_low_threshold <= 1 <= clip_high_threshold`, 'loss_fn_config');
  return { loss, clipLow, clipHigh };
}

/** Which per-token inputs a loss reads besides target_tokens and weights. */
export function needsPolicyInputs(loss: LocalLoss): boolean {
  return loss !== 'cross_entropy';
}

/**
 * The graph. Feeds: weights [B,T]; advantages, old_logp [B,T] and clip_low, clip_high [] for the RL losses.
 * Outputs the per-column target log-probs as `logp`.
 */
export function lossObjective(loss: LocalLoss): Objective {
  return {
    name: `tinker_${loss}`,
    needsEntropy: false,
    build({ g, B, T, tokens }: ObjectiveContext) {
      const logp = tokens.logp;
      const weights = g.input('weights', 'float32', [B, T]);
      if (loss === 'cross_entropy') return { loss: crossEntropy(logp, weights), outputs: { logp } };
      const adv = g.input('advantages', 'float32', [B, T]);
      const old = g.input('old_logp', 'float32', [B, T]);
      const ratio = exp(sub(logp, old));
      let gain: Value = mul(ratio, adv);
      if (loss === 'ppo') {
        const lo = g.input('clip_low', 'float32', []);
        const hi = g.input('clip_high', 'float32', []);
        const clipped = where(less(ratio, lo), lo, where(greater(ratio, hi), hi, ratio));
        const clippedGain = mul(clipped, adv);
        gain = where(lessOrEqual(gain, clippedGain), gain, clippedGain);
      }
      // SkyRL's safe_loss_mask: a zero weight contributes exactly zero, whatever the ratio.
      const zero = constLike(logp, 0);
      const perToken = where(equal(weights, zero), zero, mul(weights, neg(gain)));
      return { loss: sumAll(perToken), outputs: { logp } };
    },
  };
}

/** The per-token loss before weighting (the JS twin of lossObjective). */
export function tokenLoss(s: LossSettings, logp: number, oldLogp: number, adv: number): number {
  if (s.loss === 'cross_entropy') return -logp;
  const ratio = Math.exp(logp - oldLogp);
  let gain = ratio * adv;
  if (s.loss === 'ppo') gain = Math.min(gain, Math.min(Math.max(ratio, s.clipLow), s.clipHigh) * adv);
  return -gain;
}
