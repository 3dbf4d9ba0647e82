/**
 * Paired statistics over lifecycles that played the same packs: per-position differences b − a, the CoD effect of
 * B over A, and one evaluation's own rise from the first position to the last — each a mean with a Student-t 95%
 * interval. The shapes are the job protocol's (main/api/jobs.ts): what `cod compare` and `cod eval` print.
 */
import type { CodEffectStat, PositionDelta } from '../api/jobs.ts';
import { CodError } from '../base/errors.ts';
import type { LifecycleResult } from '../cod/records.ts';
import { meanCI } from '../cod/stats.ts';

const finite = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

/** Mean and Student-t 95% interval of paired differences; whether the interval lies wholly off 0. */
function pairedInterval(d: readonly number[]): Omit<PositionDelta, 'k'> {
  const ci = meanCI(d);
  const lo = finite(ci.lo);
  const hi = finite(ci.hi);
  return {
    n: ci.n,
    mean: finite(ci.mean),
    ci_low: lo,
    ci_high: hi,
    excludesZero: lo !== null && hi !== null && (lo > 0 || hi < 0),
  };
}

/** Per-position paired differences b − a over lifecycles that completed on both sides. */
export function pairedDeltas(a: readonly LifecycleResult[], b: readonly LifecycleResult[]): PositionDelta[] {
  if (a.length !== b.length)
    throw new CodError('bad_input', `cannot pair ${a.length} lifecycles with ${b.length}`, 'lifecycles');
  const S = Math.max(0, ...a.map((l) => l.taskRewards.length), ...b.map((l) => l.taskRewards.length));
  const out: PositionDelta[] = [];
  for (let k = 0; k < S; k++) {
    const d: number[] = [];
    a.forEach((la, i) => {
      const lb = b[i];
      if (la.lifecycleId !== lb.lifecycleId)
        throw new CodError('bad_input', `lifecycle ${i} is '${la.lifecycleId}' vs '${lb.lifecycleId}'`, 'lifecycles');
      if (!la.error && !lb.error && la.taskRewards.length > k && lb.taskRewards.length > k)
        d.push(lb.taskRewards[k] - la.taskRewards[k]);
    });
    out.push({ k, ...pairedInterval(d) });
  }
  return out;
}

/** What the paired statistics read of a lifecycle (a stored eval lifecycle row gives the same). */
export type PairedLifecycle = Pick<LifecycleResult, 'lifecycleId' | 'taskRewards' | 'error'>;

export function codEffect(a: readonly PairedLifecycle[], b: readonly PairedLifecycle[]): CodEffectStat | null {
  const S = Math.max(0, ...a.map((l) => l.taskRewards.length));
  if (S < 2 || a.length !== b.length) return null;
  const last = S - 1;
  const d: number[] = [];
  a.forEach((la, i) => {
    const lb = b[i];
    if (la.error || lb.error || la.taskRewards.length < S || lb.taskRewards.length < S) return;
    d.push(lb.taskRewards[last] - la.taskRewards[last] - (lb.taskRewards[0] - la.taskRewards[0]));
  });
  return { first: 0, last, ...pairedInterval(d) };
}

/**
 * How much one evaluation's reward rises from the first position (or Ralph attempt) to the last, paired within each
 * lifecycle (r_last − r_0), with its 95% interval. For the Ralph loop this is the question "do later attempts at the
 * same task do better"; for a CoD suite it is the raw rise, which easier late tasks could also produce (the CoD
 * effect of a comparison is the controlled form).
 */
export function positionRise(lifecycles: readonly PairedLifecycle[]): CodEffectStat | null {
  const S = Math.max(0, ...lifecycles.map((l) => l.taskRewards.length));
  if (S < 2) return null;
  const last = S - 1;
  const d = lifecycles
    .filter((l) => !l.error && l.taskRewards.length === S)
    .map((l) => l.taskRewards[last] - l.taskRewards[0]);
  return { first: 0, last, ...pairedInterval(d) };
}
