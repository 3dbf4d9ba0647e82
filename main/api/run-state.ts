/**
 * The rules that read a run's state, in one place for the CLI, the services and the renderer: whether a run is
 * interrupted (marked running, but its trainer is gone) and whether it can be resumed. Pure: the renderer imports it.
 */
import type { RunStatus } from './types.ts';

/** What the rules read of a run: its stored status, whether a live trainer holds its lease, its last step. */
export interface RunState {
  readonly status: RunStatus;
  /** A live trainer holds the run's lease (a dead holder's or a released lease means none). */
  readonly live: boolean;
  readonly lastStep?: number | null;
}

export type ShownStatus = RunStatus | 'interrupted';

/** A run marked running whose trainer is gone was killed or crashed; `cod train --resume` continues it. */
export function isInterrupted(run: RunState): boolean {
  return run.status === 'running' && !run.live;
}

/** How a run's status reads in a list. */
export function shownStatus(run: RunState): ShownStatus {
  return isInterrupted(run) ? 'interrupted' : run.status;
}

export type ResumeBlock = 'live' | 'finished';

/**
 * Why a trainer may not continue the run now, or null when it may: a live trainer holds it, or it has finished and
 * `steps` (the step count the resumed run would train to, when the caller knows one) is not past its last step.
 */
export function resumeBlock(run: RunState, steps?: number): ResumeBlock | null {
  if (run.live) return 'live';
  if (run.status === 'finished' && (steps === undefined || (run.lastStep ?? 0) >= steps)) return 'finished';
  return null;
}

export function canResume(run: RunState, steps?: number): boolean {
  return resumeBlock(run, steps) === null;
}
