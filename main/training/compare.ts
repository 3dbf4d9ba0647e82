/**
 * Paired comparison of two evaluations of one suite (`cod compare A B`): both sides played the same packs with the
 * same request seeds, so lifecycle i of A and lifecycle i of B share their instance and task sequence. The delta at
 * position k is the mean of the per-lifecycle differences b − a with a Student-t 95% interval over those
 * differences — far tighter than comparing two unpaired intervals, since pack difficulty cancels out.
 */
import { CodError } from '../base/errors.ts';
import type { LifecycleResult } from '../cod/records.ts';
import { meanCI } from '../cod/stats.ts';
import type { SuiteResult } from './evaluate.ts';

export interface PositionDelta {
  readonly k: number;
  /** Pairs in which both lifecycles completed and reached position k. */
  readonly n: number;
  /** Mean of b − a; null when no pair. */
  readonly mean: number | null;
  /** Student-t 95% interval of the paired differences; null when n < 2. */
  readonly ci_low: number | null;
  readonly ci_high: number | null;
  /** The interval lies wholly above or below 0 (a zero-width interval at 0 never does). */
  readonly excludesZero: boolean;
}

/**
 * The CoD effect of B over A: how much more the last position gained than position 0, per lifecycle pair
 * ((b_last − a_last) − (b_0 − a_0)), with its 95% interval. Above 0 with the interval excluding 0: the later
 * positions — the ones that use self-written notes — improved more than from-scratch skill.
 */
export interface CodEffect {
  readonly first: number;
  readonly last: number;
  readonly n: number;
  readonly mean: number | null;
  readonly ci_low: number | null;
  readonly ci_high: number | null;
  readonly excludesZero: boolean;
}

export interface SuiteComparison {
  readonly suite: string;
  readonly a: SuiteResult;
  readonly b: SuiteResult;
  readonly delta: PositionDelta[];
  readonly effect: CodEffect | null;
}

const finite = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

/** Refuse to pair evaluations that did not play the same packs (different suite settings, seeds or salts). */
function checkPaired(a: SuiteResult, b: SuiteResult): void {
  const same = (what: string, x: unknown, y: unknown) => {
    if (JSON.stringify(x) !== JSON.stringify(y))
      throw new CodError(
        'bad_input',
        `cannot pair the two evaluations: ${what} differs (${JSON.stringify(x)} vs ${JSON.stringify(y)})`,
        `suite ${a.suite}`,
      );
  };
  same('suite', a.suite, b.suite);
  same('domain', a.domain, b.domain);
  same('preset', a.preset, b.preset);
  same('pack strategy', a.strategy, b.strategy);
  same('pack size', a.packSize, b.packSize);
  same('seeds', a.seeds, b.seeds);
  same('seed salt', a.seedSalt, b.seedSalt);
  same(
    'packs',
    a.lifecycles.map((l) => l.lifecycleId),
    b.lifecycles.map((l) => l.lifecycleId),
  );
}

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

export function codEffect(a: readonly PairedLifecycle[], b: readonly PairedLifecycle[]): CodEffect | null {
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
export function positionRise(lifecycles: readonly PairedLifecycle[]): CodEffect | null {
  const S = Math.max(0, ...lifecycles.map((l) => l.taskRewards.length));
  if (S < 2) return null;
  const last = S - 1;
  const d = lifecycles
    .filter((l) => !l.error && l.taskRewards.length === S)
    .map((l) => l.taskRewards[last] - l.taskRewards[0]);
  return { first: 0, last, ...pairedInterval(d) };
}

export function compareSuites(a: SuiteResult, b: SuiteResult): SuiteComparison {
  checkPaired(a, b);
  return {
    suite: a.suite,
    a,
    b,
    delta: pairedDeltas(a.lifecycles, b.lifecycles),
    effect: codEffect(a.lifecycles, b.lifecycles),
  };
}
