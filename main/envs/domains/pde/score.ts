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

/**
 * The reference's reward (pde_discovery/workflow.py @ 139d1c43, _hidden_formula_reward_diagnostics): the L1 distance
 * of the coefficient vectors over every dictionary term, normalised by the true law's L1 norm, plus one per committed
 * term beyond the true law's term count (a size penalty, not a per-wrong-term one); reward 1 / (1 + loss).
 */
export function paperScore(
  truth: Coefficients,
  committed: Coefficients,
): { readonly loss: number; readonly reward: number } {
  const targetL1 = truth.reduce((s, c) => s + Math.abs(c), 0);
  const diff = truth.reduce((s, c, k) => s + Math.abs((committed[k] ?? 0) - c), 0);
  const normalized = diff / Math.max(1e-8, targetL1);
  const extra = Math.max(0, committed.filter((c) => Math.abs(c) > 1e-12).length - supportOf(truth).length);
  const loss = normalized + extra;
  return { loss, reward: 1 / (1 + loss) };
}
