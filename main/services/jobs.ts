/**
 * The jobs this workbench runs in workers (trainers, comparisons): their state as the UI shows it. Every change is
 * announced as a 'job' event carrying the whole view, so a late subscriber needs only jobs.list.
 */
import { randomBytes } from 'node:crypto';
import type { CheckpointRef, CompareResult, JobKind, JobState, JobView } from '../api/types.ts';

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
