/**
 * The KL penalty to a reference policy per response token (cod-method.md §4), as a function of d = logp − ref_logp:
 * k1 = d, k2 = d²/2, k3 = e^{−d} − 1 + d (Schulman's estimators; the engine's pg-objective.ts builds the same as a
 * graph). Its slope dk/dlogp is what a cross_entropy weight needs to carry the penalty's gradient exactly.
 */
export type KlEstimator = 'k1' | 'k2' | 'k3';

export function klValue(k: KlEstimator, d: number): number {
  return k === 'k1' ? d : k === 'k2' ? 0.5 * d * d : Math.exp(-d) - 1 + d;
}

export function klSlope(k: KlEstimator, d: number): number {
  return k === 'k1' ? 1 : k === 'k2' ? d : 1 - Math.exp(-d);
}

export interface KlSettings {
  readonly estimator: KlEstimator;
  readonly coef: number;
  /** Reference log-probs per sequence, aligned with tokens[1:] as forward returns them. */
  readonly reference: readonly ArrayLike<number>[];
}
