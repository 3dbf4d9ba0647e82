/**
 * The cross-process change feed. Each write transaction appends what it changed to `changes`; a second process
 * (the UI server, another window) polls changesSince(version) — one indexed range read — to learn which rows
 * another process committed. Versions only grow (AUTOINCREMENT never reuses a seq).
 */
import type { StoreDb } from './db.ts';
import type { ChangeBatch, RowsEvent, RowsOp, StoreTable } from './types.ts';

export function recordChange(ctx: StoreDb, ev: RowsEvent, at: number): void {
  ctx
    .stmt('INSERT INTO changes (tbl, run_id, step, op, at) VALUES (?, ?, ?, ?, ?)')
    .run(ev.table, ev.runId, ev.step, ev.op, at);
}

export function currentVersion(ctx: StoreDb): number {
  const row = ctx.stmt('SELECT coalesce(max(seq), 0) AS v FROM changes').get();
  return Number(row?.v ?? 0);
}

/** Changes committed after `version` (at most `limit`, oldest first); `version` of the answer resumes the poll. */
export function changesSince(ctx: StoreDb, version: number, limit = 10_000): ChangeBatch {
  const rows = ctx
    .stmt('SELECT seq, tbl, run_id, step, op FROM changes WHERE seq > ? ORDER BY seq LIMIT ?')
    .all(version, limit);
  if (rows.length === 0) return { version, changes: [] };
  const changes = rows.map((r): RowsEvent => ({
    table: r.tbl as StoreTable,
    runId: String(r.run_id),
    step: r.step === null ? null : Number(r.step),
    op: r.op as RowsOp,
  }));
  return { version: Number(rows[rows.length - 1].seq), changes };
}
