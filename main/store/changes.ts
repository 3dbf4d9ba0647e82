/**
 * The cross-process change feed. Each write transaction appends what it changed to `changes`; a second process
 * (the UI server, another window) polls changesSince(version) — one indexed range read — to learn which rows
 * another process committed. Versions only grow (AUTOINCREMENT never reuses a seq), and the seqs of the rows kept are
 * contiguous: a transaction that rolls back rolls its seqs back with it.
 *
 * The feed is pruned by the writers (pruneIfDue, every PRUNE_EVERY versions): a row goes once it is older than the
 * retention time and not among the newest rows kept (LIMITS.changeFeedKeepMs / changeFeedKeep). A follower that fell
 * further behind (a laptop asleep for an hour) finds the first kept seq past its version + 1 and is told it missed
 * changes (ChangeBatch `missed`), so it re-reads everything instead of silently showing a gap.
 */
import type { StoreDb } from './db.ts';
import type { ChangeBatch, RowsEvent, RowsOp, StoreTable } from './types.ts';

/** Writers prune when the feed has grown this many versions since their last prune. */
const PRUNE_EVERY = 256;

/** Appends one change; returns its seq (the feed's version after it). */
export function recordChange(ctx: StoreDb, ev: RowsEvent, at: number): number {
  const r = ctx
    .stmt('INSERT INTO changes (tbl, run_id, step, op, at) VALUES (?, ?, ?, ?, ?)')
    .run(ev.table, ev.runId, ev.step, ev.op, at);
  return Number(r.lastInsertRowid);
}

/** Inside a write transaction, after its changes are recorded up to `version`: prune when it is due. */
export function pruneIfDue(ctx: StoreDb, version: number, now: number): void {
  if (version - ctx.feed.prunedAt < PRUNE_EVERY) return;
  ctx.feed.prunedAt = version;
  pruneChanges(ctx, version, now);
}

/**
 * Deletes the rows older than the retention time that are not among the newest `keep`; returns how many. Always a
 * prefix of the feed (up to the newest row that qualifies), even if the clock stepped back, so the only gap a reader
 * can meet is before the first kept row, which changesSince detects.
 */
export function pruneChanges(ctx: StoreDb, version: number, now: number): number {
  const r = ctx
    .stmt('DELETE FROM changes WHERE seq <= (SELECT max(seq) FROM changes WHERE seq <= ? AND at < ?)')
    .run(version - Math.max(1, ctx.feed.keep), now - ctx.feed.keepMs);
  return Number(r.changes);
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
  // Rows after `version` were pruned before this reader saw them: the first kept one is not the next version.
  if (Number(rows[0].seq) > version + 1) return { version: currentVersion(ctx), changes: [], missed: true };
  const changes = rows.map((r): RowsEvent => ({
    table: r.tbl as StoreTable,
    runId: String(r.run_id),
    step: r.step === null ? null : Number(r.step),
    op: r.op as RowsOp,
  }));
  return { version: Number(rows[rows.length - 1].seq), changes };
}
