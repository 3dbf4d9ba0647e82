/**
 * RunStore: the one object the trainer, the CLI and the UI server use. It only composes the store modules: each
 * write is one transaction (writeTx), each multi-statement read one snapshot (readTx), and every failure is one
 * CodError.
 */
import { CodError } from '../base/errors.ts';
import { changesSince, currentVersion } from './changes.ts';
import {
  insertCheckpoint,
  prepareCheckpoint,
  selectCheckpoints,
  selectLatestCheckpoint,
  updateCheckpointEval,
} from './checkpoints.ts';
import { openDatabase, type OpenStoreOptions, type StoreDb } from './db.ts';
import { insertEval, prepareEval } from './evals.ts';
import { RowsEmitter, followChanges, type FollowOptions, type RowsListener } from './events.ts';
import { LeaseKeeper, type LeaseOptions, type RunLease } from './lease-keeper.ts';
import { selectLifecycle, selectLifecycles } from './lifecycles.ts';
import { selectMetricNames, selectSeries } from './metrics.ts';
import {
  checkComparisonId,
  deleteComparisonRow,
  insertComparison,
  prepareComparison,
  selectComparison,
  selectComparisons,
} from './comparisons.ts';
import {
  checkRunId,
  checkRunInfo,
  insertRun,
  requireRun,
  selectRun,
  selectRuns,
  updateRunInfo,
  updateRunStatus,
  type ListRunsOptions,
} from './runs.ts';
import { deleteAfter, insertStep, prepareStep, selectSteps } from './steps.ts';
import { guarded, readTx, writeTx } from './tx.ts';
import { STORE_TABLES } from './types.ts';
import type {
  ChangeBatch,
  CheckpointRecord,
  ComparisonRecord,
  EvalCommit,
  JsonValue,
  LifecycleDetail,
  LifecycleFilter,
  LifecycleSummary,
  NewCheckpoint,
  NewRun,
  RunInfoPatch,
  RunRecord,
  RunStatus,
  Series,
  SeriesQuery,
  StepCommit,
  StepRecord,
  TruncateResult,
} from './types.ts';
import { int } from './validate.ts';

export class RunStore {
  private ctxOrNull: StoreDb | null;
  private readonly emitter = new RowsEmitter();
  private readonly leases: LeaseKeeper;
  private readonly follows = new Set<() => void>();
  readonly path: string;

  constructor(ctx: StoreDb) {
    this.ctxOrNull = ctx;
    this.path = ctx.path;
    this.leases = new LeaseKeeper(ctx);
    ctx.afterCommit = (events) => this.emitter.emit(events);
  }

  private get ctx(): StoreDb {
    if (!this.ctxOrNull) throw new CodError('internal', 'the run store is closed', this.path);
    return this.ctxOrNull;
  }

  // ---- runs

  createRun(input: NewRun): RunRecord {
    const id = writeTx(this.ctx, 'creating a run', (tx) => insertRun(this.ctx, tx, input));
    return this.getRun(id);
  }

  getRun(runId: string): RunRecord {
    checkRunId(runId);
    return guarded(this.ctx, 'reading a run', () => selectRun(this.ctx, runId));
  }

  listRuns(opts: ListRunsOptions = {}): RunRecord[] {
    return guarded(this.ctx, 'listing runs', () => selectRuns(this.ctx, opts));
  }

  /** `lastError` undefined leaves the stored error as is; null clears it. */
  setRunStatus(runId: string, status: RunStatus, lastError?: string | null): void {
    checkRunId(runId);
    writeTx(this.ctx, `setting the status of run ${runId}`, (tx) =>
      updateRunStatus(this.ctx, tx, runId, status, lastError, this.leases.token(runId)),
    );
  }

  /** Rename, tag or annotate a run (no lease needed: the trainer never writes these). */
  updateRunInfo(runId: string, patch: RunInfoPatch): RunRecord {
    checkRunId(runId);
    const checked = checkRunInfo(patch);
    writeTx(this.ctx, `editing run ${runId}`, (tx) => updateRunInfo(this.ctx, tx, runId, checked));
    return this.getRun(runId);
  }

  // ---- comparison history

  /** Keep a finished comparison (written once, when its job ends). */
  addComparison(record: ComparisonRecord): void {
    const values = prepareComparison(record);
    writeTx(this.ctx, 'storing a comparison', () => insertComparison(this.ctx, values));
  }

