/**
 * Adaptive RED-Weight (cod-method.md §4), over all samples of one rollout step. With L_e the response tokens of
 * sample e: when Σ A_e L_e < 0 (the step pushes more token mass down than up), find T in [0.8, 100] by bisection
 * (at most 20 iterations, stop when the interval is narrower than 0.05) so that Σ A_e exp(A_e/T) L_e ≈ 0, then
 * A_e ← A_e exp(A_e/T). f(T) = Σ A_e exp(A_e/T) L_e is strictly decreasing in T, so bisection is well defined;
 * when even T = 0.8 cannot reach 0, T = 0.8. Otherwise A is unchanged and no temperature is reported.
 */
import { CodError } from '../base/errors.ts';

export interface RedWeightOptions {
  readonly minTemperature: number;
  readonly maxTemperature: number;
  readonly maxIterations: number;
  readonly tolerance: number;
}

export const DEFAULT_RED_WEIGHT: RedWeightOptions = {
  minTemperature: 0.8,
  maxTemperature: 100,
  maxIterations: 20,
  tolerance: 0.05,
};

export interface RedWeightResult {
  readonly advantages: number[];
  /** The temperature used (for logging), or null when the weighting did not apply. */
  readonly temperature: number | null;
}

function weighted(adv: readonly number[], len: readonly number[], T: number): number {
  let s = 0;
  for (let e = 0; e < adv.length; e++) s += adv[e] * Math.exp(adv[e] / T) * len[e];
  return s;
}

export function redWeight(
  advantages: readonly number[],
  lengths: readonly number[],
  options: Partial<RedWeightOptions> = {},
): RedWeightResult {
  const o = { ...DEFAULT_RED_WEIGHT, ...options };
  if (advantages.length !== lengths.length)
    throw new CodError('bad_input', `${advantages.length} advantages but ${lengths.length} lengths`);
  advantages.forEach((a, i) => {
    if (!Number.isFinite(a)) throw new CodError('bad_input', `must be finite, got ${a}`, `advantages[${i}]`);
  });
  lengths.forEach((l, i) => {
    if (!Number.isFinite(l) || l < 0)
      throw new CodError('bad_input', `must be a length ≥ 0, got ${l}`, `lengths[${i}]`);
  });
  if (!(o.minTemperature > 0 && o.maxTemperature > o.minTemperature))
    throw new CodError('bad_config', 'need 0 < minTemperature < maxTemperature', 'redWeight');

  const total = advantages.reduce((s, a, e) => s + a * lengths[e], 0);
  if (!(total < 0)) return { advantages: [...advantages], temperature: null };

  let lo = o.minTemperature;
  let hi = o.maxTemperature;
  let T: number;
  if (weighted(advantages, lengths, lo) <= 0) {
    T = lo; // even the strongest up-weighting of positive samples cannot balance the step
  } else {
    for (let i = 0; i < o.maxIterations && hi - lo >= o.tolerance; i++) {
      const mid = (lo + hi) / 2;
      if (weighted(advantages, lengths, mid) > 0) lo = mid;
      else hi = mid;
    }
    T = (lo + hi) / 2;
  }
  return { advantages: advantages.map((a) => a * Math.exp(a / T)), temperature: T };
}
