/** Runs: creation, status, and the summaries `cod runs list|show` and the UI's run table read. */
import { randomBytes } from 'node:crypto';
import type { SQLOutputValue } from 'node:sqlite';
import { CodError } from '../base/errors.ts';
import type { StoreDb } from './db.ts';
import { leaseFromRow, readLease } from './lease.ts';
import type { WriteTx } from './tx.ts';
import {
  RUN_STATUSES,
  type JsonObject,
  type NewRun,
  type RunInfoPatch,
  type RunRecord,
  type RunStatus,
} from './types.ts';
import { array, badInput, jsonObject, name, oneOf, text, toJson } from './validate.ts';

const RUN_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** 8 base32 characters (40 random bits): short enough to type, unique enough for one machine's runs. */
/** Whether a live trainer holds the run's lease (a dead holder's or a released lease means none). */
export function hasLiveTrainer(run: Pick<RunRecord, 'lease'>): boolean {
  return run.lease !== null && !run.lease.stale;
}

export function newRunId(): string {
  const bytes = randomBytes(8);
  let id = '';
  for (let i = 0; i < 8; i++) id += BASE32[bytes[i] & 31];
  return id;
}

export function checkRunId(id: unknown, where = 'runId'): string {
  if (typeof id !== 'string' || !RUN_ID.test(id)) {
    badInput(
      where,
      `run ids are 1-64 characters of a-z, 0-9, '_', '.', '-' (starting alphanumeric), got ${String(id)}`,
    );
  }
  return id;
}

export function requireRun(ctx: StoreDb, runId: string): void {
  if (!ctx.stmt('SELECT 1 FROM runs WHERE id = ?').get(runId)) {
    throw new CodError('not_found', 'no such run in the store', runId);
  }
}

function validateNewRun(input: NewRun): { id: string; values: (string | number)[] } {
  if (typeof input !== 'object' || input === null) badInput('createRun', 'expected a run description object');
  const id = input.id === undefined ? newRunId() : checkRunId(input.id, 'createRun.id');
  const seeds = array<unknown>(input.seeds, 'createRun.seeds');
  seeds.forEach((s, i) => {
    if (!(typeof s === 'string' || (typeof s === 'number' && Number.isFinite(s)))) {
      badInput(`createRun.seeds[${i}]`, 'seeds are numbers or strings');
    }
  });
  return {
    id,
    values: [
      name(input.name, 'createRun.name'),
      toJson(jsonObject(input.config, 'createRun.config'), 'createRun.config'),
      toJson(seeds, 'createRun.seeds'),
      name(input.codeVersion, 'createRun.codeVersion'),
      text(input.runDir, 'createRun.runDir', 4096),
    ],
  };
}

export function insertRun(ctx: StoreDb, tx: WriteTx, input: NewRun): string {
  const { id, values } = validateNewRun(input);
  if (ctx.stmt('SELECT 1 FROM runs WHERE id = ?').get(id)) {
    throw new CodError('conflict', 'a run with this id already exists', id);
  }
  ctx
    .stmt(
      `INSERT INTO runs (id, name, config, seeds, code_version, run_dir, created_at, updated_at, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'created')`,
    )
    .run(id, ...values, tx.now, tx.now);
  tx.changed('runs', id, null, 'insert');
  return id;
}

/**
 * Any status may follow any other except a return to 'created'. While a live trainer holds the lease only it may
 * change the status, so the UI cannot mark a run finished under a running trainer.
 */
export function updateRunStatus(
  ctx: StoreDb,
  tx: WriteTx,
  runId: string,
  status: RunStatus,
  lastError: string | null | undefined,
  heldToken: string | undefined,
): void {
  oneOf(status, RUN_STATUSES, 'setRunStatus.status');
  if (lastError !== undefined && lastError !== null) text(lastError, 'setRunStatus.lastError', 100_000);
  const row = ctx.stmt('SELECT status FROM runs WHERE id = ?').get(runId);
  if (!row) throw new CodError('not_found', 'no such run in the store', runId);
  if (status === 'created' && row.status !== 'created') {
    badInput('setRunStatus.status', `a ${String(row.status)} run cannot go back to 'created'`);
  }
  const lease = readLease(ctx, runId, tx.now);
  if (lease && !lease.stale && lease.token !== heldToken) {
    throw new CodError(
      'conflict',
      `run is being trained by pid ${lease.pid} on ${lease.hostname}; only that trainer changes its status`,
      runId,
    );
  }
  if (lastError === undefined) {
    ctx.stmt('UPDATE runs SET status = ?, updated_at = ? WHERE id = ?').run(status, tx.now, runId);
  } else {
    ctx
      .stmt('UPDATE runs SET status = ?, last_error = ?, updated_at = ? WHERE id = ?')
      .run(status, lastError, tx.now, runId);
  }
  tx.changed('runs', runId, null, 'update');
}

