/**
 * The jobs this workbench runs in workers (trainers, comparisons): their state as the UI shows it. Every change is
 * announced as a 'job' event carrying the whole view, so a late subscriber needs only jobs.list.
 */
import { randomBytes } from 'node:crypto';
import type { CompareResult } from '../api/jobs.ts';
import type { CheckpointRef, JobKind, JobState, JobView } from '../api/types.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export class Jobs {
  private readonly jobs = new Map<string, Mutable<JobView>>();

  constructor(private readonly announce: (job: JobView) => void) {}

  create(
    kind: JobKind,
    label: string,
    compare: { a: CheckpointRef; b: CheckpointRef; suite: string } | null = null,
  ): JobView {
    const job: Mutable<JobView> = {
      id: `${kind}-${randomBytes(4).toString('hex')}`,
      kind,
      state: 'starting',
      label,
      runId: null,
      startedAt: Date.now(),
      endedAt: null,
      progress: null,
      error: null,
      result: null,
      compare,
    };
    this.jobs.set(job.id, job);
    this.announce({ ...job });
    return { ...job };
  }

  update(
    id: string,
    patch: Partial<{
      state: JobState;
      runId: string;
      progress: { done: number; total: number };
      error: string;
      result: CompareResult;
    }>,
  ): JobView {
    const job = this.jobs.get(id);
    if (!job) throw new Error(`no job ${id}`);
    Object.assign(job, patch);
    if (patch.state && patch.state !== 'starting' && patch.state !== 'running') job.endedAt = Date.now();
    this.announce({ ...job });
    return { ...job };
  }

  get(id: string): JobView | undefined {
    const j = this.jobs.get(id);
    return j ? { ...j } : undefined;
  }

  list(): JobView[] {
    return [...this.jobs.values()].map((j) => ({ ...j })).sort((a, b) => b.startedAt - a.startedAt);
  }
}

/** The message a failed worker leaves: its last `cod: error:` line, else its last stderr line. */
export function failureMessage(stderrTail: readonly string[], exit: { code: number | null; signal: string | null }) {
  const err = [...stderrTail].reverse().find((l) => l.startsWith('cod: '));
  const last = err ?? [...stderrTail].reverse().find((l) => l.trim() !== '');
  const how = exit.signal ? `killed by ${exit.signal}` : `exit status ${exit.code}`;
  return last ? `${last.replace(/^cod: (error: )?/, '')} (${how})` : `the worker ended with ${how}`;
}
