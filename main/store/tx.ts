/**
 * Write transactions. Every write of the store goes through writeTx: BEGIN IMMEDIATE (take the write lock up front
 * so a busy store waits instead of failing mid-transaction), run the body, COMMIT; on any error roll back and throw
 * one CodError. Changes the body reports go to the change feed inside the same transaction and to in-process
 * listeners only after COMMIT, so nobody hears about rows that do not exist.
 */
import { CodError } from '../base/errors.ts';
import { pruneIfDue, recordChange } from './changes.ts';
import type { StoreDb } from './db.ts';
import { rollbackQuietly, toCodError } from './sqlite-errors.ts';
import type { RowsEvent, RowsOp, StoreTable } from './types.ts';

export interface WriteTx {
  /** The commit's time (ms), one value for every row it writes. */
  readonly now: number;
  /** Report rows this transaction wrote; they reach the change feed with the commit. */
  changed(table: StoreTable, runId: string, step: number | null, op: RowsOp): void;
}

export function writeTx<T>(ctx: StoreDb, doing: string, body: (tx: WriteTx) => T): T {
  if (ctx.inTransaction) throw new CodError('internal', `nested store transaction while ${doing}`, ctx.path);
  // One event per (table, run, op) and transaction, carrying the highest step touched: a batch of many steps is
  // announced once, and readers re-read from where they were anyway.
  const merged = new Map<string, RowsEvent>();
  const now = Date.now();
  const tx: WriteTx = {
    now,
    changed(table, runId, step, op) {
      const key = `${table}\u0000${runId}\u0000${op}`;
      const prev = merged.get(key);
      const keep =
        prev === undefined || prev.step === null ? step : step === null ? prev.step : Math.max(prev.step, step);
      merged.set(key, { table, runId, step: keep, op });
    },
  };
  let result: T;
  const events = (): RowsEvent[] => [...merged.values()];
  ctx.inTransaction = true;
  try {
    ctx.db.exec('BEGIN IMMEDIATE');
    result = body(tx);
    let version = 0;
    for (const ev of events()) version = recordChange(ctx, ev, now);
    if (version > 0) pruneIfDue(ctx, version, now);
    ctx.db.exec('COMMIT');
  } catch (e) {
    rollbackQuietly(ctx.db);
    throw toCodError(e, ctx.path, doing);
  } finally {
    ctx.inTransaction = false;
  }
  ctx.afterCommit(events());
  return result;
}

/** Reads that must see one consistent snapshot (several statements) run inside a deferred read transaction. */
export function readTx<T>(ctx: StoreDb, doing: string, body: () => T): T {
  if (ctx.inTransaction) return guarded(ctx, doing, body);
  ctx.inTransaction = true;
  try {
    ctx.db.exec('BEGIN');
    const result = body();
    ctx.db.exec('COMMIT');
    return result;
  } catch (e) {
    rollbackQuietly(ctx.db);
    throw toCodError(e, ctx.path, doing);
  } finally {
    ctx.inTransaction = false;
  }
}

/** A single statement (autocommit): just map its errors. */
export function guarded<T>(ctx: StoreDb, doing: string, body: () => T): T {
  try {
    return body();
  } catch (e) {
    throw toCodError(e, ctx.path, doing);
  }
}
