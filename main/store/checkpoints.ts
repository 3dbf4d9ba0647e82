/**
 * The checkpoint index. The trainer writes the checkpoint directory itself (a Hugging Face–style folder); the store
 * only records where it is, its digest, and eval results per suite.
 */
import type { SQLOutputValue } from 'node:sqlite';
import { CodError } from '../base/errors.ts';
import type { StoreDb } from './db.ts';
import { requireLease } from './lease.ts';
import { requireRun } from './runs.ts';
import { MAX_STEP } from './steps.ts';
import type { WriteTx } from './tx.ts';
import type { CheckpointRecord, JsonObject, JsonValue, NewCheckpoint } from './types.ts';
import { badInput, int, name, text, toJson } from './validate.ts';

const SHA256 = /^[0-9a-f]{64}$/;

export function prepareCheckpoint(cp: NewCheckpoint): NewCheckpoint {
  if (typeof cp !== 'object' || cp === null) badInput('addCheckpoint', 'expected {step, path, sha256}');
  const sha256 = typeof cp.sha256 === 'string' ? cp.sha256.toLowerCase() : cp.sha256;
  if (typeof sha256 !== 'string' || !SHA256.test(sha256)) {
    badInput('addCheckpoint.sha256', 'expected 64 hex digits');
  }
  return {
    step: int(cp.step, 'addCheckpoint.step', 0, MAX_STEP),
    path: text(cp.path, 'addCheckpoint.path', 4096),
    sha256,
  };
}

/**
 * Inside a write transaction. The step must be committed (or 0, the starting model), so the index never points
 * past the rows it belongs to. Indexing the same checkpoint again is a no-op; a different digest for an indexed step
 * is a conflict (its eval results would silently describe other weights).
 */
export function insertCheckpoint(
  ctx: StoreDb,
  tx: WriteTx,
  runId: string,
  cp: NewCheckpoint,
  leaseToken: string | undefined,
): void {
  requireRun(ctx, runId);
  requireLease(ctx, tx, runId, leaseToken, `indexing the checkpoint of step ${cp.step}`);
  if (cp.step > 0 && !ctx.stmt('SELECT 1 FROM steps WHERE run_id = ? AND step = ?').get(runId, cp.step)) {
    badInput('addCheckpoint.step', `step ${cp.step} is not committed; commit the step before indexing its checkpoint`);
  }
  const existing = ctx.stmt('SELECT path, sha256 FROM checkpoints WHERE run_id = ? AND step = ?').get(runId, cp.step);
  if (existing) {
    if (existing.sha256 === cp.sha256 && existing.path === cp.path) return;
    throw new CodError(
      'conflict',
      `a checkpoint for step ${cp.step} is already indexed (${String(existing.path)}, sha256 ${String(existing.sha256)})`,
      runId,
    );
  }
  ctx
    .stmt('INSERT INTO checkpoints (run_id, step, path, sha256, created_at) VALUES (?, ?, ?, ?, ?)')
    .run(runId, cp.step, cp.path, cp.sha256, tx.now);
  tx.changed('checkpoints', runId, cp.step, 'insert');
}

/** Inside a write transaction: set (replace) one suite's results; other suites' results stay. */
export function updateCheckpointEval(
  ctx: StoreDb,
  tx: WriteTx,
  runId: string,
  step: number,
  suite: string,
  results: JsonValue,
): void {
  int(step, 'setCheckpointEval.step', 0, MAX_STEP);
  name(suite, 'setCheckpointEval.suite');
  toJson(results, 'setCheckpointEval.results');
  const row = ctx.stmt('SELECT eval FROM checkpoints WHERE run_id = ? AND step = ?').get(runId, step);
  if (!row) throw new CodError('not_found', `no checkpoint indexed for step ${step}`, runId);
  const evals = JSON.parse(String(row.eval)) as JsonObject;
  evals[suite] = results;
  ctx.stmt('UPDATE checkpoints SET eval = ? WHERE run_id = ? AND step = ?').run(JSON.stringify(evals), runId, step);
  tx.changed('checkpoints', runId, step, 'update');
}

function toRecord(runId: string, r: Record<string, SQLOutputValue>): CheckpointRecord {
  return {
    runId,
    step: Number(r.step),
    path: String(r.path),
    sha256: String(r.sha256),
    createdAt: Number(r.created_at),
    eval: JSON.parse(String(r.eval)) as JsonObject,
  };
}

const COLUMNS = 'step, path, sha256, created_at, eval';

export function selectCheckpoints(ctx: StoreDb, runId: string): CheckpointRecord[] {
  return ctx
    .stmt(`SELECT ${COLUMNS} FROM checkpoints WHERE run_id = ? ORDER BY step`)
    .all(runId)
    .map((r) => toRecord(runId, r));
}

export function selectLatestCheckpoint(ctx: StoreDb, runId: string): CheckpointRecord | null {
  const r = ctx.stmt(`SELECT ${COLUMNS} FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1`).get(runId);
  return r ? toRecord(runId, r) : null;
}
