/** Schema version 2: a run's name, tags and notes, the comparison history, and stores written at version 1. */
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { beforeEach, describe, expect, it } from 'vitest';
import { openStore, SCHEMA_VERSION, type ComparisonRecord } from '../../../main/store/index.ts';
import { migrate, readUserVersion } from '../../../main/store/migrate.ts';
import { APPLICATION_ID, MIGRATIONS } from '../../../main/store/schema.ts';
import { codError } from '../../support/errors.ts';
import { newRunIn } from '../../support/store.ts';
import { tempDir } from '../../support/temp.ts';

let dir: string;
beforeEach(() => (dir = tempDir('store')));

const comparison = (id: string, createdAt: number, over: Partial<ComparisonRecord> = {}): ComparisonRecord => ({
  id,
  createdAt,
  endedAt: createdAt + 1000,
  state: 'done',
  label: `builtin vs run@5 on heldout (${id})`,
  spec: { a: { kind: 'builtin' }, b: { kind: 'checkpoint', runId: 'abc', step: 5 }, suite: 'heldout' },
  result: { suite: 'heldout', delta: [] },
  error: null,
  ...over,
});

describe('a run store written by the first schema', () => {
  it('opens with its runs intact, gaining empty tags and notes and an empty comparison history', () => {
    const path = join(dir, 'v1.db');
    // A version-1 store exactly as the first workbench made it (its one migration, then a run row).
    const db = new DatabaseSync(path);
    db.exec('PRAGMA journal_mode = WAL');
    migrate(db, path, MIGRATIONS.slice(0, 1));
    expect(readUserVersion(db)).toBe(1);
    db.prepare(
      `INSERT INTO runs (id, name, created_at, updated_at, status, config, seeds, code_version, run_dir)
       VALUES ('old1', 'an old run', 1, 2, 'finished', '{"lr":1}', '[0]', 'v0', '/tmp/old')`,
    ).run();
    db.close();

    const store = openStore(path);
    const run = store.getRun('old1');
    expect(run).toMatchObject({ name: 'an old run', status: 'finished', config: { lr: 1 }, tags: [], notes: '' });
    expect(store.listComparisons()).toEqual([]);
    store.close();
    const after = new DatabaseSync(path, { readOnly: true });
    expect(readUserVersion(after)).toBe(SCHEMA_VERSION);
    expect(after.prepare('PRAGMA application_id').get()?.application_id).toBe(APPLICATION_ID);
    after.close();
  });
});

describe('name, tags and notes of a run', () => {
  it('are stored, announced as a runs update, and kept while a trainer holds the lease', () => {
    const store = openStore(join(dir, 'r.db'));
    const id = newRunIn(store);
    store.acquireRunLease(id); // a trainer is running: editing the label is still allowed
    const heard: string[] = [];
    store.onRows((e) => heard.push(`${e.table}:${e.op}`));
    const r = store.updateRunInfo(id, {
      name: '  lr sweep 3e-4 ',
      tags: ['sweep', 'lr', 'sweep', ' cpu '],
      notes: 'diverged at 60',
    });
    expect(r).toMatchObject({ name: 'lr sweep 3e-4', tags: ['sweep', 'lr', 'cpu'], notes: 'diverged at 60' });
    expect(heard).toEqual(['runs:update']);
    // A partial edit leaves the rest.
    expect(store.updateRunInfo(id, { notes: '' })).toMatchObject({
      name: 'lr sweep 3e-4',
      tags: ['sweep', 'lr', 'cpu'],
      notes: '',
    });
    expect(store.listRuns()[0].tags).toEqual(['sweep', 'lr', 'cpu']);
    store.close();
  });

  it('refuses bad input with one error naming the field, and changes nothing', () => {
    const store = openStore(join(dir, 'r.db'));
    const id = newRunIn(store);
    store.updateRunInfo(id, { tags: ['keep'] });
    expect(codError(() => store.updateRunInfo(id, { name: '' })).where).toBe('updateRunInfo.name');
    expect(codError(() => store.updateRunInfo(id, { tags: ['a,b'] })).message).toMatch(/comma/);
    expect(codError(() => store.updateRunInfo(id, { tags: ['x'.repeat(41)] })).message).toMatch(/longer than 40/);
    expect(
      codError(() => store.updateRunInfo(id, { tags: Array.from({ length: 33 }, (_, i) => `t${i}`) })).message,
    ).toMatch(/at most 32 tags/);
    expect(codError(() => store.updateRunInfo(id, { name: 'ok', tags: ['bad\u0001'] })).where).toBe(
      'updateRunInfo.tags[0]',
    );
    expect(codError(() => store.updateRunInfo('nosuch', { notes: 'x' })).code).toBe('not_found');
    expect(store.getRun(id)).toMatchObject({ name: 'test run', tags: ['keep'], notes: '' });
    store.close();
  });
});

describe('the comparison history', () => {
  it('keeps finished comparisons newest first, reads one back, deletes one', () => {
    const path = join(dir, 'c.db');
    const store = openStore(path);
    store.addComparison(comparison('cmp-1', 1000));
    store.addComparison(comparison('cmp-2', 2000, { state: 'stopped', result: null, error: 'cancelled' }));
    store.addComparison(comparison('cmp-3', 3000, { state: 'failed', result: null, error: 'B has no config.json' }));
    expect(store.listComparisons().map((c) => c.id)).toEqual(['cmp-3', 'cmp-2', 'cmp-1']);
    expect(store.listComparisons(1).map((c) => c.id)).toEqual(['cmp-3']);
    store.close();
    // Another process (a reopened store) reads the same.
    const again = openStore(path);
    expect(again.getComparison('cmp-1')).toEqual(comparison('cmp-1', 1000));
    expect(again.getComparison('cmp-2')).toMatchObject({ state: 'stopped', result: null, error: 'cancelled' });
    expect(again.deleteComparison('cmp-1')).toBe(true);
    expect(again.deleteComparison('cmp-1')).toBe(false);
    expect(codError(() => again.getComparison('cmp-1')).code).toBe('not_found');
    again.close();
  });

  it('refuses a malformed record and stores nothing', () => {
    const store = openStore(join(dir, 'c.db'));
    expect(codError(() => store.addComparison(comparison('../x', 1))).where).toBe('addComparison.id');
    expect(codError(() => store.addComparison(comparison('c1', 1, { state: 'running' as 'done' }))).where).toBe(
      'addComparison.state',
    );
    expect(
      codError(() => store.addComparison(comparison('c2', 1, { spec: [] as unknown as ComparisonRecord['spec'] })))
        .where,
    ).toBe('addComparison.spec');
    expect(store.listComparisons()).toEqual([]);
    store.close();
  });
});
