import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type RunStore } from '../../../main/store/index.ts';
import { isLeaseStale, probeProcess } from '../../../main/store/lease.ts';
import { stepCommit, tempStore } from '../../support/store.ts';
import { codError } from '../../support/errors.ts';

let path: string;
let store: RunStore;
let runId: string;
beforeEach(() => ({ path, store, runId } = tempStore()));
afterEach(() => store.close());

describe('isLeaseStale', () => {
  const lease = { pid: 4242, hostname: 'ws1', pidStart: '1000', heartbeatAt: 1000, staleAfterMs: 30_000 };
  const host = (alive: boolean, startTime: string | null = '1000') => ({
    hostname: 'ws1',
    probe: () => ({ alive, startTime }),
  });
  it('on this host: stale when the pid is dead; live while it runs, however old its heartbeat', () => {
    expect(isLeaseStale(lease, 2000, host(false))).toBe(true);
    expect(isLeaseStale(lease, 2000, host(true))).toBe(false);
    expect(isLeaseStale(lease, 10_000_000, host(true))).toBe(false); // a thread blocked in a long step
  });
  it('on this host: stale when the pid now belongs to a younger process (recycled pid)', () => {
    expect(isLeaseStale(lease, 2000, host(true, '5555'))).toBe(true);
    expect(isLeaseStale(lease, 2000, host(true, null))).toBe(false); // no /proc: cannot tell
    expect(isLeaseStale({ ...lease, pidStart: null }, 2000, host(true, '5555'))).toBe(false);
  });
  it('from another host: pids mean nothing there, only a silent heartbeat makes the lease stale', () => {
    const elsewhere = { hostname: 'ws2', probe: () => ({ alive: false, startTime: null }) };
    expect(isLeaseStale(lease, 1000 + 30_000, elsewhere)).toBe(false);
    expect(isLeaseStale(lease, 1000 + 30_001, elsewhere)).toBe(true);
  });
  it('sees this process as alive with a start time (Linux)', () => {
    const me = probeProcess(process.pid);
    expect(me.alive).toBe(true);
    if (process.platform === 'linux') expect(me.startTime).toMatch(/^\d+$/);
  });
});

describe('run lease', () => {
  it('refuses a second holder with a clear conflict naming the first', () => {
    store.acquireRunLease(runId);
    const second = openStore(path);
    try {
      const e = codError(() => second.acquireRunLease(runId));
      expect(e.code).toBe('conflict');
      expect(e.message).toContain(`pid ${process.pid}`);
      expect(e.where).toBe(runId);
      // The same handle cannot take it twice either.
      expect(codError(() => store.acquireRunLease(runId)).code).toBe('conflict');
      store.releaseRunLease(runId);
      second.acquireRunLease(runId);
      second.commitStep(runId, 0, stepCommit(0));
    } finally {
      second.close();
    }
    expect(store.getRun(runId).lease).toBeNull(); // close() released it
  });

  it('stays with a live holder on this host even when its thread is blocked past the stale window', () => {
    store.acquireRunLease(runId, { staleAfterMs: 150 });
    const t0 = Date.now();
    while (Date.now() - t0 < 300) {
      // A holder busy in a long synchronous step: its heartbeat timer cannot run.
    }
    const second = openStore(path);
    try {
      expect(codError(() => second.acquireRunLease(runId)).code).toBe('conflict');
    } finally {
      second.close();
    }
    store.commitStep(runId, 0, stepCommit(0));
  });

  it('is taken over from a silent holder on another host; that holder then cannot write', () => {
    const lease = store.acquireRunLease(runId);
    store.commitStep(runId, 0, stepCommit(0));
    // The lease as a trainer in another container (other hostname) would have left it, silent for 10 minutes.
    const raw = new DatabaseSync(path);
    raw
      .prepare("UPDATE run_leases SET hostname = 'other-container', heartbeat_at = ? WHERE run_id = ?")
      .run(Date.now() - 600_000, runId);
    raw.close();
    expect(store.getRun(runId).lease).toMatchObject({ hostname: 'other-container', stale: true });
    const rescuer = openStore(path);
    try {
      rescuer.acquireRunLease(runId);
      const e = codError(() => store.commitStep(runId, 1, stepCommit(1)));
      expect(e.code).toBe('conflict');
      expect(e.message).toContain(`held by pid ${process.pid}`);
      expect(codError(() => lease.heartbeat()).code).toBe('conflict');
      rescuer.commitStep(runId, 1, stepCommit(1));
      expect(store.getRun(runId).lastStep).toBe(1);
    } finally {
      rescuer.close();
    }
  });

  it('keeps a lease alive with heartbeats while its holder is idle', async () => {
    store.acquireRunLease(runId, { staleAfterMs: 150 });
    const before = store.getRun(runId).lease!.heartbeatAt;
    await new Promise((r) => setTimeout(r, 400));
    const lease = store.getRun(runId).lease!;
    expect(lease.heartbeatAt).toBeGreaterThan(before);
    expect(lease.stale).toBe(false);
    const other = openStore(path);
    try {
      expect(codError(() => other.acquireRunLease(runId)).code).toBe('conflict');
    } finally {
      other.close();
    }
  });

  it('rejects an unknown run and a silly stale window', () => {
    expect(codError(() => store.acquireRunLease('nope')).code).toBe('not_found');
    expect(codError(() => store.acquireRunLease(runId, { staleAfterMs: 5 })).code).toBe('bad_input');
  });
});
