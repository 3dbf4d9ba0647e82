/**
 * The group baseline (cod-method.md §4): a group is the G rollouts of one pack at one slot (same episode type,
 * same index); A = R - mean_G(R). Standard-deviation normalisation and zero-variance filtering are options, off
 * by default.
 */
import { CodError } from '../base/errors.ts';

export interface BaselineOptions {
  /** A = (R - mean) / (std + epsilon), std the unbiased sample std of the group. */
  readonly stdNormalize: boolean;
  /** Drop groups whose returns are all equal (they carry no learning signal). */
  readonly filterZeroVariance: boolean;
  readonly epsilon: number;
}

export const DEFAULT_BASELINE: BaselineOptions = { stdNormalize: false, filterZeroVariance: false, epsilon: 1e-6 };

export interface GroupAdvantages {
  readonly advantages: number[];
  /** All returns equal (within 1e-12): the group gives every member A = 0. */
  readonly zeroVariance: boolean;
  /** The group is dropped (zero variance with filtering on). */
  readonly filtered: boolean;
}

export function groupAdvantages(returns: readonly number[], options: Partial<BaselineOptions> = {}): GroupAdvantages {
  const o = { ...DEFAULT_BASELINE, ...options };
  if (returns.length === 0) throw new CodError('bad_input', 'a group has at least one member', 'returns');
  for (const r of returns)
    if (!Number.isFinite(r)) throw new CodError('bad_input', `return must be finite, got ${r}`, 'returns');
  if (!(o.epsilon > 0)) throw new CodError('bad_config', `must be positive, got ${o.epsilon}`, 'baseline.epsilon');
  const n = returns.length;
  const mean = returns.reduce((a, b) => a + b, 0) / n;
  const zeroVariance = returns.every((r) => Math.abs(r - returns[0]) <= 1e-12);
  let advantages = returns.map((r) => r - mean);
  if (zeroVariance) advantages = advantages.map(() => 0);
  else if (o.stdNormalize) {
    const std = Math.sqrt(advantages.reduce((a, d) => a + d * d, 0) / (n - 1));
    advantages = advantages.map((a) => a / (std + o.epsilon));
  }
  return { advantages, zeroVariance, filtered: zeroVariance && o.filterZeroVariance };
}
