import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { openStore, type RunStore } from '../../../main/store/index.ts';
import type { RowsEvent } from '../../../main/store/types.ts';
import { stepCommit, tempStore } from '../../support/store.ts';

let path: string;
let store: RunStore;
let runId: string;
beforeEach(() => ({ path, store, runId } = tempStore({ lease: true })));
afterEach(() => store.close());

describe('onRows', () => {
  it('fires after the commit, once per table written, and the rows are readable from the callback', () => {
    const seen: RowsEvent[] = [];
    let readableInCallback = false;
    store.onRows((ev) => {
      seen.push(ev);
      if (ev.table === 'steps') readableInCallback = store.listSteps(runId).length === 1;
    });
    store.commitStep(runId, 0, stepCommit(0));
    expect(seen.map((e) => e.table).sort()).toEqual(['lifecycles', 'metrics', 'samples', 'steps']);
    expect(seen.every((e) => e.runId === runId && e.step === 0 && e.op === 'insert')).toBe(true);
    expect(readableInCallback).toBe(true);
  });

  it('stays silent when a commit fails and nothing was written', () => {
    const seen: RowsEvent[] = [];
    store.onRows((ev) => seen.push(ev));
    store.commitStep(runId, 0, stepCommit(0));
    seen.length = 0;
    expect(() => store.commitStep(runId, 0, stepCommit(0))).toThrow(CodError);
    expect(seen).toEqual([]);
  });

  it('keeps a throwing listener from failing the commit or starving other listeners; unsubscribe stops delivery', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      let calls = 0;
      let thrown = 0;
      store.onRows(() => {
        if (thrown++ === 0) throw new Error('listener bug');
      });
      const off = store.onRows(() => void calls++);
      store.commitStep(runId, 0, stepCommit(0));
      expect(calls).toBe(4);
      expect(store.getRun(runId).lastStep).toBe(0);
      off();
      store.commitStep(runId, 1, stepCommit(1));
      expect(calls).toBe(4);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect(warnings.some((w) => w.message === 'listener bug')).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('change feed', () => {
  it('lets another handle see exactly the changes committed after a version', () => {
    const reader = openStore(path);
    try {
      const v0 = reader.changeVersion();
      expect(reader.changesSince(v0)).toEqual({ version: v0, changes: [] });
      store.commitStep(runId, 0, stepCommit(0));
      store.setRunStatus(runId, 'running');
      const batch = reader.changesSince(v0);
      expect(batch.version).toBeGreaterThan(v0);
      expect(batch.changes.filter((c) => c.table === 'steps')).toEqual([
        { table: 'steps', runId, step: 0, op: 'insert' },
      ]);
      expect(batch.changes.at(-1)).toEqual({ table: 'runs', runId, step: null, op: 'update' });
      expect(reader.changesSince(batch.version).changes).toEqual([]);
      // Paging: limit 2 then the rest, nothing lost or repeated.
      const p1 = reader.changesSince(v0, 2);
      const p2 = reader.changesSince(p1.version);
      expect([...p1.changes, ...p2.changes]).toEqual(batch.changes);
      store.truncateAfter(runId, -1);
      expect(reader.changesSince(batch.version).changes).toContainEqual({
        table: 'steps',
        runId,
        step: -1,
        op: 'truncate',
      });
    } finally {
      reader.close();
    }
  });

  it("follow delivers another handle's commits by polling, and stops", async () => {
    const reader = openStore(path);
    try {
      const got: RowsEvent[] = [];
      const stop = reader.follow((ev) => got.push(ev), { intervalMs: 10 });
      store.commitStep(runId, 0, stepCommit(0));
      const deadline = Date.now() + 5000;
      while (!got.some((e) => e.table === 'steps') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(got).toContainEqual({ table: 'steps', runId, step: 0, op: 'insert' });
      stop();
      const n = got.length;
      store.commitStep(runId, 1, stepCommit(1));
      await new Promise((r) => setTimeout(r, 60));
      expect(got.length).toBe(n);
    } finally {
      reader.close();
    }
  });
});
