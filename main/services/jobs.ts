/**
 * The jobs this workbench runs in workers (trainers, comparisons): their state as the UI shows it, with the phase
 * they are in and the time left at their own pace. The server owns them: a page that reloads asks jobs.list again
 * and finds them where they are. Every change is announced as a 'job' event carrying the whole view.
 */
import { randomBytes } from 'node:crypto';
import type { CompareResult } from '../api/jobs.ts';
import { LIMITS } from '../base/budget.ts';
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
  /** Called once when the job ends. */
  onEnd: Array<(view: JobView) => void>;
}

const isActive = (state: JobState): boolean => state === 'starting' || state === 'running';

/** How many jobs of a kind may run at once (each is a worker process using the CPU fully). */
const MAX_AT_ONCE: Readonly<Record<JobKind, number>> = { train: LIMITS.trainers, compare: LIMITS.comparisons };
const KIND_NAME: Readonly<Record<JobKind, string>> = { train: 'trainers', compare: 'comparisons' };

/** What stopAll reports as it waits. */
export interface StopProgress {
  readonly phase: 'stopping' | 'forcing';
  readonly waiting: readonly JobView[];
}

export class Jobs {
  private readonly jobs = new Map<string, Held>();

  constructor(private readonly announce: (job: JobView) => void) {}

  /** Refuses a new job of `kind` while as many as LIMITS allows run already: one line naming the limit. */
  checkRoom(kind: JobKind): void {
    const running = this.active(kind).length;
    if (running >= MAX_AT_ONCE[kind])
      throw new CodError(
        'conflict',
        `${running} ${KIND_NAME[kind]} are running, the limit is ${MAX_AT_ONCE[kind]} at once; stop one or wait for it to end`,
        'jobs',
      );
  }

  /** The jobs not yet ended, oldest first. */
  active(kind?: JobKind): JobView[] {
    return [...this.jobs.values()]
      .filter((h) => isActive(h.view.state) && (kind === undefined || h.view.kind === kind))
      .map((h) => ({ ...h.view }));
  }

  /**
   * Stops every job (the server is shutting down): each worker is asked to stop (a trainer finishes its step, saves
   * a checkpoint and marks its run 'stopped'; a comparison is cancelled). Jobs still running after `graceMs` are
   * asked again, which ends them at once (a trainer's second signal quits; RunsService then marks its run
   * 'stopped'), and waited for `forceMs` more; `hurry` (a second Ctrl-C) cuts the grace short. Returns the jobs
   * that still had not ended.
   */
  async stopAll(
    graceMs: number,
    forceMs: number,
    opts: { onProgress?: (p: StopProgress) => void; hurry?: AbortSignal } = {},
  ): Promise<JobView[]> {
    const { onProgress, hurry } = opts;
    const ask = (): void => {
      for (const v of this.active()) {
        const h = this.held(v.id);
        if (h.cancel) this.cancel(v.id);
      }
    };
    const wait = async (ms: number): Promise<void> => {
      const pending = this.active().map((v) => new Promise<void>((r) => this.held(v.id).onEnd.push(() => r())));
      let timer: ReturnType<typeof setTimeout> | undefined;
      let onHurry: (() => void) | undefined;
      await Promise.race([
        Promise.all(pending),
        new Promise<void>((r) => (timer = setTimeout(r, ms))),
        new Promise<void>((r) => {
          onHurry = () => r();
          if (hurry?.aborted) r();
          hurry?.addEventListener('abort', onHurry, { once: true });
        }),
      ]);
      clearTimeout(timer);
      if (onHurry) hurry?.removeEventListener('abort', onHurry);
    };
    if (this.active().length === 0) return [];
    onProgress?.({ phase: 'stopping', waiting: this.active() });
    ask();
    await wait(graceMs);
    if (this.active().length === 0) return [];
    onProgress?.({ phase: 'forcing', waiting: this.active() });
    ask();
    await wait(forceMs);
    return this.active();
  }

  /** `cancel` is how a stop is asked of this job's worker (jobs.cancel). */
  create(kind: JobKind, label: string, opts: { compare?: CompareSpec; cancel?: () => void } = {}): JobView {
    this.checkRoom(kind);
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
      onEnd: [],
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
    const ended = patch.state !== undefined && !isActive(patch.state);
    if (ended) {
      h.view.endedAt = Date.now();
      h.view.phase = null;
      h.view.etaMs = null;
      h.cancel = null;
    }
    this.announce({ ...h.view });
    if (ended) for (const fn of h.onEnd.splice(0)) fn({ ...h.view });
    return { ...h.view };
  }

  /** Ask the job's worker to stop; the job ends when the worker does (its state then says how). */
  cancel(id: string): JobView {
    const h = this.held(id);
    if (!isActive(h.view.state)) throw new CodError('conflict', `job ${id} has already ended (${h.view.state})`, 'job');
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
