import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { openStore, type RunStore } from '../../../main/store/index.ts';
import type { NewRun } from '../../../main/store/types.ts';
import { newRunIn, stepCommit, tempStorePath } from '../../support/store.ts';
import { codeOf } from '../../support/errors.ts';

let store: RunStore;
let path: string;
beforeEach(() => {
  path = tempStorePath();
  store = openStore(path);
});
afterEach(() => store.close());

const base: NewRun = { name: 'r', config: { a: [1, 2] }, seeds: [7, 'abc'], codeVersion: '0.1.0', runDir: '/runs/r' };

describe('runs', () => {
  it('creates a run with a short id and returns it as stored', () => {
    const run = store.createRun(base);
    expect(run.id).toMatch(/^[a-z2-7]{8}$/);
    expect(run).toMatchObject({
      name: 'r',
      status: 'created',
      config: { a: [1, 2] },
      seeds: [7, 'abc'],
      codeVersion: '0.1.0',
      runDir: '/runs/r',
      lastError: null,
      lastStep: null,
      lease: null,
    });
    expect(store.getRun(run.id)).toEqual(run);
  });

  it('accepts a caller-chosen id once; a second run with it is a conflict', () => {
    expect(store.createRun({ ...base, id: 'imported-1' }).id).toBe('imported-1');
    expect(codeOf(() => store.createRun({ ...base, id: 'imported-1' }))).toBe('conflict');
  });

  it('lists runs newest first, optionally by status', async () => {
    const a = newRunIn(store, 'a');
    await new Promise((r) => setTimeout(r, 5));
    const b = newRunIn(store, 'b');
    expect(store.listRuns().map((r) => r.id)).toEqual([b, a]);
    store.setRunStatus(a, 'failed', 'out of memory');
    expect(store.listRuns({ status: 'failed' }).map((r) => r.id)).toEqual([a]);
  });

  it('reports the last committed step and the lease holder', () => {
    const id = newRunIn(store);
    store.acquireRunLease(id);
    store.commitStep(id, 0, stepCommit(0));
    store.commitStep(id, 3, stepCommit(3));
    const run = store.getRun(id);
    expect(run.lastStep).toBe(3);
    expect(run.lease).toMatchObject({ pid: process.pid, stale: false });
  });

  it('sets status and last error; null clears the error; never back to created', () => {
    const id = newRunIn(store);
    store.setRunStatus(id, 'running');
    store.setRunStatus(id, 'failed', 'NaN loss at step 12');
    expect(store.getRun(id)).toMatchObject({ status: 'failed', lastError: 'NaN loss at step 12' });
    store.setRunStatus(id, 'running');
    expect(store.getRun(id).lastError).toBe('NaN loss at step 12');
    store.setRunStatus(id, 'running', null);
    expect(store.getRun(id).lastError).toBeNull();
    expect(codeOf(() => store.setRunStatus(id, 'created'))).toBe('bad_input');
    expect(codeOf(() => store.setRunStatus(id, 'paused' as 'running'))).toBe('bad_input');
  });

  it('lets only the live lease holder change the status', () => {
    const id = newRunIn(store);
    const other = openStore(path);
    try {
      other.acquireRunLease(id);
      expect(codeOf(() => store.setRunStatus(id, 'finished'))).toBe('conflict');
      other.setRunStatus(id, 'running');
      expect(store.getRun(id).status).toBe('running');
    } finally {
      other.close();
    }
  });

  it('rejects bad run input with bad_input naming the field, and unknown runs with not_found', () => {
    const cases: [Partial<NewRun>, string][] = [
      [{ name: '' }, 'createRun.name'],
      [{ config: [] as unknown as NewRun['config'] }, 'createRun.config'],
      [{ seeds: [Number.NaN] }, 'createRun.seeds[0]'],
      [{ id: 'Has Spaces' }, 'createRun.id'],
      [{ codeVersion: 7 as unknown as string }, 'createRun.codeVersion'],
    ];
    for (const [patch, where] of cases) {
      try {
        store.createRun({ ...base, ...patch });
        throw new Error('accepted bad input');
      } catch (e) {
        expect(e).toBeInstanceOf(CodError);
        expect((e as CodError).code).toBe('bad_input');
        expect((e as CodError).where).toBe(where);
      }
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(codeOf(() => store.createRun({ ...base, config: cyclic as NewRun['config'] }))).toBe('bad_input');
    expect(store.listRuns()).toEqual([]);
    expect(codeOf(() => store.getRun('nope'))).toBe('not_found');
    expect(codeOf(() => store.getRun('../etc'))).toBe('bad_input');
  });
});
