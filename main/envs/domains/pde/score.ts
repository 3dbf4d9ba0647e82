/**
 * Scoring a committed law: reward = 1 / (1 + normalised L1 coefficient error + number of extra terms), the
 * error being Σ_true |ĉ_k − c_k| / Σ_true |c_k| over the true terms (a missing term costs its whole weight).
 */
import { supportOf, type Coefficients } from './dictionary.ts';

export interface LawScore {
  /** Committed terms that are in the law, and those that are not (dictionary indices). */
  readonly correct: readonly number[];
  readonly extra: readonly number[];
  /** How many true terms were not committed (which ones is not revealed). */
  readonly missing: number;
  readonly error: number;
  readonly reward: number;
}

export function scoreLaw(truth: Coefficients, committed: Coefficients): LawScore {
  const trueSupport = supportOf(truth);
  const mine = supportOf(committed);
  const correct = mine.filter((k) => truth[k] !== 0);
  const extra = mine.filter((k) => truth[k] === 0);
  const missing = trueSupport.filter((k) => committed[k] === 0).length;
  const weight = trueSupport.reduce((s, k) => s + Math.abs(truth[k]), 0);
  const error = weight === 0 ? 0 : trueSupport.reduce((s, k) => s + Math.abs(committed[k] - truth[k]), 0) / weight;
  return { correct, extra, missing, error, reward: 1 / (1 + error + extra.length) };
}
