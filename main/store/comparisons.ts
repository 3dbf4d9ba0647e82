/**
 * The comparison history: every comparison job the workbench ran, kept once it ended (done, failed or stopped) with
 * what it compared and its result, so the UI can list and reopen them after the job itself is gone.
 */
import type { SQLOutputValue } from 'node:sqlite';
import { CodError } from '../base/errors.ts';
import type { StoreDb } from './db.ts';
import { COMPARISON_STATES, type ComparisonRecord } from './types.ts';
import { badInput, int, jsonObject, name, oneOf, text, toJson } from './validate.ts';

const COMPARISON_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function checkComparisonId(id: unknown, where = 'comparison id'): string {
  if (typeof id !== 'string' || !COMPARISON_ID.test(id))
    badInput(where, `comparison ids are 1-64 letters, digits, '_', '.', '-', got ${String(id)}`);
  return id;
}

/** Checked column values of a record, before any transaction. */
export function prepareComparison(c: ComparisonRecord): (string | number | null)[] {
  if (typeof c !== 'object' || c === null) badInput('addComparison', 'expected a comparison record');
  return [
    checkComparisonId(c.id, 'addComparison.id'),
    int(c.createdAt, 'addComparison.createdAt'),
    int(c.endedAt, 'addComparison.endedAt'),
    oneOf(c.state, COMPARISON_STATES, 'addComparison.state'),
    name(c.label, 'addComparison.label', 1000),
    toJson(jsonObject(c.spec, 'addComparison.spec'), 'addComparison.spec'),
    c.result === null ? null : toJson(jsonObject(c.result, 'addComparison.result'), 'addComparison.result'),
    c.error === null ? null : text(c.error, 'addComparison.error', 100_000, true),
  ];
}

/** Insert or replace (a job's record is written once, at its end; replacing keeps a retry idempotent). */
export function insertComparison(ctx: StoreDb, values: (string | number | null)[]): void {
  ctx
    .stmt(
      `INSERT OR REPLACE INTO comparisons (id, created_at, ended_at, state, label, spec, result, error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(...values);
}

function toRecord(r: Record<string, SQLOutputValue>): ComparisonRecord {
  return {
    id: String(r.id),
    createdAt: Number(r.created_at),
    endedAt: Number(r.ended_at),
    state: r.state as ComparisonRecord['state'],
    label: String(r.label),
    spec: JSON.parse(String(r.spec)),
    result: r.result === null ? null : JSON.parse(String(r.result)),
    error: r.error === null ? null : String(r.error),
  };
}

/** Newest first. */
export function selectComparisons(ctx: StoreDb, limit: number): ComparisonRecord[] {
  return ctx.stmt('SELECT * FROM comparisons ORDER BY created_at DESC, id LIMIT ?').all(limit).map(toRecord);
}

export function selectComparison(ctx: StoreDb, id: string): ComparisonRecord {
  const r = ctx.stmt('SELECT * FROM comparisons WHERE id = ?').get(id);
  if (!r) throw new CodError('not_found', 'no such comparison in the history', id);
  return toRecord(r);
}

export function deleteComparisonRow(ctx: StoreDb, id: string): boolean {
  return Number(ctx.stmt('DELETE FROM comparisons WHERE id = ?').run(id).changes) > 0;
}
