/**
 * The run lease: at most one trainer writes a run. The holder is recorded in the store itself (not an OS file lock),
 * so it survives any crash of the holder and is judged by facts another process can check:
 * - same host: the holder's pid is dead (kill -9 included, zombies too) or now belongs to a younger process (a
 *   recycled pid, told by its start time where /proc exists). A live holder keeps its lease however long its thread
 *   is blocked (a synchronous training step can take minutes on a CPU).
 * - another host (e.g. a container sharing the store's folder): its heartbeat is older than its stale-after window.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { SQLOutputValue } from 'node:sqlite';
import { hostname as osHostname } from 'node:os';
import { CodError } from '../base/errors.ts';
import type { StoreDb } from './db.ts';
import type { WriteTx } from './tx.ts';
import type { LeaseInfo } from './types.ts';

export const DEFAULT_STALE_AFTER_MS = 120_000;

export interface LeaseFacts {
  readonly pid: number;
  readonly hostname: string;
  /** The holder's process start time as /proc reports it; null where the host has no /proc. */
  readonly pidStart: string | null;
  readonly heartbeatAt: number;
  readonly staleAfterMs: number;
}

export interface StoredLease extends LeaseInfo {
  readonly token: string;
  readonly staleAfterMs: number;
}

export interface ProcessFacts {
  readonly alive: boolean;
  /** Start time in clock ticks since boot (Linux); null where unknown. */
  readonly startTime: string | null;
}

/** What this host can tell about one of its pids. */
export function probeProcess(pid: number): ProcessFacts {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but belongs to another user.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return { alive: false, startTime: null };
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return { alive: true, startTime: null }; // no procfs (macOS, Windows): kill(pid, 0) is all we know
  }
  // Fields after the parenthesised command name: state is field 3, starttime field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const zombie = fields[0] === 'Z' || fields[0] === 'X'; // killed but not yet reaped by its parent
  return { alive: !zombie, startTime: fields[19] ?? null };
}

export interface LocalHost {
  readonly hostname: string;
  probe(pid: number): ProcessFacts;
}

const THIS_HOST: LocalHost = { hostname: osHostname(), probe: probeProcess };

export function isLeaseStale(lease: LeaseFacts, now: number, local: LocalHost = THIS_HOST): boolean {
  if (lease.hostname !== local.hostname) return now - lease.heartbeatAt > lease.staleAfterMs;
  const p = local.probe(lease.pid);
  if (!p.alive) return true;
  return lease.pidStart !== null && p.startTime !== null && lease.pidStart !== p.startTime;
}

/** This process's identity as a lease holder. */
function selfFacts(): { pid: number; hostname: string; pidStart: string | null } {
  return { pid: process.pid, hostname: THIS_HOST.hostname, pidStart: probeProcess(process.pid).startTime };
}

/** Lease columns of a row (run_leases, or a join exposing the same names) as a lease; null when there is none. */
export function leaseFromRow(r: Record<string, SQLOutputValue>, now: number): StoredLease | null {
  if (r.token === null || r.token === undefined) return null;
  const facts: LeaseFacts = {
    pid: Number(r.pid),
    hostname: String(r.hostname),
    pidStart: r.pid_start === null ? null : String(r.pid_start),
    heartbeatAt: Number(r.heartbeat_at),
    staleAfterMs: Number(r.stale_after_ms),
  };
  return { ...facts, token: String(r.token), acquiredAt: Number(r.acquired_at), stale: isLeaseStale(facts, now) };
}

export const LEASE_COLUMNS = 'token, pid, hostname, pid_start, acquired_at, heartbeat_at, stale_after_ms';

export function readLease(ctx: StoreDb, runId: string, now = Date.now()): StoredLease | null {
  const r = ctx.stmt(`SELECT ${LEASE_COLUMNS} FROM run_leases WHERE run_id = ?`).get(runId);
  return r ? leaseFromRow(r, now) : null;
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
  const me = selfFacts();
  ctx
    .stmt(
      `INSERT INTO run_leases (run_id, token, pid, hostname, pid_start, acquired_at, heartbeat_at, stale_after_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id) DO UPDATE SET token = excluded.token, pid = excluded.pid, hostname = excluded.hostname,
         pid_start = excluded.pid_start, acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at,
         stale_after_ms = excluded.stale_after_ms`,
    )
    .run(runId, token, me.pid, me.hostname, me.pidStart, tx.now, tx.now, staleAfterMs);
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
