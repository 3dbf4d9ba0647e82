/**
 * Runs: reading them from the store for the UI, and launching, stopping and resuming trainers. A trainer is
 * `cod train … --events` in a worker process; the run's rows reach the UI through the store's change feed, the
 * worker's own lines drive the job (its phase, progress and time left) and are kept as the run's trainer log.
 */
import { JOB_COMMANDS, parseLine, trainEvent, type TrainerPhase } from '../api/jobs.ts';
import { CodError } from '../base/errors.ts';
import type { JobView, RunDetail, RunLog, RunSummary, SeriesData } from '../api/types.ts';
import type { RunStore } from '../store/index.ts';
import { checkResumable, runConfigView } from '../training/run-session.ts';
import { checkpointInfo, runSummary, seriesData } from './convert.ts';
import type { CurriculaService } from './curricula.ts';
import type { ModelAccess } from './model-access.ts';
import { failureMessage, type Jobs, type PhaseInput } from './jobs.ts';
import type { CommandHost, CommandProcess } from './command-host.ts';
import { runDetailExtra, stepsOf } from './run-details.ts';
import { readTrainerLog, TrainerLogWriter } from './trainer-log.ts';

/** How long a trainer may take to create its run and say so before the launch is reported as failed. */
const RUN_EVENT_TIMEOUT_MS = 120_000;

/** A trainer phase as the job shows it. */
export function trainerPhase(e: TrainerPhase): PhaseInput {
  const counts = e.done !== undefined && e.total !== undefined ? { done: e.done, total: e.total, unit: 'tasks' } : {};
  switch (e.phase) {
    case 'eval':
      return {
        key: `eval:${e.suite}:${e.step}`,
        name: 'eval',
        label: `evaluating ${e.suite ?? 'a suite'} on ${e.step === 0 ? 'the starting model' : `step ${e.step}'s policy`}`,
        ...counts,
      };
    case 'rollout':
      return { key: `rollout:${e.step}`, name: 'rollout', label: `playing step ${e.step}'s lifecycles`, ...counts };
    case 'train':
      return { key: `train:${e.step}`, name: 'train', label: `training step ${e.step}` };
    case 'checkpoint':
      return { key: `checkpoint:${e.step}`, name: 'checkpoint', label: `saving step ${e.step}'s checkpoint` };
  }
}

export class RunsService {
  /** Trainers this workbench started, by run id (only these can be stopped from here). */
  private readonly trainers = new Map<string, { proc: CommandProcess; jobId: string }>();

