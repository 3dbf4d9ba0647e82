/**
 * Returns of a lifecycle's episodes (cod-method.md §4). With solve rewards r^x_0..r^x_{S-1} and update rewards
 * r^z_0..r^z_{S-2}, each episode is credited with the sequence of rewards it influences:
 * - solve j:        r^x_j, r^x_{j+1}, …, r^x_{S-1}
 * - update after j: r^z_j, r^x_{j+1}, …, r^x_{S-1}   (never the task it summarises)
 * aggregated by the mean (default: R^x_j = mean(r^x_j..), R^z_j = (r^z_j + r^x_{j+1} + …)/(S - j)), a sliding
 * window (mean of the first w terms) or a discounted sum Σ γ^k r_{j+k}.
 */
import { CodError } from '../base/errors.ts';

export type ReturnOptions =
  | { readonly kind: 'mean' }
  | { readonly kind: 'window'; readonly window: number }
  | { readonly kind: 'discounted'; readonly gamma: number };

export const DEFAULT_RETURNS: ReturnOptions = { kind: 'mean' };

export function checkReturnOptions(o: ReturnOptions): ReturnOptions {
  switch (o?.kind) {
    case 'mean':
      return o;
    case 'window':
      if (!Number.isInteger(o.window) || o.window < 1)
        throw new CodError('bad_config', `must be a positive integer, got ${String(o.window)}`, 'returns.window');
      return o;
    case 'discounted':
      if (typeof o.gamma !== 'number' || !(o.gamma >= 0 && o.gamma <= 1))
        throw new CodError('bad_config', `must be in [0, 1], got ${String(o.gamma)}`, 'returns.gamma');
      return o;
    default:
      throw new CodError(
        'bad_config',
        `unknown return kind '${String((o as { kind?: unknown })?.kind)}' (mean, window, discounted)`,
        'returns.kind',
      );
  }
}

/** Aggregate the rewards an episode is credited with (its own first). */
export function aggregate(seq: readonly number[], o: ReturnOptions): number {
  if (seq.length === 0) throw new CodError('bad_input', 'no rewards to aggregate');
  switch (o.kind) {
    case 'mean':
      return seq.reduce((a, b) => a + b, 0) / seq.length;
    case 'window': {
      const w = seq.slice(0, o.window);
      return w.reduce((a, b) => a + b, 0) / w.length;
    }
    case 'discounted':
      return seq.reduce((acc, r, k) => acc + Math.pow(o.gamma, k) * r, 0);
  }
}

export interface LifecycleReturns {
  /** R^x_j, j = 0..S-1. */
  readonly solve: number[];
  /** R^z_j, j = 0..S-2 (empty when the lifecycle made no update calls). */
  readonly update: number[];
}

function finite(xs: readonly number[], name: string): void {
  xs.forEach((x, i) => {
    if (typeof x !== 'number' || !Number.isFinite(x))
      throw new CodError('bad_input', `must be a finite number, got ${String(x)}`, `${name}[${i}]`);
  });
}

export function lifecycleReturns(
  taskRewards: readonly number[],
  updateRewards: readonly number[],
  options: ReturnOptions = DEFAULT_RETURNS,
): LifecycleReturns {
  const o = checkReturnOptions(options);
  const S = taskRewards.length;
  if (S === 0) throw new CodError('bad_input', 'a lifecycle has at least one task', 'taskRewards');
  if (updateRewards.length !== 0 && updateRewards.length !== S - 1)
    throw new CodError(
      'bad_input',
      `expected ${S - 1} update rewards (one after every task but the last) or none, got ${updateRewards.length}`,
      'updateRewards',
    );
  finite(taskRewards, 'taskRewards');
  finite(updateRewards, 'updateRewards');
  const solve = taskRewards.map((_, j) => aggregate(taskRewards.slice(j), o));
  const update = updateRewards.map((rz, j) => aggregate([rz, ...taskRewards.slice(j + 1)], o));
  return { solve, update };
}
