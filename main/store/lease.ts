/**
 * The run lease: at most one trainer writes a run. The holder is recorded as pid + hostname + heartbeat in the store
 * itself (not an OS file lock), so it survives any crash of the holder and is judged by facts another process can
 * check: on the same host a dead pid frees the lease at once (kill -9 included); from any host a heartbeat older than
 * the holder's stale-after window frees it (covers other hosts and recycled pids).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { CodError } from '../api/errors.ts';
import type { StoreDb } from './db.ts';
import type { WriteTx } from './tx.ts';
import type { LeaseInfo } from './types.ts';

export const DEFAULT_STALE_AFTER_MS = 30_000;

export interface LeaseFacts {
  readonly pid: number;
  readonly hostname: string;
  readonly heartbeatAt: number;
  readonly staleAfterMs: number;
}

export interface StoredLease extends LeaseInfo {
  readonly token: string;
  readonly staleAfterMs: number;
}

/** Whether a process exists on this host. A zombie (killed, not yet reaped) counts as dead. */
export function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // No procfs (macOS, Windows): trust kill(pid, 0).
  }
}

export function isLeaseStale(
  lease: LeaseFacts,
  now: number,
  localHostname: string = osHostname(),
  pidAlive: (pid: number) => boolean = isPidAlive,
): boolean {
  if (now - lease.heartbeatAt > lease.staleAfterMs) return true;
  return lease.hostname === localHostname && !pidAlive(lease.pid);
}

export function readLease(ctx: StoreDb, runId: string, now = Date.now()): StoredLease | null {
  const r = ctx
    .stmt('SELECT token, pid, hostname, acquired_at, heartbeat_at, stale_after_ms FROM run_leases WHERE run_id = ?')
    .get(runId);
  if (!r) return null;
  const facts = {
    pid: Number(r.pid),
    hostname: String(r.hostname),
    heartbeatAt: Number(r.heartbeat_at),
    staleAfterMs: Number(r.stale_after_ms),
  };
  return {
    ...facts,
    token: String(r.token),
    acquiredAt: Number(r.acquired_at),
    stale: isLeaseStale(facts, now),
  };
}

function describeHolder(l: StoredLease, now: number): string {
  return `pid ${l.pid} on ${l.hostname} (last heartbeat ${Math.round((now - l.heartbeatAt) / 1000)} s ago)`;
}

/** Inside a write transaction: take the run's lease unless a live holder has it. Returns the new token. */
export function takeLease(ctx: StoreDb, tx: WriteTx, runId: string, staleAfterMs: number): string {
  const current = readLease(ctx, runId, tx.now);
  if (current && !current.stale) {
    throw new CodError(
      'conflict',
      `run is already being trained by ${describeHolder(current, tx.now)}; stop that trainer first`,
      runId,
    );
  }
  const token = randomUUID();
  ctx
    .stmt(
      `INSERT INTO run_leases (run_id, token, pid, hostname, acquired_at, heartbeat_at, stale_after_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET token = excluded.token, pid = excluded.pid, hostname = excluded.hostname,
         acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at,
         stale_after_ms = excluded.stale_after_ms`,
    )
    .run(runId, token, process.pid, osHostname(), tx.now, tx.now, staleAfterMs);
  return token;
}

/**
 * Inside a write transaction: fail with 'conflict' unless `token` still holds the run's lease (another process may
 * have taken it over after judging this one stale), and refresh the heartbeat.
 */
export function requireLease(ctx: StoreDb, tx: WriteTx, runId: string, token: string | undefined, doing: string) {
  const current = readLease(ctx, runId, tx.now);
  if (token === undefined || !current || current.token !== token) {
    const holder = current && current.token !== token ? `; it is held by ${describeHolder(current, tx.now)}` : '';
    throw new CodError(
      'conflict',
      `${doing} needs this process to hold the run's lease (acquireRunLease)${holder}`,
      runId,
    );
  }
  ctx.stmt('UPDATE run_leases SET heartbeat_at = ? WHERE run_id = ?').run(tx.now, runId);
}

/** Refresh the heartbeat; false when the lease was lost. */
export function touchLease(ctx: StoreDb, runId: string, token: string, now: number): boolean {
  const res = ctx.stmt('UPDATE run_leases SET heartbeat_at = ? WHERE run_id = ? AND token = ?').run(now, runId, token);
  return Number(res.changes) === 1;
}

export function dropLease(ctx: StoreDb, runId: string, token: string): void {
  ctx.stmt('DELETE FROM run_leases WHERE run_id = ? AND token = ?').run(runId, token);
}
