import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { openStore, type RunStore } from '../../../main/store/index.ts';
import type { RowsEvent } from '../../../main/store/types.ts';
import { newRunIn, stepCommit } from '../../support/store.ts';
import { tempDir } from '../../support/temp.ts';

const open: RunStore[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

/** A store whose writes keep only the newest `keep` feed rows, however recent (keepMs 0). */
function prunedStore(keep: number, keepMs = 0): { path: string; store: RunStore; runId: string } {
  const path = join(tempDir('feed'), 'runs.db');
  const store = openStore(path, { changeFeed: { keep, keepMs } });
  open.push(store);
  const runId = newRunIn(store);
  store.acquireRunLease(runId);
  return { path, store, runId };
}

/** Each commitStep records 4 changes (steps, metrics, lifecycles, samples); writers prune every 256 versions. */
function commitSteps(store: RunStore, runId: string, from: number, n: number): void {
  for (let s = from; s < from + n; s++) store.commitStep(runId, s, stepCommit(s));
}

describe('change feed pruning', () => {
  it('keeps only the newest rows once they are past the retention time, and later reads still resume', () => {
    const { store, runId } = prunedStore(8);
    const before = store.changeVersion();
    commitSteps(store, runId, 0, 70); // 280 versions: one prune
    const now = store.changeVersion();
    expect(now).toBe(before + 280);
    // A reader close behind reads on as before.
    const recent = store.changesSince(now - 4);
    expect(recent.missed).toBeUndefined();
    expect(recent.changes).toHaveLength(4);
    expect(recent.version).toBe(now);
    // The feed was cut to a prefix: what is left is contiguous and far shorter than what was written.
    const all = store.changesSince(now - 40);
    expect(all.missed).toBe(true);
    expect(all.changes).toEqual([]);
    expect(all.version).toBe(now);
  });

  it('keeps everything younger than the retention time, however long the feed', () => {
    const { store, runId } = prunedStore(8, 60 * 60_000);
    const start = store.changeVersion();
    commitSteps(store, runId, 0, 70);
    const batch = store.changesSince(start);
    expect(batch.missed).toBeUndefined();
    expect(batch.changes).toHaveLength(280);
  });

  it('a failed write rolls its feed rows back: no gap a reader would take for pruning', () => {
    const { store, runId } = prunedStore(10_000);
    commitSteps(store, runId, 0, 1);
    const v = store.changeVersion();
    expect(() => store.commitStep(runId, 0, stepCommit(0))).toThrow(CodError);
    commitSteps(store, runId, 1, 1);
    const batch = store.changesSince(v);
    expect(batch.missed).toBeUndefined();
    expect(batch.changes.map((c) => c.step)).toEqual([1, 1, 1, 1]);
  });

  it('a follower that fell behind the retention hears every run as updated, then follows on', async () => {
    const { path, store, runId } = prunedStore(8);
    const reader = openStore(path);
    open.push(reader);
    const second = newRunIn(store);
    const got: RowsEvent[] = [];
    // Following from the start: by its first poll the early rows are gone.
    const stop = reader.follow((ev) => got.push(ev), { fromVersion: 0, intervalMs: 10 });
    try {
      commitSteps(store, runId, 0, 70);
      const deadline = Date.now() + 5000;
      const seenUpdates = (): boolean =>
        got.some((e) => e.op === 'update' && e.runId === second && e.table === 'checkpoints');
      while (!seenUpdates() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(seenUpdates()).toBe(true);
      expect(got.filter((e) => e.op === 'update' && e.runId === runId && e.step === null)).toHaveLength(6);
      got.length = 0;
      commitSteps(store, runId, 70, 1);
      while (!got.some((e) => e.table === 'steps') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(got).toContainEqual({ table: 'steps', runId, step: 70, op: 'insert' });
    } finally {
      stop();
    }
  });
});
