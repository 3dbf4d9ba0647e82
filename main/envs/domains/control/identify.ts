/**
 * System identification from the feedback table: least squares of v_{t+1} = a·v_t + b·u_t over the observed
 * transitions. This is how the scripted oracle learns the hidden dynamics (it never reads them).
 */
import type { StepRow } from './rollout.ts';

export interface DynamicsEstimate {
  readonly a: number;
  readonly b: number;
  /** Number of transitions behind the estimate (its weight when merged with later evidence). */
  readonly n: number;
}

/** Below this normalised determinant the two regressors are too collinear to separate a from b. */
const MIN_NORMALISED_DET = 1e-3;

export function estimateDynamics(rows: readonly StepRow[]): DynamicsEstimate | null {
  let svv = 0;
  let svu = 0;
  let suu = 0;
  let svy = 0;
  let suy = 0;
  let n = 0;
  for (let k = 0; k + 1 < rows.length; k++) {
    const { v, u } = rows[k];
    const next = rows[k + 1];
    if (u === null || next.t !== rows[k].t + 1) continue;
    const y = next.v;
    svv += v * v;
    svu += v * u;
    suu += u * u;
    svy += v * y;
    suy += u * y;
    n++;
  }
  const det = svv * suu - svu * svu;
  if (n < 2 || !(det > MIN_NORMALISED_DET * Math.max(1e-12, svv * suu))) return null;
  const a = (suu * svy - svu * suy) / det;
  const b = (svv * suy - svu * svy) / det;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return null;
  return { a, b, n };
}

/** Pool two estimates, weighting each by its number of transitions. */
export function mergeEstimates(prev: DynamicsEstimate | null, next: DynamicsEstimate | null): DynamicsEstimate | null {
  if (!prev) return next;
  if (!next) return prev;
  const n = prev.n + next.n;
  return { a: (prev.a * prev.n + next.a * next.n) / n, b: (prev.b * prev.n + next.b * next.n) / n, n };
}
