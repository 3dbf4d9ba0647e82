/**
 * The policy-gradient losses of cod-method.md §4 as an engine Objective over packed rows.
 *
 *  - 'rec' (REC one-side, no importance weight; the paper's default): ratio = exp(logp - old) without gradient;
 *    a token is kept if (A >= 0 and ratio <= 1 + eps_high) or (A <= 0 and ratio >= 1 - eps_low); loss -A·logp.
 *  - 'ppo' (GRPO / PPO-clip with the importance ratio): max(-A·r, -A·clip(r, 1-eps_low, 1+eps_high)).
 *    DAPO clip-higher is 'ppo' (or 'rec') with eps_high 0.28.
 *  - KL to a reference policy with the k1 / k2 / k3 estimators, weighted by kl_coef.
 * Aggregation is in the per-token `weights` input: mask / (tokens in the whole step) gives the exact token
 * mean across micro-batches; Dr.GRPO's constant normaliser is just other weights.
 */
import {
  and,
  constLike,
  exp,
  greaterOrEqual,
  lessOrEqual,
  mul,
  neg,
  or,
  stopGradient,
  sub,
  sumAll,
  where,
  add,
  greater,
  cast,
  type Value,
} from '../engine/index.ts';
import type { Objective, ObjectiveContext } from '../models/graphs.ts';
import type { KlEstimator } from './kl-penalty.ts';

export type PgLossKind = 'rec' | 'ppo';
export type { KlEstimator };

export interface PgLossSpec {
  readonly kind: PgLossKind;
  /** KL penalty to a reference policy; absent = none (the paper's default). */
  readonly kl?: KlEstimator;
}

/** Feeds: advantages, old_logp, weights [B,T]; ref_logp [B,T] when kl; eps_low, eps_high, kl_coef scalars. */
export function pgObjective(spec: PgLossSpec): Objective {
  return {
    name: `pg_${spec.kind}${spec.kl ? `_${spec.kl}` : ''}`,
    needsEntropy: true,
    build(ctx: ObjectiveContext) {
      const { g, B, T } = ctx;
      const logp = ctx.tokens.logp;
      const adv = g.input('advantages', 'float32', [B, T]);
      const old = g.input('old_logp', 'float32', [B, T]);
      const weights = g.input('weights', 'float32', [B, T]);
      const epsLow = g.input('eps_low', 'float32', []);
      const epsHigh = g.input('eps_high', 'float32', []);
      const one = constLike(logp, 1);
      const zero = constLike(logp, 0);
      const lo = sub(one, epsLow);
      const hi = add(one, epsHigh);
      let perToken: Value;
      let clipped: Value;
      if (spec.kind === 'rec') {
        const ratio = exp(sub(stopGradient(logp), old));
        const keep = or(
          and(greaterOrEqual(adv, zero), lessOrEqual(ratio, hi)),
          and(lessOrEqual(adv, zero), greaterOrEqual(ratio, lo)),
        );
        perToken = where(keep, neg(mul(adv, logp)), zero);
        clipped = cast(keep, 'float32');
        clipped = sub(one, clipped);
      } else {
        const ratio = exp(sub(logp, old));
        const clippedRatio = where(lessOrEqual(ratio, lo), lo, where(greaterOrEqual(ratio, hi), hi, ratio));
        const a = neg(mul(adv, ratio));
        const b = neg(mul(adv, clippedRatio));
        const useClip = greater(b, a);
        perToken = where(useClip, b, a);
        clipped = cast(useClip, 'float32');
      }
      const outputs: Record<string, Value> = { clipped, logp };
      if (spec.kl) {
        const ref = g.input('ref_logp', 'float32', [B, T]);
        const klCoef = g.input('kl_coef', 'float32', []);
        const d = sub(logp, ref);
        const kl =
          spec.kl === 'k1'
            ? d
            : spec.kl === 'k2'
              ? mul(constLike(d, 0.5), mul(d, d))
              : sub(sub(exp(neg(d)), one), neg(d)); // k3: r - 1 - log r with r = p_ref / p
        perToken = add(perToken, mul(klCoef, kl));
        outputs.kl = kl;
      }
      if (ctx.tokens.entropy) outputs.entropy = ctx.tokens.entropy;
      return { loss: sumAll(mul(weights, perToken)), outputs };
    },
  };
}
