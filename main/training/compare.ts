/**
 * Paired comparison of two evaluations of one suite (`cod compare A B`): both sides played the same packs with the
 * same request seeds, so lifecycle i of A and lifecycle i of B share their instance and task sequence. The delta at
 * position k is the mean of the per-lifecycle differences b − a with a Student-t 95% interval over those
 * differences — far tighter than comparing two unpaired intervals, since pack difficulty cancels out.
 */
import { CodError } from '../base/errors.ts';
import type { CodEffectStat, PositionDelta } from '../api/jobs.ts';
import type { SuiteResult } from './evaluate.ts';
import { codEffect, pairedDeltas } from './paired-stats.ts';

export interface SuiteComparison {
  readonly suite: string;
  readonly a: SuiteResult;
  readonly b: SuiteResult;
  readonly delta: PositionDelta[];
  readonly effect: CodEffectStat | null;
}

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