  /** Newest first. */
  listComparisons(limit = 200): ComparisonRecord[] {
    int(limit, 'listComparisons.limit', 1, 10_000);
    return guarded(this.ctx, 'listing comparisons', () => selectComparisons(this.ctx, limit));
  }

  getComparison(id: string): ComparisonRecord {
    checkComparisonId(id);
    return guarded(this.ctx, 'reading a comparison', () => selectComparison(this.ctx, id));
  }

  deleteComparison(id: string): boolean {
    checkComparisonId(id);
    return writeTx(this.ctx, 'deleting a comparison', () => deleteComparisonRow(this.ctx, id));
  }

  // ---- lease

  /** One trainer per run: a second live holder gets CodError('conflict'); a dead holder's lease is taken over. */
  acquireRunLease(runId: string, opts?: LeaseOptions): RunLease {
    checkRunId(runId);
    return this.leases.acquire(runId, opts);
  }

  releaseRunLease(runId: string): boolean {
    return this.leases.release(checkRunId(runId));
  }

  // ---- steps

  /** All of the step's rows in one transaction; needs the run's lease. */
  commitStep(runId: string, step: number, data: StepCommit): void {
    checkRunId(runId);
    const prepared = prepareStep(step, data); // validation outside the write lock
    writeTx(this.ctx, `committing step ${step} of run ${runId}`, (tx) =>
      insertStep(this.ctx, tx, runId, prepared, this.leases.token(runId)),
    );
  }

  /**
   * Several steps as one all-or-nothing transaction (importing a run recorded elsewhere, backfilling). Same rules as
   * commitStep; listeners hear one event per table with the highest step.
   */
  commitSteps(runId: string, steps: readonly { readonly step: number; readonly data: StepCommit }[]): void {
    checkRunId(runId);
    if (!Array.isArray(steps)) throw new CodError('bad_input', 'expected an array of {step, data}', 'commitSteps');
    const prepared = steps.map((s) => prepareStep(s?.step, s?.data));
    writeTx(this.ctx, `committing ${prepared.length} steps of run ${runId}`, (tx) => {
      for (const p of prepared) insertStep(this.ctx, tx, runId, p, this.leases.token(runId));
    });
  }

  listSteps(runId: string, fromStep = 0): StepRecord[] {
    checkRunId(runId);
    return readTx(this.ctx, 'listing steps', () => {
      requireRun(this.ctx, runId);
      return selectSteps(this.ctx, runId, fromStep);
    });
  }

  /** Resume support: remove everything stored for steps > `step` in one transaction; needs the run's lease. */
  truncateAfter(runId: string, step: number): TruncateResult {
    checkRunId(runId);
    return writeTx(this.ctx, `truncating run ${runId} after step ${step}`, (tx) =>
      deleteAfter(this.ctx, tx, runId, step, this.leases.token(runId)),
    );
  }

  // ---- metrics

  getSeries(runId: string, names: readonly string[], query?: SeriesQuery): Record<string, Series> {
    checkRunId(runId);
    return readTx(this.ctx, 'reading metric series', () => {
      requireRun(this.ctx, runId);
      return selectSeries(this.ctx, runId, names, query);
    });
  }

  listMetricNames(runId: string): string[] {
    checkRunId(runId);
    return readTx(this.ctx, 'listing metric names', () => {
      requireRun(this.ctx, runId);
      return selectMetricNames(this.ctx, runId);
    });
  }

  // ---- lifecycles and evals

  listLifecycles(runId: string, filter?: LifecycleFilter): LifecycleSummary[] {
    checkRunId(runId);
    return readTx(this.ctx, 'listing lifecycles', () => {
      requireRun(this.ctx, runId);
      return selectLifecycles(this.ctx, runId, filter);
    });
  }

  getLifecycle(id: number): LifecycleDetail {
    int(id, 'getLifecycle.id', 1);
    return readTx(this.ctx, 'reading a lifecycle', () => selectLifecycle(this.ctx, id));
  }

