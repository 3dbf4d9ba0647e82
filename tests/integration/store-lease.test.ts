/** The run lease across real processes: a live holder blocks a second trainer; a SIGKILLed holder does not. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodError } from '../../main/base/errors.ts';
import { openStore } from '../../main/store/index.ts';
import { newRunIn, spawnStoreChild, stepCommit, type Child, tempStorePath } from '../support/store.ts';

let path: string;
const children: Child[] = [];
beforeEach(() => (path = tempStorePath()));
afterEach(() => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
});

describe('run lease between processes', () => {
  it('refuses a second trainer while the first lives, and frees the lease the moment the first is kill -9ed', async () => {
    const store = openStore(path);
    const runId = newRunIn(store);
    // A long stale window: only the dead pid can free the lease within this test.
    const holder = spawnStoreChild(['hold', path, runId]);
    children.push(holder);
    await holder.waitFor(/^READY$/);

    let err: unknown;
    try {
      store.acquireRunLease(runId);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CodError);
    expect((err as CodError).code).toBe('conflict');
    expect((err as CodError).message).toContain(`pid ${holder.proc.pid}`);
    expect(store.getRun(runId).lease).toMatchObject({ pid: holder.proc.pid, stale: false });

    // A second trainer process is refused the same way.
    const second = spawnStoreChild(['write', path, runId, '0', '1', '1', '1', '1']);
    children.push(second);
    expect(await second.waitFor(/^ERROR/)).toMatch(/^ERROR conflict .*already being trained/);
    expect((await second.exited).code).toBe(1);

    holder.proc.kill('SIGKILL');
    expect((await holder.exited).signal).toBe('SIGKILL');
    expect(store.getRun(runId).lease).toMatchObject({ pid: holder.proc.pid, stale: true });

    store.acquireRunLease(runId);
    store.commitStep(runId, 0, stepCommit(0));
    expect(store.getRun(runId).lease).toMatchObject({ pid: process.pid, stale: false });
    store.close();
  });
});
