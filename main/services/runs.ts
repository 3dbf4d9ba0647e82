/**
 * Runs: reading them from the store for the UI, and launching, stopping and resuming trainers. A trainer is
 * `cod train … --events` in a worker process; the run's rows reach the UI through the store's change feed, the
 * worker's own lines only drive the job's state (so a crash of the UI loses nothing: the store has it all).
 */
import { JOB_COMMANDS, parseLine, trainEvent } from '../api/jobs.ts';
import { CodError } from '../base/errors.ts';
import type { JobView, RunDetail, RunSummary, SeriesData } from '../api/types.ts';
import type { RunStore } from '../store/index.ts';
import { checkResumable, runConfigView } from '../training/run-session.ts';
import { checkpointInfo, runSummary, seriesData } from './convert.ts';
import type { CurriculaService } from './curricula.ts';
import { failureMessage, type Jobs } from './jobs.ts';
import type { CommandHost, CommandProcess } from './command-host.ts';

/** How long a trainer may take to create its run and say so before the launch is reported as failed. */
const RUN_EVENT_TIMEOUT_MS = 120_000;

export class RunsService {
  /** Trainers this workbench started, by run id (only these can be stopped from here). */
  private readonly trainers = new Map<string, { proc: CommandProcess; jobId: string }>();

  constructor(
    private readonly store: RunStore,
    private readonly host: CommandHost,
    private readonly jobs: Jobs,
    private readonly curricula: CurriculaService,
    private readonly modelDefault: () => string | null,
  ) {}

  list(): RunSummary[] {
    return this.store.listRuns().map((r) => runSummary(r, this.trainers.has(r.id)));
  }

  get(runId: string): RunDetail {
    const r = this.store.getRun(runId);
    const steps = new Set<number>();
    for (const l of this.store.listLifecycles(runId, { split: 'train' })) steps.add(l.step);
    return {
      ...runSummary(r, this.trainers.has(r.id)),
      config: r.config,
      seeds: r.seeds,
      codeVersion: r.codeVersion,
      metricNames: this.store.listMetricNames(runId),
      checkpoints: this.store.listCheckpoints(runId).map(checkpointInfo),
      evalSuites: runConfigView(r.config).evalSuites,
      lifecycleSteps: [...steps].sort((a, b) => a - b),
    };
  }

  series(runId: string, names: readonly string[], fromStep?: number): Record<string, SeriesData> {
    const raw = this.store.getSeries(runId, names, fromStep !== undefined ? { fromStep } : undefined);
    const out: Record<string, SeriesData> = {};
    for (const [name, s] of Object.entries(raw)) out[name] = seriesData(s);
    return out;
  }

  async launch(args: { curriculum: string; source?: 'builtin' | 'user'; steps?: number; model?: string }) {
    const preset = this.curricula.resolve(args.curriculum, args.source);
    const check = this.curricula.load(preset.name, preset.source).check;
    if (!check.ok) {
      const i = check.issues[0];
      throw new CodError('bad_config', `${i.field ? i.field + ': ' : ''}${i.message}`, `${preset.name}.yaml:${i.line}`);
    }
    const model = args.model ?? this.modelDefault();
    const argv = [JOB_COMMANDS.train, preset.file, '--store', this.store.path, '--events'];
    if (args.steps !== undefined) argv.push('--steps', String(args.steps));
    if (model) argv.push('--model', model);
    return this.startTrainer(argv, `train ${preset.name}`);
  }

  async resume(runId: string) {
    checkResumable(this.store.getRun(runId));
    return this.startTrainer(
      [JOB_COMMANDS.train, '--resume', runId, '--store', this.store.path, '--events'],
      `resume ${runId}`,
    );
  }

  stop(runId: string): { stopping: boolean } {
    const t = this.trainers.get(runId);
    if (!t) {
      const r = this.store.getRun(runId); // not_found for an unknown run
      throw new CodError(
        'conflict',
        r.lease && !r.lease.stale
          ? `run ${runId} is trained by another process (pid ${r.lease.pid} on ${r.lease.hostname}); stop it there`
          : `run ${runId} is not running`,
      );
    }
    t.proc.stop();
    return { stopping: true };
  }

  /** Stop every trainer this workbench started (the app is closing). */
  stopAll(): void {
    for (const t of this.trainers.values()) t.proc.stop();
  }

  private startTrainer(argv: string[], label: string): Promise<{ runId: string; job: JobView }> {
    const job = this.jobs.create('train', label);
    const proc = this.host.start({ args: argv });
    const stderr: string[] = [];
    let runId: string | null = null;
    let doneStatus: string | null = null;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (runId) return;
        proc.stop();
        const msg = `the trainer did not report a run within ${RUN_EVENT_TIMEOUT_MS / 1000} s`;
        this.jobs.update(job.id, { state: 'failed', error: msg });
        reject(new CodError('internal', msg, label));
      }, RUN_EVENT_TIMEOUT_MS);
      timer.unref();
      proc.onStderrLine((l) => {
        stderr.push(l);
        if (stderr.length > 50) stderr.shift();
      });
      proc.onStdoutLine((line) => {
        const e = parseLine(trainEvent, line);
        if (e?.event === 'run' && !runId) {
          runId = e.runId;
          clearTimeout(timer);
          this.trainers.set(runId, { proc, jobId: job.id });
          resolve({ runId, job: this.jobs.update(job.id, { state: 'running', runId }) });
        } else if (e?.event === 'step') this.jobs.update(job.id, { state: 'running' });
        else if (e?.event === 'done') doneStatus = e.status;
      });
      proc.onExit((exit) => {
        clearTimeout(timer);
        if (runId) this.trainers.delete(runId);
        const ok = exit.code === 0;
        const stopped = doneStatus === 'stopped' || (!ok && exit.signal === 'SIGTERM');
        const error = ok || stopped ? undefined : failureMessage(stderr, exit);
        this.jobs.update(job.id, {
          state: stopped ? 'stopped' : ok ? 'done' : 'failed',
          ...(error ? { error } : {}),
        });
        if (!runId) reject(new CodError('internal', error ?? 'the trainer ended before it created a run', label));
      });
    });
  }
}