  constructor(
    private readonly store: RunStore,
    private readonly host: CommandHost,
    private readonly jobs: Jobs,
    private readonly curricula: CurriculaService,
    private readonly modelDefault: () => string | null,
    private readonly models: ModelAccess,
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
      ...runDetailExtra(this.store, r, this.store.path),
    };
  }

  update(runId: string, patch: { name?: string; tags?: string[]; notes?: string }): RunSummary {
    return runSummary(this.store.updateRunInfo(runId, patch), this.trainers.has(runId));
  }

  log(runId: string, lines = 500): RunLog {
    const { file, lines: tail, truncated } = readTrainerLog(this.store.getRun(runId).runDir, lines);
    return { file, lines: tail, truncated };
  }

  series(runId: string, names: readonly string[], fromStep?: number): Record<string, SeriesData> {
    const raw = this.store.getSeries(runId, names, fromStep !== undefined ? { fromStep } : undefined);
    const out: Record<string, SeriesData> = {};
    for (const [name, s] of Object.entries(raw)) out[name] = seriesData(s);
    return out;
  }

  async launch(args: {
    curriculum: string;
    source?: 'builtin' | 'user';
    steps?: number;
    model?: string;
    name?: string;
  }) {
    const preset = this.curricula.resolve(args.curriculum, args.source);
    const check = this.curricula.load(preset.name, preset.source).check;
    if (!check.ok) {
      const i = check.issues[0];
      throw new CodError('bad_config', `${i.field ? i.field + ': ' : ''}${i.message}`, `${preset.name}.yaml:${i.line}`);
    }
    // A model the client names must be one the api may use (model-access.ts); the built-in one always is.
    const model = args.model !== undefined ? await this.models.check(args.model) : this.modelDefault();
    const argv = [JOB_COMMANDS.train, preset.file, '--store', this.store.path, '--events'];
    if (args.steps !== undefined) argv.push('--steps', String(args.steps));
    if (model) argv.push('--model', model);
    if (args.name) argv.push('--name', args.name);
    return this.startTrainer(argv, `train ${args.name ?? preset.name}`);
  }

  async resume(runId: string, steps?: number) {
    checkResumable(this.store.getRun(runId), steps);
    const argv = [JOB_COMMANDS.train, '--resume', runId, '--store', this.store.path, '--events'];
    if (steps !== undefined) argv.push('--steps', String(steps));
    return this.startTrainer(argv, `resume ${runId}`);
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
    this.jobs.cancel(t.jobId);
    return { stopping: true };
  }

  /** Stop every trainer this workbench started (the app is closing). */
  stopAll(): void {
    for (const t of this.trainers.values()) t.proc.stop();
  }

  /** Marks a run its trainer left 'running': 'stopped' when it was asked to stop, else 'failed' with why. */
  private settleRun(runId: string, stopped: boolean, error: string | undefined): void {
    try {
      if (this.store.getRun(runId).status !== 'running') return;
      this.store.setRunStatus(
        runId,
        stopped ? 'stopped' : 'failed',
        stopped
          ? 'the trainer was stopped in the middle of a step; resuming continues from the last checkpoint'
          : (error ?? 'the trainer ended without saying why'),
      );
    } catch (e) {
      process.emitWarning(`run ${runId}: could not record how its trainer ended: ${String(e)}`);
    }
  }

  private startTrainer(argv: string[], label: string): Promise<{ runId: string; job: JobView }> {
    this.jobs.checkRoom('train');
    const proc = this.host.start({ args: argv });
    const job = this.jobs.create('train', label, { cancel: () => proc.stop() });
    const log = new TrainerLogWriter(['cod', ...argv]);
    const stderr: string[] = [];
    let runId: string | null = null;
    let doneStatus: string | null = null;
    /** The phase the trainer's main loop is in: rollout progress of a step it is not waiting for is not shown. */
    let phaseKey: string | null = null;
    let steps: number | null = null;
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
        log.line(l);
      });
      proc.onStdoutLine((line) => {
        const e = parseLine(trainEvent, line);
        if (!e) {
          if (!line.trim().startsWith('{')) log.line(line);
          return;
        }
        switch (e.event) {
          case 'phase': {
            const p = trainerPhase(e);
            // Rollout counts of a step the trainer is not waiting for (one running ahead) are not its phase.
            if (e.phase === 'rollout' && e.done !== undefined && p.key !== phaseKey) return;
            phaseKey = p.key;
            this.jobs.update(job.id, { phase: p });
            return;
          }
          case 'run': {
            if (runId) return;
            runId = e.runId;
            clearTimeout(timer);
            this.trainers.set(runId, { proc, jobId: job.id });
            log.open(e.runDir);
            log.line(`run ${runId} -> ${e.runDir}`);
            const r = this.store.getRun(runId);
            steps = stepsOf(r.config);
            const from = e.resumedFrom ?? r.lastStep ?? 0;
            resolve({
              runId,
              job: this.jobs.update(job.id, {
                state: 'running',
                runId,
                ...(steps !== null ? { progress: { done: from, total: steps, unit: 'steps' } } : {}),
              }),
            });
            return;
          }
          case 'step': {
            const r = e.metrics['reward/mean'];
            log.line(`step ${e.step}/${e.steps}${typeof r === 'number' ? ` reward ${r.toFixed(3)}` : ''}`);
            this.jobs.update(job.id, { state: 'running', progress: { done: e.step, total: e.steps, unit: 'steps' } });
            return;
          }
          case 'checkpoint':
            log.line(`checkpoint step ${e.step} -> ${e.path}`);
            return;
          case 'eval': {
            const means = e.summary.positions.map((x) => (x.mean === null ? '—' : x.mean.toFixed(3)));
            log.line(`eval ${e.suite} at step ${e.step}: reward by position [${means.join(' ')}]`);
            return;
          }
          case 'done':
            doneStatus = e.status;
            log.line(`done: ${e.status}${e.error ? ` (${e.error})` : ''}`);
            return;
        }
      });
      proc.onExit((exit) => {
        clearTimeout(timer);
        if (runId) this.trainers.delete(runId);
        const ok = exit.code === 0;
        const asked = this.jobs.get(job.id)?.stopping === true;
        const stopped = doneStatus === 'stopped' || (!ok && (exit.signal === 'SIGTERM' || asked));
        const error = ok || stopped ? undefined : failureMessage(stderr, exit);
        log.line(`trainer exited (${exit.signal ? `signal ${exit.signal}` : `status ${exit.code}`})`);
        log.close();
        // A trainer that ended without saying how (killed, or quit at a second stop request) left its run 'running'.
        if (runId && doneStatus === null) this.settleRun(runId, stopped, error);
        this.jobs.update(job.id, {
          state: stopped ? 'stopped' : ok ? 'done' : 'failed',
          ...(error ? { error } : {}),
        });
        if (!runId) reject(new CodError('internal', error ?? 'the trainer ended before it created a run', label));
      });
    });
  }
}
