import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { type RunStore } from '../../../main/store/index.ts';
import { newRunIn, tempStore } from '../../support/store.ts';

let store: RunStore;
let runId: string;
const timing = { rolloutS: 0, trainS: 0, idleS: 0 };
beforeEach(() => ({ store, runId } = tempStore({ lease: true })));
afterEach(() => store.close());

describe('getSeries', () => {
  it('returns typed arrays per name, in step order, with wall times; unknown names give empty series', () => {
    for (let s = 0; s < 10; s++) {
      store.commitStep(runId, s, {
        timing,
        policyVersion: s,
        metrics: s % 2 === 0 ? { loss: 1 / (s + 1), kl: s } : { loss: 1 / (s + 1) },
        wallTime: 1_000_000 + s,
      });
    }
    const got = store.getSeries(runId, ['loss', 'kl', 'never']);
    expect(got.loss.steps).toBeInstanceOf(Int32Array);
    expect(got.loss.values).toBeInstanceOf(Float64Array);
    expect(Array.from(got.loss.steps)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(got.loss.values)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => 1 / (s + 1)));
    expect(Array.from(got.loss.wallTimes)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((s) => 1_000_000 + s));
    expect(Array.from(got.kl.steps)).toEqual([0, 2, 4, 6, 8]);
    expect(got.never.steps.length).toBe(0);
    expect(store.listMetricNames(runId)).toEqual(['kl', 'loss']);
  });

  it('reads a step window with fromStep / toStep', () => {
    for (let s = 0; s < 20; s++) store.commitStep(runId, s, { timing, policyVersion: 0, metrics: { r: s } });
    expect(Array.from(store.getSeries(runId, ['r'], { fromStep: 15 }).r.values)).toEqual([15, 16, 17, 18, 19]);
    expect(Array.from(store.getSeries(runId, ['r'], { fromStep: 3, toStep: 5 }).r.steps)).toEqual([3, 4, 5]);
  });

  it('keeps NaN and infinities (a diverged loss is data too)', () => {
    store.commitStep(runId, 0, {
      timing,
      policyVersion: 0,
      metrics: { loss: Number.NaN, grad: Infinity, m: -Infinity },
    });
    const got = store.getSeries(runId, ['loss', 'grad', 'm']);
    expect(got.loss.values[0]).toBeNaN();
    expect(got.grad.values[0]).toBe(Infinity);
    expect(got.m.values[0]).toBe(-Infinity);
  });

  it("keeps one run's series apart from another's", () => {
    const other = newRunIn(store);
    store.acquireRunLease(other);
    store.commitStep(runId, 0, { timing, policyVersion: 0, metrics: { loss: 1 } });
    store.commitStep(other, 0, { timing, policyVersion: 0, metrics: { loss: 2 } });
    expect(Array.from(store.getSeries(other, ['loss']).loss.values)).toEqual([2]);
    expect(Array.from(store.getSeries(runId, ['loss']).loss.values)).toEqual([1]);
  });

  it('rejects bad queries', () => {
    const code = (fn: () => unknown): string => {
      try {
        fn();
        return 'no error';
      } catch (e) {
        return e instanceof CodError ? e.code : 'other';
      }
    };
    expect(code(() => store.getSeries(runId, ['loss'], { fromStep: -1 }))).toBe('bad_input');
    expect(code(() => store.getSeries(runId, [''], {}))).toBe('bad_input');
    expect(code(() => store.getSeries(runId, 'loss' as unknown as string[]))).toBe('bad_input');
    expect(code(() => store.getSeries('missing', ['loss']))).toBe('not_found');
  });
});
