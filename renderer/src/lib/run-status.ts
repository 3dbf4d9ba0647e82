/** How a run's status reads in the list: a run marked running whose trainer is gone was killed or crashed. */
import type { RunStatus } from '../../../main/api/types.ts';

export type ShownStatus = RunStatus | 'interrupted';

export function shownStatus(run: { readonly status: RunStatus; readonly live: boolean }): ShownStatus {
  return run.status === 'running' && !run.live ? 'interrupted' : run.status;
}

/** Runs a trainer can continue from their last checkpoint (`cod train --resume`). */
export function canResume(run: { readonly status: RunStatus; readonly live: boolean }): boolean {
  const s = shownStatus(run);
  return s === 'stopped' || s === 'failed' || s === 'interrupted';
}
