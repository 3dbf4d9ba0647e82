/** Rows one process commits are visible to another: the UI server following a trainer in a separate process. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseSync } from 'node:sqlite';
import { openStore, SCHEMA_VERSION } from '../../main/store/index.ts';
import type { RowsEvent } from '../../main/store/types.ts';
import {
  METRIC_NAMES,
  SMALL,
  metricValue,
  newRunIn,
  spawnStoreChild,
  type Child,
  tempStorePath,
} from '../support/store.ts';

let path: string;
const children: Child[] = [];
beforeEach(() => (path = tempStorePath()));
afterEach(() => {
  for (const c of children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
});

describe('cross-process visibility', () => {
  it("shows a trainer process's committed steps to a reader process through follow, changesSince and reads", async () => {
    const ui = openStore(path);
    const runId = newRunIn(ui);
    const seen: RowsEvent[] = [];
    const stop = ui.follow((ev) => seen.push(ev), { intervalMs: 20 });
    const v0 = ui.changeVersion();

    const trainer = spawnStoreChild([
      'write',
      path,
      runId,
      '0',
      '5',
      String(SMALL.lifecycles),
      String(SMALL.turns),
      String(SMALL.tokensPerTurn),
    ]);
    children.push(trainer);
    expect((await trainer.exited).code).toBe(0);
    const deadline = Date.now() + 5000;
    while (seen.filter((e) => e.table === 'steps' && e.op === 'insert').length < 5 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    stop();

    expect(seen.filter((e) => e.table === 'steps' && e.op === 'insert').map((e) => e.step)).toEqual([0, 1, 2, 3, 4]);
    const polled = ui.changesSince(v0).changes.filter((e) => e.table === 'steps' && e.op === 'insert');
    expect(polled.map((e) => e.step)).toEqual([0, 1, 2, 3, 4]);
    expect(ui.getRun(runId).lastStep).toBe(4);
    const series = ui.getSeries(runId, [METRIC_NAMES[1]])[METRIC_NAMES[1]];
    expect(Array.from(series.values)).toEqual([0, 1, 2, 3, 4].map((s) => metricValue(s, 1)));
    expect(ui.listLifecycles(runId, { step: 4 })).toHaveLength(SMALL.lifecycles);
    // The trainer closed its store cleanly, which released its lease.
    expect(ui.getRun(runId).lease).toBeNull();
    ui.close();
  });

  it('lets several processes open a fresh store at the same moment: migrated once, all usable', async () => {
    const openers = [0, 1, 2].map(() => spawnStoreChild(['open', path]));
    children.push(...openers);
    const codes = await Promise.all(openers.map((c) => c.exited));
    expect(
      codes.map((c) => c.code),
      openers.map((c) => c.stderr()).join('\n'),
    ).toEqual([0, 0, 0]);
    const store = openStore(path);
    expect(store.listRuns()).toHaveLength(3);
    expect(store.checkIntegrity()).toEqual([]);
    store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    expect(db.prepare('PRAGMA user_version').get()?.user_version).toBe(SCHEMA_VERSION);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'runs'").get()?.n).toBe(1);
    db.close();
  });
});
