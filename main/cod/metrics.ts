/**
 * Evaluation metrics from lifecycle results, the same for training rollouts and evaluation (cod-method.md §5).
 * The primary metric is the mean task reward at pack position k with a Student-t 95% confidence interval; under
 * the Ralph strategies a position is an attempt at the same task. Means are over completed lifecycles only: a
 * lifecycle that failed (env fault) is counted in `failedLifecycles` and left out, so no position is biased by
 * lifecycles that stopped early.
 */
import { hintBody } from './hints.ts';
import type { LifecycleResult } from './records.ts';
import { mean, meanCI, type MeanCI } from './stats.ts';

export interface PositionMetrics {
  readonly position: number;
  /** Completed lifecycles with a task at this position. */
  readonly n: number;
  readonly reward: MeanCI;
  readonly successRate: number;
  /** Episodes that ended on a response without a valid answer block. */
  readonly formatErrorRate: number;
  readonly envSteps: number;
  /** Mean length in characters of the context body z_k the task was solved with. */
  readonly hintChars: number;
  /** Mean r^z of the update after this task (null: no update here — last position, or no update calls). */
  readonly updateReward: number | null;
  /** Share of updates after this task whose hints parsed (null: no update here). */
  readonly hintParseRate: number | null;
}

export interface LifecycleMetrics {
  /** 'attempt' when every lifecycle used a Ralph strategy (same task repeated), else 'position'. */
  readonly unit: 'position' | 'attempt';
  readonly lifecycles: number;
  readonly failedLifecycles: number;
  readonly positions: PositionMetrics[];
  /** Over all updates of all completed lifecycles (null when none). */
  readonly hintParseRate: number | null;
  readonly updateReward: number | null;
  readonly meanHintChars: number | null;
  readonly meanEnvSteps: number | null;
  readonly meanReward: number | null;
}

function orNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

export function lifecycleMetrics(results: readonly LifecycleResult[]): LifecycleMetrics {
  const ok = results.filter((l) => !l.error);
  const S = ok.reduce((m, l) => Math.max(m, l.taskRewards.length), 0);
  const positions: PositionMetrics[] = [];
  for (let k = 0; k < S; k++) {
    const at = ok.filter((l) => l.taskRewards.length > k);
    const withUpdate = at.filter((l) => l.updateRewards.length > k);
    positions.push({
      position: k,
      n: at.length,
      reward: meanCI(at.map((l) => l.taskRewards[k])),
      successRate: mean(at.map((l) => (l.outcomes[k] === 'success' ? 1 : 0))),
      formatErrorRate: mean(at.map((l) => (l.outcomes[k] === 'format_error' ? 1 : 0))),
      envSteps: mean(at.map((l) => l.envSteps[k])),
      hintChars: mean(at.map((l) => hintBody(l.hints[k] ?? '').length)),
      updateReward: withUpdate.length ? mean(withUpdate.map((l) => l.updateRewards[k])) : null,
      hintParseRate: withUpdate.length ? mean(withUpdate.map((l) => (l.hintParseOk[k] ? 1 : 0))) : null,
    });
  }
  const updates = ok.flatMap((l) => l.updateRewards);
  const parses = ok.flatMap((l) => l.hintParseOk.map((p) => (p ? 1 : 0)));
  const later = ok.flatMap((l) => l.hints.slice(1).map((z) => hintBody(z).length));
  const ralph = results.length > 0 && results.every((l) => l.strategy !== 'cod');
  return {
    unit: ralph ? 'attempt' : 'position',
    lifecycles: results.length,
    failedLifecycles: results.length - ok.length,
    positions,
    hintParseRate: orNull(mean(parses)),
    updateReward: orNull(mean(updates)),
    meanHintChars: orNull(mean(later)),
    meanEnvSteps: orNull(mean(ok.flatMap((l) => l.envSteps))),
    meanReward: orNull(mean(ok.flatMap((l) => l.taskRewards))),
  };
}
