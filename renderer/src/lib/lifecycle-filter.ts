/** Replay's lifecycle search and filters: pure, over the lifecycle rows of a step. */
import type { LifecycleRow } from '../../../main/api/types.ts';

export type OutcomeFilter = 'all' | 'errors' | 'rises' | 'falls' | 'flat';

export interface LifecycleQuery {
  /** Words that must all appear in the pack id, domain or key. */
  readonly text: string;
  readonly outcome: OutcomeFilter;
  /** Least mean task reward over the positions reached ('' for any). */
  readonly minMean: number | '';
}

export const NO_LIFECYCLE_QUERY: LifecycleQuery = { text: '', outcome: 'all', minMean: '' };

export function meanReward(l: LifecycleRow): number | null {
  const xs = l.rewards.filter((r): r is number => r !== null);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** Last reached position's reward minus the first's (null with fewer than two). */
export function rewardRise(l: LifecycleRow): number | null {
  const xs = l.rewards.filter((r): r is number => r !== null);
  return xs.length >= 2 ? xs[xs.length - 1] - xs[0] : null;
}

export function filterLifecycles(rows: readonly LifecycleRow[], q: LifecycleQuery): LifecycleRow[] {
  const words = q.text.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((l) => {
    const hay = `${l.packId}\n${l.domain}\n${l.key}`.toLowerCase();
    if (!words.every((w) => hay.includes(w))) return false;
    const rise = rewardRise(l);
    if (q.outcome === 'errors' && !l.error) return false;
    if (q.outcome === 'rises' && !(rise !== null && rise > 0)) return false;
    if (q.outcome === 'falls' && !(rise !== null && rise < 0)) return false;
    if (q.outcome === 'flat' && !(rise !== null && rise === 0)) return false;
    if (q.minMean !== '') {
      const m = meanReward(l);
      if (m === null || m < q.minMean) return false;
    }
    return true;
  });
}