const RUN_COLUMNS = `r.id, r.name, r.created_at, r.updated_at, r.status, r.config, r.seeds, r.code_version, r.run_dir,
  r.last_error, r.tags, r.notes, (SELECT max(s.step) FROM steps s WHERE s.run_id = r.id) AS last_step,
  l.token, l.pid, l.hostname, l.pid_start, l.acquired_at, l.heartbeat_at, l.stale_after_ms`;

function toRunRecord(r: Record<string, SQLOutputValue>, now: number): RunRecord {
  const held = leaseFromRow(r, now);
  const lease = held && {
    pid: held.pid,
    hostname: held.hostname,
    acquiredAt: held.acquiredAt,
    heartbeatAt: held.heartbeatAt,
    stale: held.stale,
  };
  return {
    id: String(r.id),
    name: String(r.name),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    status: r.status as RunStatus,
    config: JSON.parse(String(r.config)) as JsonObject,
    seeds: JSON.parse(String(r.seeds)) as (number | string)[],
    codeVersion: String(r.code_version),
    runDir: String(r.run_dir),
    lastError: r.last_error === null ? null : String(r.last_error),
    lastStep: r.last_step === null ? null : Number(r.last_step),
    lease,
    tags: JSON.parse(String(r.tags)) as string[],
    notes: String(r.notes),
  };
}

export function selectRun(ctx: StoreDb, runId: string): RunRecord {
  const r = ctx
    .stmt(`SELECT ${RUN_COLUMNS} FROM runs r LEFT JOIN run_leases l ON l.run_id = r.id WHERE r.id = ?`)
    .get(runId);
  if (!r) throw new CodError('not_found', 'no such run in the store', runId);
  return toRunRecord(r, Date.now());
}

export interface ListRunsOptions {
  readonly status?: RunStatus;
}

/** Newest first. */
export function selectRuns(ctx: StoreDb, opts: ListRunsOptions = {}): RunRecord[] {
  const base = `SELECT ${RUN_COLUMNS} FROM runs r LEFT JOIN run_leases l ON l.run_id = r.id`;
  const order = 'ORDER BY r.created_at DESC, r.id';
  const rows =
    opts.status === undefined
      ? ctx.stmt(`${base} ${order}`).all()
      : ctx.stmt(`${base} WHERE r.status = ? ${order}`).all(oneOf(opts.status, RUN_STATUSES, 'listRuns.status'));
  const now = Date.now();
  return rows.map((r) => toRunRecord(r, now));
}

/** Limits of what a researcher adds to a run. */
export const RUN_TAG_MAX = 40;
export const RUN_TAGS_MAX = 32;
export const RUN_NOTES_MAX = 100_000;

/** Checks a rename / tags / notes edit before any write (a tag is a short name without commas, used once). */
export function checkRunInfo(patch: RunInfoPatch): RunInfoPatch {
  if (typeof patch !== 'object' || patch === null) badInput('updateRunInfo', 'expected {name?, tags?, notes?}');
  const out: { name?: string; tags?: string[]; notes?: string } = {};
  if (patch.name !== undefined) out.name = name(patch.name.trim(), 'updateRunInfo.name', 200);
  if (patch.tags !== undefined) {
    const tags = array<unknown>(patch.tags, 'updateRunInfo.tags');
    if (tags.length > RUN_TAGS_MAX) badInput('updateRunInfo.tags', `at most ${RUN_TAGS_MAX} tags, got ${tags.length}`);
    const seen = new Set<string>();
    out.tags = [];
    tags.forEach((t, i) => {
      const tag = name(typeof t === 'string' ? t.trim() : t, `updateRunInfo.tags[${i}]`, RUN_TAG_MAX);
      if (tag.includes(',')) badInput(`updateRunInfo.tags[${i}]`, 'a tag must not contain a comma');
      if (!seen.has(tag)) out.tags!.push(tag);
      seen.add(tag);
    });
  }
  if (patch.notes !== undefined) out.notes = text(patch.notes, 'updateRunInfo.notes', RUN_NOTES_MAX, true);
  return out;
}

/** Rename, tag or annotate a run. Allowed while a trainer runs: it never writes these columns. */
export function updateRunInfo(ctx: StoreDb, tx: WriteTx, runId: string, patch: RunInfoPatch): void {
  requireRun(ctx, runId);
  if (patch.name !== undefined) ctx.stmt('UPDATE runs SET name = ? WHERE id = ?').run(patch.name, runId);
  if (patch.tags !== undefined)
    ctx.stmt('UPDATE runs SET tags = ? WHERE id = ?').run(JSON.stringify(patch.tags), runId);
  if (patch.notes !== undefined) ctx.stmt('UPDATE runs SET notes = ? WHERE id = ?').run(patch.notes, runId);
  tx.changed('runs', runId, null, 'update');
}
