import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type RunStore } from '../../../main/store/index.ts';
import type { StepCommit } from '../../../main/store/types.ts';
import { METRIC_NAMES, SMALL, metricValue, samplesPerStep, stepCommit, tempStore } from '../../support/store.ts';
import { codError } from '../../support/errors.ts';

let path: string;
let store: RunStore;
let runId: string;
beforeEach(() => ({ path, store, runId } = tempStore({ lease: true })));
afterEach(() => store.close());

/** Row counts straight from the file through a second connection (what another process would see). */
function countsAt(step: number): { steps: number; metrics: number; lifecycles: number; samples: number } {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const n = (sql: string): number => Number(db.prepare(sql).get(runId, step)?.n);
    return {
      steps: n('SELECT count(*) AS n FROM steps WHERE run_id = ? AND step = ?'),
      metrics: n(
        'SELECT count(*) AS n FROM metrics m JOIN metric_series s ON s.id = m.series_id WHERE s.run_id = ? AND m.step = ?',
      ),
      lifecycles: n('SELECT count(*) AS n FROM lifecycles WHERE run_id = ? AND step = ?'),
      samples: n(
        'SELECT count(*) AS n FROM samples x JOIN lifecycles l ON l.id = x.lifecycle_id WHERE l.run_id = ? AND l.step = ?',
      ),
    };
  } finally {
    db.close();
  }
}

const FULL_STEP = {
  steps: 1,
  metrics: METRIC_NAMES.length,
  lifecycles: SMALL.lifecycles,
  samples: samplesPerStep(SMALL),
};
const NOTHING = { steps: 0, metrics: 0, lifecycles: 0, samples: 0 };

describe('commitStep', () => {
  it('stores the whole step: step row with timing, metrics, lifecycles, samples', () => {
    store.commitStep(runId, 0, stepCommit(0));
    expect(countsAt(0)).toEqual(FULL_STEP);
    expect(store.listSteps(runId)).toEqual([
      {
        runId,
        step: 0,
        policyVersion: 0,
        timing: { rolloutS: 1.5, trainS: 0.5, idleS: 0.25 },
        committedAt: expect.any(Number),
      },
    ]);
  });

  it('is atomic: a failure midway (after metrics and a lifecycle were written) leaves nothing of the step', () => {
    store.commitStep(runId, 0, stepCommit(0));
    const bad = stepCommit(1);
    // The second lifecycle reuses an id already stored at step 0: found only while inserting, after the step row,
    // the metrics and the first lifecycle with its samples were written.
    const clash = { ...bad.lifecycles![1], id: 's0-l0' };
    const data: StepCommit = {
      ...bad,
      lifecycles: [bad.lifecycles![0], clash],
      samples: bad.samples!.map((s) => (s.lifecycleId === 's1-l1' ? { ...s, lifecycleId: 's0-l0' } : s)),
    };
    const e = codError(() => store.commitStep(runId, 1, data));
    expect(e.code).toBe('bad_input');
    expect(e.message).toMatch(/s0-l0.*already stored at step 0/);
    expect(countsAt(1)).toEqual(NOTHING);
    expect(countsAt(0)).toEqual(FULL_STEP);
    expect(store.listMetricNames(runId)).toEqual([...METRIC_NAMES].sort());
    expect(store.getRun(runId).lastStep).toBe(0);
    // The same step commits fine once the input is right.
    store.commitStep(runId, 1, stepCommit(1));
    expect(countsAt(1)).toEqual(FULL_STEP);
  });

  it('refuses a step that is not after the last committed one (no duplicates on resume)', () => {
    store.commitStep(runId, 0, stepCommit(0));
    store.commitStep(runId, 1, stepCommit(1));
    const e = codError(() => store.commitStep(runId, 1, stepCommit(1)));
    expect(e.code).toBe('conflict');
    expect(e.message).toMatch(/truncateAfter\(0\)/);
    expect(codError(() => store.commitStep(runId, 0, stepCommit(0))).code).toBe('conflict');
    expect(countsAt(1)).toEqual(FULL_STEP);
  });

  it('needs the run lease held by this handle', () => {
    const reader = openStore(path);
    try {
      const e = codError(() => reader.commitStep(runId, 0, stepCommit(0)));
      expect(e.code).toBe('conflict');
      expect(e.message).toMatch(/lease/);
    } finally {
      reader.close();
    }
    store.releaseRunLease(runId);
    expect(codError(() => store.commitStep(runId, 0, stepCommit(0))).code).toBe('conflict');
    expect(countsAt(0)).toEqual(NOTHING);
  });

  it('rejects bad input before writing, naming the field', () => {
    const good = stepCommit(0);
    const cases: [StepCommit, string][] = [
      [{ ...good, policyVersion: -1 }, 'commitStep(0).policyVersion'],
      [{ ...good, timing: { ...good.timing, trainS: Number.NaN } }, 'commitStep(0).timing.trainS'],
      [{ ...good, metrics: { loss: 'x' as unknown as number } }, 'commitStep(0).metrics.loss'],
      [{ ...good, samples: [{ ...good.samples![0], lifecycleId: 'ghost' }] }, 'commitStep(0).samples[0].lifecycleId'],
      [{ ...good, samples: [{ ...good.samples![0], promptIds: [1.5] }] }, 'commitStep(0).samples[0].promptIds[0]'],
      [{ ...good, samples: [{ ...good.samples![0], logprobs: [0] }] }, 'commitStep(0).samples[0].logprobs'],
      [{ ...good, lifecycles: [{ ...good.lifecycles![0], split: 'eval' }] }, 'commitStep(0).lifecycles[0].suite'],
      [{ ...good, lifecycles: [good.lifecycles![0], good.lifecycles![0]] }, 'commitStep(0).lifecycles[1].id'],
    ];
    for (const [data, where] of cases) {
      const e = codError(() => store.commitStep(runId, 0, data));
      expect(e.code, where).toBe('bad_input');
      expect(e.where).toBe(where);
    }
    expect(codError(() => store.commitStep(runId, -1, good)).code).toBe('bad_input');
    expect(codError(() => store.commitStep(runId, 2 ** 31, good)).code).toBe('bad_input');
    expect(codError(() => store.commitStep('nope', 0, good)).code).toBe('not_found');
    expect(countsAt(0)).toEqual(NOTHING);
  });

  it('accepts a step with no lifecycles or metrics', () => {
    store.commitStep(runId, 0, { timing: { rolloutS: 0, trainS: 0, idleS: 0 }, policyVersion: 0 });
    expect(countsAt(0)).toEqual({ ...NOTHING, steps: 1 });
  });
});

