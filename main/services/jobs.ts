/**
 * The jobs this workbench runs in workers (trainers, comparisons): their state as the UI shows it, with the phase
 * they are in and the time left at their own pace. The server owns them: a page that reloads asks jobs.list again
 * and finds them where they are. Every change is announced as a 'job' event carrying the whole view.
 */
import { randomBytes } from 'node:crypto';
import type { CompareResult } from '../api/jobs.ts';
import { CodError } from '../base/errors.ts';
import type { CompareSpec, JobKind, JobPhase, JobState, JobView } from '../api/types.ts';
import { Pace } from './pace.ts';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A phase as a worker reports it; `key` tells a new phase (timing restarts) from more counts of the same one. */
export interface PhaseInput {
  readonly key: string;
  readonly name: string;
  readonly label: string;
  readonly done?: number;
  readonly total?: number;
  readonly unit?: string;
}

interface Held {
  view: Mutable<JobView>;
  cancel: (() => void) | null;
  pace: Pace;
  phaseKey: string | null;
  phaseStart: number;
  phasePace: Pace;
}

export class Jobs {
  private readonly jobs = new Map<string, Held>();

  constructor(private readonly announce: (job: JobView) => void) {}

  /** `cancel` is how a stop is asked of this job's worker (jobs.cancel). */
  create(kind: JobKind, label: string, opts: { compare?: CompareSpec; cancel?: () => void } = {}): JobView {
    const view: Mutable<JobView> = {
      id: `${kind}-${randomBytes(4).toString('hex')}`,
      kind,
      state: 'starting',
      label,
      runId: null,
      startedAt: Date.now(),
      endedAt: null,
      progress: null,
      etaMs: null,
      phase: null,
      stopping: false,
      error: null,
      result: null,
      compare: opts.compare ?? null,
    };
    this.jobs.set(view.id, {
      view,
      cancel: opts.cancel ?? null,
      pace: new Pace(),
      phaseKey: null,
      phaseStart: Date.now(),
      phasePace: new Pace(),
    });
    this.announce({ ...view });
    return { ...view };
  }

  /** Set how this job is stopped (a worker started after the job was created). */
  setCancel(id: string, cancel: () => void): void {
    this.held(id).cancel = cancel;
  }

  update(
    id: string,
    patch: Partial<{
      state: JobState;
      runId: string;
      progress: { done: number; total: number; unit?: string };
      error: string;
      result: CompareResult;
      phase: PhaseInput | null;
    }>,
  ): JobView {
    const h = this.held(id);
    const { phase, ...rest } = patch;
    Object.assign(h.view, rest);
    if (patch.progress) h.view.etaMs = h.pace.observe(patch.progress.done, patch.progress.total);
    if (phase !== undefined) h.view.phase = phase === null ? null : this.phaseView(h, phase);
    if (patch.state && patch.state !== 'starting' && patch.state !== 'running') {
      h.view.endedAt = Date.now();
      h.view.phase = null;
      h.view.etaMs = null;
      h.cancel = null;
    }
    this.announce({ ...h.view });
    return { ...h.view };
  }

  /** Ask the job's worker to stop; the job ends when the worker does (its state then says how). */
  cancel(id: string): JobView {
    const h = this.held(id);
    if (h.view.state !== 'starting' && h.view.state !== 'running')
      throw new CodError('conflict', `job ${id} has already ended (${h.view.state})`, 'job');
    if (!h.cancel) throw new CodError('unsupported', `job ${id} cannot be stopped from here`, 'job');
    h.cancel();
    h.view.stopping = true;
    this.announce({ ...h.view });
    return { ...h.view };
  }

  get(id: string): JobView | undefined {
    const h = this.jobs.get(id);
    return h ? { ...h.view } : undefined;
  }

  list(): JobView[] {
    return [...this.jobs.values()].map((h) => ({ ...h.view })).sort((a, b) => b.startedAt - a.startedAt);
  }

  private held(id: string): Held {
    const h = this.jobs.get(id);
    if (!h) throw new CodError('not_found', `no job ${id} (jobs live as long as the server that started them)`, 'job');
    return h;
  }

  private phaseView(h: Held, p: PhaseInput): JobPhase {
    const now = Date.now();
    if (p.key !== h.phaseKey) {
      h.phaseKey = p.key;
      h.phaseStart = now;
      h.phasePace = new Pace();
    }
    const counted = p.done !== undefined && p.total !== undefined;
    return {
      name: p.name,
      label: p.label,
      done: p.done ?? null,
      total: p.total ?? null,
      unit: p.unit ?? null,
      elapsedMs: now - h.phaseStart,
      etaMs: counted ? h.phasePace.observe(p.done!, p.total!) : null,
    };
  }
}

/** The message a failed worker leaves: its last `cod: error:` line, else its last stderr line. */
export function failureMessage(stderrTail: readonly string[], exit: { code: number | null; signal: string | null }) {
  const err = [...stderrTail].reverse().find((l) => l.startsWith('cod: '));
  const last = err ?? [...stderrTail].reverse().find((l) => l.trim() !== '');
  const how = exit.signal ? `killed by ${exit.signal}` : `exit status ${exit.code}`;
  return last ? `${last.replace(/^cod: (error: )?/, '')} (${how})` : `the worker ended with ${how}`;
}
