/**
 * PPO-clip (GRPO's loss with the importance ratio; DAPO clip-higher is ε_high 0.28) through a Tinker backend, two
 * ways, both exact:
 *  - the backend's own `ppo` loss (one forward_backward, no extra forward): advantages A·mask/N carry the
 *    aggregation (a positive scale passes through min and clip), logprobs are the sampler's, clip thresholds
 *    1 − ε_low and 1 + ε_high; weights mark the response tokens;
 *  - cross_entropy weights, when a KL penalty rides along or the backend has no `ppo`: the loss per token is
 *    max(−A·r, −A·clip(r)) with r = exp(logp − logp_old), whose gradient is −A·r·∇logp where the unclipped term is
 *    the max and 0 where the clipped one is, so the weight is A·r/N there (r read at the current log-probs).
 */
import { datumFromSequence } from '../backend/datums.ts';
import type { Datum } from '../backend/wire.ts';
import type { KlSettings } from './kl-penalty.ts';
import { klWeight } from './rec-datums.ts';
import type { TrainSequence } from './sequences.ts';

export interface PpoSettings {
  readonly epsLow: number;
  readonly epsHigh: number;
  /** The aggregation's normaliser for the whole step. */
  readonly norm: number;
  readonly kl?: KlSettings;
}

/** The `ppo` loss_fn_config of these settings (SkyRL's and hosted Tinker's keys). */
export function ppoLossConfig(o: Pick<PpoSettings, 'epsLow' | 'epsHigh'>): Record<string, number> {
  return { clip_low_threshold: 1 - o.epsLow, clip_high_threshold: 1 + o.epsHigh };
}

/** Does the clipped term win at this ratio (the token's gradient is zero)? As the engine's graph decides it. */
export function ppoClips(advantage: number, ratio: number, epsLow: number, epsHigh: number): boolean {
  const clippedRatio = ratio <= 1 - epsLow ? 1 - epsLow : ratio >= 1 + epsHigh ? 1 + epsHigh : ratio;
  return -advantage * clippedRatio > -advantage * ratio;
}

/** Datums for the backend's `ppo` loss. */
export function ppoDatums(seqs: readonly TrainSequence[], norm: number): Datum[] {
  return seqs.map((s) =>
    datumFromSequence({
      tokens: s.ids,
      weights: s.mask,
      logprobs: s.oldLogp,
      advantages: s.advantages.map((a, t) => (s.mask[t] === 1 ? a / norm : 0)),
    }),
  );
}

/** Cross-entropy datums carrying PPO's gradient at the current log-probs (`current[i][t - 1]` for token t). */
export function ppoWeightDatums(
  seqs: readonly TrainSequence[],
  current: readonly ArrayLike<number>[],
  o: PpoSettings,
): Datum[] {
  return seqs.map((s, i) => {
    const weights = new Array<number>(s.ids.length).fill(0);
    for (let t = 1; t < s.ids.length; t++) {
      if (s.mask[t] !== 1) continue;
      const a = s.advantages[t];
      const logp = current[i][t - 1];
      const ratio = Math.exp(logp - s.oldLogp[t]);
      if (!ppoClips(a, ratio, o.epsLow, o.epsHigh)) weights[t] = (a * ratio) / o.norm;
      weights[t] += klWeight(o.kl, i, t, logp, o.norm);
    }
    return datumFromSequence({ tokens: s.ids, weights });
  });
}
