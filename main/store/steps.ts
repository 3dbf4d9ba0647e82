/**
 * Training steps. A step's rows (step row, metrics, lifecycles, samples) are written in ONE transaction: after a
 * crash at any moment the store holds the whole step or none of it, and the step row marks it committed.
 * truncateAfter is the other half of resume: everything after the checkpoint's step goes, in one transaction.
 */
import { CodError } from '../base/errors.ts';
import type { StoreDb } from './db.ts';
import { requireLease } from './lease.ts';
import { insertLifecycles, prepareLifecycles, type PreparedLifecycles } from './lifecycles.ts';
import { insertMetrics, prepareMetrics, type MetricEntries } from './metrics.ts';
import { requireRun } from './runs.ts';
import type { WriteTx } from './tx.ts';
import type { StepCommit, StepRecord, TruncateResult } from './types.ts';
import { badInput, finite, int } from './validate.ts';

/** Steps are stored as Int32 in series reads. */
export const MAX_STEP = 0x7fffffff;

export interface PreparedStep {
  readonly step: number;
  readonly policyVersion: number;
  readonly timing: readonly [number, number, number];
  readonly metrics: MetricEntries;
  readonly lifecycles: PreparedLifecycles;
  readonly wallTime: number | undefined;
}

export function prepareStep(step: number, data: StepCommit): PreparedStep {
  const where = `commitStep(${String(step)})`;
  int(step, `${where}.step`, 0, MAX_STEP);
  if (typeof data !== 'object' || data === null) badInput(where, 'expected {timing, policyVersion, ...}');
  if (typeof data.timing !== 'object' || data.timing === null) badInput(`${where}.timing`, 'expected timings');
  return {
    step,
    policyVersion: int(data.policyVersion, `${where}.policyVersion`),
    timing: [
      finite(data.timing.rolloutS, `${where}.timing.rolloutS`, 0),
      finite(data.timing.trainS, `${where}.timing.trainS`, 0),
      finite(data.timing.idleS, `${where}.timing.idleS`, 0),
    ],
    metrics: prepareMetrics(data.metrics, `${where}.metrics`),
    lifecycles: prepareLifecycles(data.lifecycles ?? [], data.samples ?? [], where),
    wallTime: data.wallTime === undefined ? undefined : finite(data.wallTime, `${where}.wallTime`, 0),
  };
}

export function lastStep(ctx: StoreDb, runId: string): number | null {
  const row = ctx.stmt('SELECT max(step) AS s FROM steps WHERE run_id = ?').get(runId);
  return row?.s === null || row?.s === undefined ? null : Number(row.s);
}

/** Inside a write transaction. */
export function insertStep(ctx: StoreDb, tx: WriteTx, runId: string, p: PreparedStep, leaseToken: string | undefined) {
  requireRun(ctx, runId);
  requireLease(ctx, tx, runId, leaseToken, `committing step ${p.step}`);
  const last = lastStep(ctx, runId);
  if (last !== null && p.step <= last) {
    throw new CodError(
      'conflict',
      `step ${p.step} is not after the last committed step ${last}; truncateAfter(${p.step - 1}) first to redo it`,
      runId,
    );
  }
  ctx
    .stmt(
      `INSERT INTO steps (run_id, step, policy_version, rollout_s, train_s, idle_s, committed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(runId, p.step, p.policyVersion, ...p.timing, tx.now);
  insertMetrics(ctx, tx, runId, p.step, p.metrics, p.wallTime ?? tx.now, false);
  insertLifecycles(ctx, tx, runId, p.step, p.lifecycles);
  tx.changed('steps', runId, p.step, 'insert');
}

export function selectSteps(ctx: StoreDb, runId: string, fromStep = 0): StepRecord[] {
  int(fromStep, 'listSteps.fromStep');
  return ctx
    .stmt(
      `SELECT step, policy_version, rollout_s, train_s, idle_s, committed_at FROM steps
       WHERE run_id = ? AND step >= ? ORDER BY step`,
    )
    .all(runId, fromStep)
    .map((r) => ({
      runId,
      step: Number(r.step),
      policyVersion: Number(r.policy_version),
      timing: { rolloutS: Number(r.rollout_s), trainS: Number(r.train_s), idleS: Number(r.idle_s) },
      committedAt: Number(r.committed_at),
    }));
}

/** Inside a write transaction: remove everything stored for steps > `step` (-1 removes every step). */
export function deleteAfter(
  ctx: StoreDb,
  tx: WriteTx,
  runId: string,
  step: number,
  leaseToken: string | undefined,
): TruncateResult {
  int(step, 'truncateAfter.step', -1, MAX_STEP);
  requireRun(ctx, runId);
  requireLease(ctx, tx, runId, leaseToken, `truncating after step ${step}`);
  const count = (sql: string): number => Number(ctx.stmt(sql).run(runId, step).changes);
  const result: TruncateResult = {
    metrics: count(
      'DELETE FROM metrics WHERE series_id IN (SELECT id FROM metric_series WHERE run_id = ?) AND step > ?',
    ),
    lifecycles: count('DELETE FROM lifecycles WHERE run_id = ? AND step > ?'), // samples go by ON DELETE CASCADE
    checkpoints: count('DELETE FROM checkpoints WHERE run_id = ? AND step > ?'),
    steps: count('DELETE FROM steps WHERE run_id = ? AND step > ?'),
  };
  for (const table of ['steps', 'metrics', 'lifecycles', 'samples', 'checkpoints'] as const) {
    tx.changed(table, runId, step, 'truncate');
  }
  return result;
}
