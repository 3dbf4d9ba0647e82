import { statSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { openStore } from '../../../main/store/index.ts';
import { METRIC_NAMES, newRunIn, stepCommit, tempStorePath } from '../../support/store.ts';

let path: string;
beforeEach(() => (path = tempStorePath()));

const BIG = { lifecycles: 16, turns: 6, tokensPerTurn: 400 };

describe('a full disk', () => {
  it('fails the step with CodError io "disk full", rolls it back, and leaves the store readable and intact', () => {
    const first = openStore(path);
    const runId = newRunIn(first);
    first.acquireRunLease(runId);
    first.commitStep(runId, 0, stepCommit(0));
    first.commitStep(runId, 1, stepCommit(1));
    first.close(); // checkpoints the WAL into the file: its size is now the whole store
    const size = statSync(path).size;

    // Room for a few more pages only: the big step cannot fit.
    const store = openStore(path, { maxBytes: size + 8 * 4096 });
    store.acquireRunLease(runId);
    let err: unknown;
    try {
      store.commitStep(runId, 2, stepCommit(2, BIG));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CodError);
    expect((err as CodError).code).toBe('io');
    expect((err as CodError).message).toMatch(/disk full/);
    expect((err as CodError).message).toContain(path);

    // Nothing of step 2, everything of steps 0-1, file sound, handle still usable.
    expect(store.getRun(runId).lastStep).toBe(1);
    expect(store.listLifecycles(runId, { step: 2 })).toEqual([]);
    expect(Array.from(store.getSeries(runId, [METRIC_NAMES[0]])[METRIC_NAMES[0]].steps)).toEqual([0, 1]);
    expect(store.checkIntegrity()).toEqual([]);
    store.commitStep(runId, 2, { timing: { rolloutS: 0, trainS: 0, idleS: 0 }, policyVersion: 2 });
    expect(store.getRun(runId).lastStep).toBe(2);
    store.close();

    // With room again the big step goes in whole.
    const roomy = openStore(path);
    roomy.acquireRunLease(runId);
    roomy.commitStep(runId, 3, stepCommit(3, BIG));
    expect(roomy.listLifecycles(runId, { step: 3 })).toHaveLength(BIG.lifecycles);
    expect(roomy.checkIntegrity()).toEqual([]);
    roomy.close();
  });

  it('rejects a nonsensical size limit', () => {
    expect(() => openStore(path, { maxBytes: -1 })).toThrow(CodError);
  });
});
