import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type RunStore } from '../../../main/store/index.ts';
import { stepCommit, tempStore } from '../../support/store.ts';
import { codeOf } from '../../support/errors.ts';

let path: string;
let store: RunStore;
let runId: string;
beforeEach(() => ({ path, store, runId } = tempStore({ lease: true })));
afterEach(() => store.close());

const sha = (c: string): string => c.repeat(64);

describe('checkpoints', () => {
  it('indexes checkpoints of committed steps; latest is the highest step', () => {
    expect(store.latestCheckpoint(runId)).toBeNull();
    store.addCheckpoint(runId, { step: 0, path: '/runs/r/ckpt-0', sha256: sha('0') });
    for (let s = 1; s <= 4; s++) store.commitStep(runId, s, stepCommit(s));
    store.addCheckpoint(runId, { step: 4, path: '/runs/r/ckpt-4', sha256: sha('F') });
    store.addCheckpoint(runId, { step: 2, path: '/runs/r/ckpt-2', sha256: sha('2') });
    expect(store.latestCheckpoint(runId)).toMatchObject({
      step: 4,
      path: '/runs/r/ckpt-4',
      sha256: sha('f'),
      eval: {},
    });
    expect(store.listCheckpoints(runId).map((c) => c.step)).toEqual([0, 2, 4]);
  });

  it('refuses a checkpoint of an uncommitted step, a bad digest, and a second digest for the same step', () => {
    expect(codeOf(() => store.addCheckpoint(runId, { step: 3, path: '/c', sha256: sha('a') }))).toBe('bad_input');
    expect(codeOf(() => store.addCheckpoint(runId, { step: 0, path: '/c', sha256: 'abc' }))).toBe('bad_input');
    store.addCheckpoint(runId, { step: 0, path: '/c', sha256: sha('a') });
    store.addCheckpoint(runId, { step: 0, path: '/c', sha256: sha('a') }); // same again: a retry, fine
    expect(codeOf(() => store.addCheckpoint(runId, { step: 0, path: '/c', sha256: sha('b') }))).toBe('conflict');
    expect(store.listCheckpoints(runId)).toHaveLength(1);
  });

  it('needs the lease to index, but not to record eval results', () => {
    const evaluator = openStore(path);
    try {
      expect(codeOf(() => evaluator.addCheckpoint(runId, { step: 0, path: '/c', sha256: sha('a') }))).toBe('conflict');
      store.addCheckpoint(runId, { step: 0, path: '/c', sha256: sha('a') });
      evaluator.setCheckpointEval(runId, 0, 'heldout', { byPosition: [0.18, 0.28] });
      evaluator.setCheckpointEval(runId, 0, 'ood.v2 "hard"', { byPosition: [0.1] });
      evaluator.setCheckpointEval(runId, 0, 'heldout', { byPosition: [0.2, 0.3] });
    } finally {
      evaluator.close();
    }
    expect(store.latestCheckpoint(runId)?.eval).toEqual({
      heldout: { byPosition: [0.2, 0.3] },
      'ood.v2 "hard"': { byPosition: [0.1] },
    });
    expect(codeOf(() => store.setCheckpointEval(runId, 9, 'heldout', {}))).toBe('not_found');
  });
});