describe('commitSteps', () => {
  it('writes a batch of steps all or nothing, announcing each table once with the highest step', () => {
    const events: string[] = [];
    store.onRows((e) => events.push(`${e.table}@${e.step}`));
    store.commitSteps(
      runId,
      [0, 1, 2].map((step) => ({ step, data: stepCommit(step) })),
    );
    for (const s of [0, 1, 2]) expect(countsAt(s)).toEqual(FULL_STEP);
    expect(events.sort()).toEqual(['lifecycles@2', 'metrics@2', 'samples@2', 'steps@2']);
    // Step 4 clashes with step 3 in the same batch (not after it): nothing of 3 or 4 stays.
    const e = codError(() =>
      store.commitSteps(runId, [
        { step: 4, data: stepCommit(4) },
        { step: 3, data: stepCommit(3) },
      ]),
    );
    expect(e.code).toBe('conflict');
    expect(countsAt(3)).toEqual(NOTHING);
    expect(countsAt(4)).toEqual(NOTHING);
    expect(
      codError(() => store.commitSteps(runId, [{ step: 3, data: { ...stepCommit(3), policyVersion: 0.5 } }])).where,
    ).toBe('commitStep(3).policyVersion');
  });
});

describe('truncateAfter', () => {
  it('removes every row of the later steps in one go and lets them be committed again without duplicates', () => {
    for (let s = 0; s < 5; s++) store.commitStep(runId, s, stepCommit(s));
    store.addCheckpoint(runId, { step: 2, path: '/ck/2', sha256: 'a'.repeat(64) });
    store.addCheckpoint(runId, { step: 4, path: '/ck/4', sha256: 'b'.repeat(64) });
    const removed = store.truncateAfter(runId, 2);
    expect(removed).toEqual({
      steps: 2,
      metrics: 2 * METRIC_NAMES.length,
      lifecycles: 2 * SMALL.lifecycles,
      checkpoints: 1,
    });
    for (const s of [3, 4]) expect(countsAt(s)).toEqual(NOTHING);
    for (const s of [0, 1, 2]) expect(countsAt(s)).toEqual(FULL_STEP);
    expect(store.latestCheckpoint(runId)?.step).toBe(2);
    // Resume: steps 3.. are committed again; each appears once.
    store.commitStep(runId, 3, stepCommit(3));
    const loss = store.getSeries(runId, ['loss']).loss;
    expect(Array.from(loss.steps)).toEqual([0, 1, 2, 3]);
    expect(Array.from(loss.values)).toEqual([0, 1, 2, 3].map((s) => metricValue(s, 0)));
    expect(store.checkIntegrity()).toEqual([]);
  });

  it('after -1 removes every step; it needs the lease', () => {
    store.commitStep(runId, 0, stepCommit(0));
    expect(store.truncateAfter(runId, -1).steps).toBe(1);
    expect(store.getRun(runId).lastStep).toBeNull();
    store.releaseRunLease(runId);
    expect(codError(() => store.truncateAfter(runId, 0)).code).toBe('conflict');
    expect(codError(() => store.truncateAfter(runId, -2)).code).toBe('bad_input');
  });
});
