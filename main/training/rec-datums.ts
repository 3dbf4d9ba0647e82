/**
 * The REC one-side loss (cod-method.md §4) through any Tinker-compatible backend: its gradient is Σ_t c_t ∇logp_t with
 * c_t = -A_t·keep_t/N, and keep_t depends on the current log-probs only through a comparison (no gradient). So the
 * trainer asks the backend for the current log-probs (forward), decides keep_t here, and sends forward_backward with
 * the plain `cross_entropy` loss and weights A·keep/N — a loss every Tinker service implements, giving exactly the
 * engine's REC gradient (a test holds the two within 1e-5). A KL penalty adds −coef·k'(d)/N per response token: the
 * gradient of coef·k(logp − ref)/N, exact for the same reason (its slope is read at the current log-probs).
 */
import { datumFromSequence } from '../backend/datums.ts';
import type { Datum } from '../backend/wire.ts';
import { klSlope, type KlSettings } from './kl-penalty.ts';
import type { TrainSequence } from './sequences.ts';

export interface RecSettings {
  readonly epsLow: number;
  readonly epsHigh: number;
  /** The aggregation's normaliser for the whole step (response tokens for token_mean; calls × budget for Dr.GRPO). */
  readonly norm: number;
  readonly kl?: KlSettings;
}

/** A sequence as a datum for forward: the current log-probs of its tokens come back aligned with tokens[1:]. */
export function sequenceDatum(s: TrainSequence): Datum {
  return datumFromSequence({ tokens: s.ids, weights: s.mask });
}

/** REC's keep rule for one token: positive advantages clipped above 1+ε_high, negative ones below 1−ε_low. */
export function recKeeps(advantage: number, ratio: number, epsLow: number, epsHigh: number): boolean {
  return (advantage >= 0 && ratio <= 1 + epsHigh) || (advantage <= 0 && ratio >= 1 - epsLow);
}

/** The KL part of a response token's cross_entropy weight (0 without a penalty). */
export function klWeight(kl: KlSettings | undefined, i: number, t: number, logp: number, norm: number): number {
  if (!kl) return 0;
  return (-kl.coef * klSlope(kl.estimator, logp - kl.reference[i][t - 1])) / norm;
}

/**
 * Cross-entropy datums carrying REC's weights, from the sequences and their current log-probs (`current[i][t - 1]`
 * is the log-prob of token t of sequence i, as forward returns it). Also counts the response tokens clipped away.
 */
export function recDatums(
  seqs: readonly TrainSequence[],
  current: readonly ArrayLike<number>[],
  o: RecSettings,
): { datums: Datum[]; clipped: number } {
  let clipped = 0;
  const datums = seqs.map((s, i) => {
    const weights = new Array<number>(s.ids.length).fill(0);
    for (let t = 1; t < s.ids.length; t++) {
      if (s.mask[t] !== 1) continue;
      const a = s.advantages[t];
      const logp = current[i][t - 1];
      const keep = recKeeps(a, Math.exp(logp - s.oldLogp[t]), o.epsLow, o.epsHigh);
      if (keep) weights[t] = a / o.norm;
      else clipped++;
      weights[t] += klWeight(o.kl, i, t, logp, o.norm);
    }
    return datumFromSequence({ tokens: s.ids, weights });
  });
  return { datums, clipped };
}

/**
 * REC in one forward_backward (policy-update.ts): the first pass's datums, every response token kept — the same
 * weights A/N that `recDatums` gives a kept token. Without a KL penalty only.
 */
export function recKeptDatums(seqs: readonly TrainSequence[], norm: number): Datum[] {
  return seqs.map((s) => {
    const weights = new Array<number>(s.ids.length).fill(0);
    for (let t = 1; t < s.ids.length; t++) if (s.mask[t] === 1) weights[t] = s.advantages[t] / norm;
    return datumFromSequence({ tokens: s.ids, weights });
  });
}

/**
 * The second pass after `recKeptDatums`: the tokens the keep rule drops at the log-probs the first pass returned
 * (`current`), with weights −A/N, in datums of only the sequences that hold them (`index`: which sequence each is).
 * Its gradient cancels those tokens' terms of the first pass's, so the two passes' sum is REC's gradient.
 */
export function recDropDatums(
  seqs: readonly TrainSequence[],
  current: readonly ArrayLike<number>[],
  o: Omit<RecSettings, 'kl'>,
): { datums: Datum[]; index: number[]; tokens: number } {
  const datums: Datum[] = [];
  const index: number[] = [];
  let tokens = 0;
  seqs.forEach((s, i) => {
    let weights: number[] | null = null;
    for (let t = 1; t < s.ids.length; t++) {
      if (s.mask[t] !== 1) continue;
      const a = s.advantages[t];
      if (recKeeps(a, Math.exp(current[i][t - 1] - s.oldLogp[t]), o.epsLow, o.epsHigh)) continue;
      weights ??= new Array<number>(s.ids.length).fill(0);
      weights[t] = -a / o.norm;
    }
    if (!weights) return;
    datums.push(datumFromSequence({ tokens: s.ids, weights }));
    index.push(i);
    tokens += s.ids.length;
  });
  return { datums, index, tokens };
}
