/**
 * Compare two models on one eval suite: `cod compare A_DIR B_DIR --curriculum FILE --suite NAME --json --events` in
 * a worker (identical packs and seeds for both: the evaluator derives them from the suite). A side is the built-in
 * model, the model a run started from, a run's checkpoint, or any model directory; the suite comes from a run's
 * stored curriculum or a preset. The job shows which side is being evaluated, tasks done and time left, and can
 * be cancelled; when it ends (done, failed or cancelled) it is kept in the store's comparison history.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import {
  cachedEvent,
  compareResult,
  JOB_COMMANDS,
  parseCompareOutput,
  parseLine,
  progressEvent,
  type CompareResult,
} from '../api/jobs.ts';
import { CodError } from '../base/errors.ts';
import { compareSpec as compareSpecSchema } from '../api/methods.ts';
import type { CompareSpec, ComparisonView, JobView, ModelRef, SuiteSource } from '../api/types.ts';
import type { ComparisonRecord, JsonObject, RunStore } from '../store/index.ts';
import { parseCurriculum } from '../training/curriculum/load.ts';
import { runConfigView } from '../training/run-session.ts';
import type { CurriculaService } from './curricula.ts';
import { failureMessage, type Jobs } from './jobs.ts';
import type { CommandHost } from './command-host.ts';

export class CompareService {
  constructor(
    private readonly store: RunStore,
    private readonly host: CommandHost,
    private readonly jobs: Jobs,
    private readonly curricula: CurriculaService,
    private readonly builtinModel: () => string | null,
    private readonly scratchDir: string,
    /** The workbench's home: the worker keeps and reads its eval cache there ($COD_HOME/cache/evals). */
    private readonly codHome?: string,
  ) {}

  /** The model directory of a side, checked to be a model (config.json) before any worker starts. */
  modelDir(ref: ModelRef): string {
    let dir: string;
    switch (ref.kind) {
      case 'builtin': {
        const d = this.builtinModel();
        if (!d)
          throw new CodError('not_found', 'this install has no built-in model (resources/models/builtin)', 'model');
        dir = d;
        break;
      }
      case 'base': {
        const m = this.store.getRun(ref.runId).config.model;
        if (typeof m !== 'string')
          throw new CodError('not_found', `run ${ref.runId} does not record the model it started from`, 'model');
        dir = m;
        break;
      }
      case 'checkpoint': {
        const cp = this.store.listCheckpoints(ref.runId).find((c) => c.step === ref.step);
        if (!cp)
          throw new CodError('not_found', `run ${ref.runId} has no checkpoint at step ${ref.step}`, 'checkpoint');
        dir = cp.path;
        break;
      }
      case 'dir':
        dir = path.resolve(ref.path);
        break;
    }
    if (!existsSync(path.join(dir, 'config.json')))
      throw new CodError('not_found', 'not a model directory (no config.json in it)', dir);
    return dir;
  }

  /** How a side reads in a job's label and the history. */
  describe(ref: ModelRef): string {
    switch (ref.kind) {
      case 'builtin':
        return 'built-in model';
      case 'base':
        return `${ref.runId} start`;
      case 'checkpoint':
        return `${ref.runId}@${ref.step}`;
      case 'dir':
        return path.basename(path.resolve(ref.path));
    }
  }

  /** The curriculum file holding the suite (a run's stored curriculum is written out as one), checked to have it. */
  private suiteFile(source: SuiteSource, suite: string, jobId: string): string {
    let file: string;
    let suites: string[];
    if (source.kind === 'run') {
      const { curriculum, evalSuites } = runConfigView(this.store.getRun(source.runId).config);
      if (!curriculum)
        throw new CodError('bad_config', `run ${source.runId} stores no curriculum to take suites from`, 'suites');
      suites = evalSuites;
      mkdirSync(this.scratchDir, { recursive: true });
      file = path.join(this.scratchDir, `${jobId}.yaml`);
      if (suites.includes(suite)) writeFileSync(file, stringify(curriculum, { lineWidth: 0 }), 'utf8');
    } else {
      file = this.curricula.resolve(source.name, source.source).file;
      suites = parseCurriculum(readFileSync(file, 'utf8'), file).curriculum.evals.map((e) => e.name);
    }
    if (!suites.includes(suite))
      throw new CodError(
        'bad_input',
        `${source.kind === 'run' ? `run ${source.runId}'s curriculum` : `preset ${source.name}`} has no suite '${suite}' (has: ${suites.join(', ') || 'none'})`,
        'suite',
      );
    return file;
  }

  start(spec: CompareSpec): JobView {
    const aDir = this.modelDir(spec.a);
    const bDir = this.modelDir(spec.b);
    const label = `${this.describe(spec.a)} vs ${this.describe(spec.b)} on ${spec.suite}`;
    const job = this.jobs.create('compare', label, { compare: spec });
    let file: string;
    try {
      file = this.suiteFile(spec.suites, spec.suite, job.id);
    } catch (e) {
      this.jobs.update(job.id, { state: 'failed', error: e instanceof Error ? e.message : String(e) });
      throw e;
    }
    const args = [JOB_COMMANDS.compare, aDir, bDir, '--curriculum', file, '--suite', spec.suite, '--json', '--events'];
    if (spec.seeds) args.push('--seeds', spec.seeds.join(','));
    const proc = this.host.start({ args, ...(this.codHome ? { env: { COD_HOME: this.codHome } } : {}) });
    // Asked to stop: the worker is ended (by a signal headless; an Electron utility process reports only a code).
    let cancelled = false;
    this.jobs.setCancel(job.id, () => {
      cancelled = true;
      proc.stop();
    });
    const stderr: string[] = [];
    // --json prints one indented JSON array at the end; progress comes as JSON lines on stderr (--events).
    const stdout: string[] = [];
    const sides = { a: this.describe(spec.a), b: this.describe(spec.b) };
    proc.onStdoutLine((l) => stdout.push(l));
    // Sides read from the eval cache instead of played: said in the phase line while the job runs.
    const cached = new Set<'a' | 'b'>();
    const fromCache = (s: 'a' | 'b') => `${s.toUpperCase()} (${sides[s]}) read from the eval cache`;
    proc.onStderrLine((l) => {
      const c = parseLine(cachedEvent, l);
      if (c?.side) {
        cached.add(c.side);
        this.jobs.update(job.id, {
          state: 'running',
          phase: { key: c.side, name: `evaluate ${c.side.toUpperCase()}`, label: fromCache(c.side) },
        });
        return;
      }
      const p = parseLine(progressEvent, l);
      if (p) {
        // Side A plays the first half of the tasks, then side B the same packs.
        const half = p.total / 2;
        const onB = p.done >= half && p.done > 0;
        const s = onB ? 'b' : 'a';
        const note = onB && cached.has('a') ? ` · ${fromCache('a')}` : '';
        this.jobs.update(job.id, {
          state: 'running',
          progress: { done: p.done, total: p.total, unit: 'tasks' },
          phase: {
            key: s,
            name: onB ? 'evaluate B' : 'evaluate A',
            label: cached.has(s) ? fromCache(s) : `evaluating ${onB ? 'B' : 'A'} (${sides[s]})${note}`,
            done: onB ? p.done - half : p.done,
            total: half,
            unit: 'tasks',
          },
        });
        return;
      }
      stderr.push(l);
      if (stderr.length > 50) stderr.shift();
    });
    proc.onExit((exit) => {
      let view: JobView;
      if ((cancelled && exit.code !== 0) || exit.signal === 'SIGTERM' || exit.signal === 'SIGKILL')
        view = this.jobs.update(job.id, { state: 'stopped' });
      else if (exit.code !== 0)
        view = this.jobs.update(job.id, { state: 'failed', error: failureMessage(stderr, exit) });
      else {
        const parsed = parseCompareOutput(stdout.join('\n'), spec.suite);
        view = parsed.ok
          ? this.jobs.update(job.id, { state: 'done', result: parsed.result })
          : this.jobs.update(job.id, { state: 'failed', error: parsed.error });
      }
      this.keep(view, spec);
    });
    return this.jobs.update(job.id, {
      state: 'running',
      phase: { key: 'load', name: 'load', label: 'loading both models' },
    });
  }

  /** The history entry of an ended job (a store failure is reported on the job, never thrown into the worker's exit). */
  private keep(job: JobView, spec: CompareSpec): void {
    if (job.state !== 'done' && job.state !== 'failed' && job.state !== 'stopped') return;
    try {
      this.store.addComparison({
        id: job.id,
        createdAt: job.startedAt,
        endedAt: job.endedAt ?? Date.now(),
        state: job.state,
        label: job.label,
        spec: JSON.parse(JSON.stringify(spec)) as JsonObject,
        result: job.result ? (JSON.parse(JSON.stringify(job.result)) as JsonObject) : null,
        error: job.state === 'stopped' ? 'cancelled' : job.error,
      });
    } catch (e) {
      process.emitWarning(`the comparison ${job.id} could not be kept in the history: ${String(e)}`);
    }
  }

  history(limit = 200): ComparisonView[] {
    return this.store.listComparisons(limit).flatMap((r) => {
      const v = comparisonView(r);
      return v ? [v] : [];
    });
  }

  delete(id: string): { deleted: boolean } {
    return { deleted: this.store.deleteComparison(id) };
  }
}

/** A history row checked again on the way out (a file is a boundary); a row whose spec is unreadable is left out. */
export function comparisonView(r: ComparisonRecord): ComparisonView | null {
  const spec = compareSpecSchema.safeParse(r.spec);
  if (!spec.success) return null;
  let result: CompareResult | null = null;
  let error = r.error;
  if (r.result !== null) {
    const parsed = compareResult.safeParse(r.result);
    if (parsed.success) result = parsed.data;
    else error = `the stored result is unreadable: ${parsed.error.issues[0]?.message ?? 'bad shape'}`;
  }
  return {
    id: r.id,
    createdAt: r.createdAt,
    endedAt: r.endedAt,
    state: r.state,
    label: r.label,
    spec: spec.data,
    result,
    error,
  };
}