  /** One suite's eval of one checkpoint; replaces an earlier eval of the same pair. No lease needed. */
  commitEval(runId: string, data: EvalCommit): void {
    checkRunId(runId);
    const prepared = prepareEval(data);
    writeTx(this.ctx, `storing eval '${prepared.suite}' of run ${runId}`, (tx) =>
      insertEval(this.ctx, tx, runId, prepared),
    );
  }

  // ---- checkpoints

  /** Index a checkpoint directory the trainer wrote; needs the run's lease. */
  addCheckpoint(runId: string, cp: NewCheckpoint): void {
    checkRunId(runId);
    const prepared = prepareCheckpoint(cp);
    writeTx(this.ctx, `indexing a checkpoint of run ${runId}`, (tx) =>
      insertCheckpoint(this.ctx, tx, runId, prepared, this.leases.token(runId)),
    );
  }

  setCheckpointEval(runId: string, step: number, suite: string, results: JsonValue): void {
    checkRunId(runId);
    writeTx(this.ctx, `storing eval results of run ${runId}`, (tx) =>
      updateCheckpointEval(this.ctx, tx, runId, step, suite, results),
    );
  }

  latestCheckpoint(runId: string): CheckpointRecord | null {
    checkRunId(runId);
    return readTx(this.ctx, 'reading checkpoints', () => {
      requireRun(this.ctx, runId);
      return selectLatestCheckpoint(this.ctx, runId);
    });
  }

  listCheckpoints(runId: string): CheckpointRecord[] {
    checkRunId(runId);
    return readTx(this.ctx, 'reading checkpoints', () => {
      requireRun(this.ctx, runId);
      return selectCheckpoints(this.ctx, runId);
    });
  }

  // ---- live updates

  /** This process's commits, right after each COMMIT. Returns unsubscribe. */
  onRows(listener: RowsListener): () => void {
    return this.emitter.on(listener);
  }

  /** The change feed version now (pass it to changesSince / follow to hear only later changes). */
  changeVersion(): number {
    return guarded(this.ctx, 'reading the change feed', () => currentVersion(this.ctx));
  }

  /** Changes any process committed after `version`. */
  changesSince(version: number, limit?: number): ChangeBatch {
    int(version, 'changesSince.version');
    if (limit !== undefined) int(limit, 'changesSince.limit', 1);
    return guarded(this.ctx, 'reading the change feed', () => changesSince(this.ctx, version, limit));
  }

  /** Every process's commits, by polling the change feed. Returns stop(). */
  follow(listener: RowsListener, opts: FollowOptions = {}): () => void {
    const start = opts.fromVersion ?? this.changeVersion();
    // A follower that missed pruned changes hears every run's tables as updated: it re-reads them all.
    const onMissed =
      opts.onMissed ??
      (() => {
        for (const run of this.listRuns())
          for (const table of STORE_TABLES) listener({ table, runId: run.id, step: null, op: 'update' });
      });
    const stop = followChanges((v) => this.changesSince(v), start, listener, { ...opts, onMissed });
    const stopAndForget = (): void => {
      stop();
      this.follows.delete(stopAndForget);
    };
    this.follows.add(stopAndForget);
    return stopAndForget;
  }

  // ---- maintenance

  /** SQLite's full integrity check: [] when the file is sound, else its findings. */
  checkIntegrity(): string[] {
    const rows = guarded(this.ctx, 'checking integrity', () => this.ctx.db.prepare('PRAGMA integrity_check').all());
    const found = rows.map((r) => String(r.integrity_check));
    const fk = guarded(this.ctx, 'checking foreign keys', () => this.ctx.db.prepare('PRAGMA foreign_key_check').all());
    for (const r of fk)
      found.push(`foreign key broken: ${String(r.table)} row ${String(r.rowid)} -> ${String(r.parent)}`);
    return found.length === 1 && found[0] === 'ok' ? [] : found;
  }

  /** Stop heartbeats and follows, release this handle's leases, close the file. Idempotent. */
  close(): void {
    const ctx = this.ctxOrNull;
    if (!ctx) return;
    for (const stop of [...this.follows]) stop();
    try {
      this.leases.releaseAll();
    } finally {
      this.ctxOrNull = null;
      ctx.db.close();
    }
  }
}

/** Open (creating or migrating as needed) the run store at `path`. */
export function openStore(path: string, opts?: OpenStoreOptions): RunStore {
  return new RunStore(openDatabase(path, opts));
}
