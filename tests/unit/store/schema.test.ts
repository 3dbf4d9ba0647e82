import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { beforeEach, describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { openStore, SCHEMA_VERSION } from '../../../main/store/index.ts';
import { migrate, readUserVersion } from '../../../main/store/migrate.ts';
import { APPLICATION_ID, MIGRATIONS } from '../../../main/store/schema.ts';
import { newRunIn, stepCommit } from '../../support/store.ts';
import { tempDir } from '../../support/temp.ts';
import { codError } from '../../support/errors.ts';

let dir: string;
beforeEach(() => (dir = tempDir('store')));

describe('opening a store', () => {
  it('creates a fresh store at the latest schema, in WAL mode, stamped as a CoD store, in a new folder', () => {
    const path = join(dir, 'nested', 'deeper', 'runs.db');
    openStore(path).close();
    const db = new DatabaseSync(path, { readOnly: true });
    expect(readUserVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare('PRAGMA application_id').get()?.application_id).toBe(APPLICATION_ID);
    expect(db.prepare('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all()
      .map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining([
        'runs',
        'run_leases',
        'steps',
        'metric_series',
        'metrics',
        'lifecycles',
        'samples',
        'checkpoints',
        'changes',
      ]),
    );
    db.close();
  });

  it('reopens an existing store and keeps its rows', () => {
    const path = join(dir, 'runs.db');
    const a = openStore(path);
    const runId = newRunIn(a);
    a.close();
    const b = openStore(path);
    expect(b.getRun(runId).name).toBe('test run');
    b.close();
  });

  it('turns an empty file into a store', () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    const s = openStore(path);
    expect(s.listRuns()).toEqual([]);
    s.close();
  });

  it('refuses a non-SQLite file with bad_input naming the path, leaving it byte for byte unchanged', () => {
    const path = join(dir, 'notes.db');
    const bytes = Buffer.from('these are my notes, not a database\n'.repeat(200));
    writeFileSync(path, bytes);
    const e = codError(() => openStore(path));
    expect(e.code).toBe('bad_input');
    expect(e.where).toBe(path);
    expect(e.message).toContain(path);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('refuses a file with a SQLite header but garbage pages, leaving it unchanged', () => {
    const path = join(dir, 'garbled.db');
    const bytes = Buffer.alloc(8192, 0xab);
    Buffer.from('SQLite format 3\u0000', 'latin1').copy(bytes);
    writeFileSync(path, bytes);
    const e = codError(() => openStore(path));
    expect(e.code).toBe('bad_input');
    expect(e.message).toContain(path);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('reports a store whose pages were damaged on disk as bad_input naming the path', () => {
    const path = join(dir, 'damaged.db');
    const s = openStore(path);
    const runId = newRunIn(s);
    s.acquireRunLease(runId);
    for (let i = 0; i < 10; i++) s.commitStep(runId, i, stepCommit(i, { lifecycles: 8, turns: 3, tokensPerTurn: 100 }));
    s.close();
    const bytes = readFileSync(path);
    for (let page = 10; page * 4096 < bytes.length; page += 3) bytes.fill(0x5a, page * 4096, (page + 1) * 4096);
    writeFileSync(path, bytes);
    const damaged = openStore(path);
    try {
      const e = codError(() => damaged.listLifecycles(runId));
      expect(e.code).toBe('bad_input');
      expect(e.message).toMatch(/damaged/);
      expect(e.where).toBe(path);
      let findings: string[] = [];
      const thrown = (() => {
        try {
          findings = damaged.checkIntegrity();
          return null;
        } catch (err) {
          return err;
        }
      })();
      expect(thrown === null ? findings.length > 0 : (thrown as CodError).code === 'bad_input').toBe(true);
    } finally {
      damaged.close();
    }
  });

  it("refuses another application's SQLite database instead of migrating into it", () => {
    const path = join(dir, 'other.db');
    const other = new DatabaseSync(path);
    other.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('ada')");
    other.close();
    const before = readFileSync(path);
    const e = codError(() => openStore(path));
    expect(e.code).toBe('bad_input');
    expect(e.message).toMatch(/not a CoD run store/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('refuses a directory and a non-file path', () => {
    const sub = join(dir, 'adir');
    mkdirSync(sub);
    expect(codError(() => openStore(sub)).code).toBe('bad_input');
    expect(codError(() => openStore(':memory:')).code).toBe('bad_input');
  });

  it('refuses a store from a newer schema version without downgrading it', () => {
    const path = join(dir, 'future.db');
    const s = openStore(path);
    newRunIn(s);
    s.close();
    const db = new DatabaseSync(path);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 3}`);
    db.close();
    const e = codError(() => openStore(path));
    expect(e.code).toBe('unsupported');
    expect(e.message).toMatch(new RegExp(`schema version ${SCHEMA_VERSION + 3}.*newer`));
    const after = new DatabaseSync(path, { readOnly: true });
    expect(readUserVersion(after)).toBe(SCHEMA_VERSION + 3);
    expect(after.prepare('SELECT count(*) AS n FROM runs').get()?.n).toBe(1);
    after.close();
  });
});

describe('migrations', () => {
  const NEXT = MIGRATIONS.length + 1;
  const V2 = {
    version: NEXT,
    sql: "ALTER TABLE runs ADD COLUMN later TEXT NOT NULL DEFAULT ''; CREATE INDEX runs_by_name ON runs (name);",
  };

  it('applies later migrations forward, keeping existing rows', () => {
    const path = join(dir, 'm.db');
    const s = openStore(path);
    const runId = newRunIn(s);
    s.close();
    const db = new DatabaseSync(path);
    expect(migrate(db, path, [...MIGRATIONS, V2])).toBe(NEXT - 1);
    expect(readUserVersion(db)).toBe(NEXT);
    expect(db.prepare('SELECT id, later FROM runs').get()).toEqual({ id: runId, later: '' });
    // Already current: nothing to do.
    expect(migrate(db, path, [...MIGRATIONS, V2])).toBe(NEXT);
    db.close();
  });

  it('rolls a failing migration back completely, leaving the previous version', () => {
    const path = join(dir, 'm.db');
    const s = openStore(path);
    newRunIn(s);
    s.close();
    const db = new DatabaseSync(path);
    const broken = { version: NEXT, sql: 'CREATE TABLE extra (x INTEGER); INSERT INTO no_such_table VALUES (1);' };
    let err: unknown;
    try {
      migrate(db, path, [...MIGRATIONS, broken]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CodError);
    expect((err as CodError).message).toMatch(new RegExp(`schema version ${NEXT}`));
    expect(readUserVersion(db)).toBe(NEXT - 1);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'extra'").get()?.n).toBe(0);
    expect(db.prepare('SELECT count(*) AS n FROM runs').get()?.n).toBe(1);
    db.close();
  });

  it("version 2 adds each sample's feedback; rows stored at version 1 read it as null and stay whole", () => {
    const path = join(dir, 'v1.db');
    const s = openStore(path);
    const runId = newRunIn(s);
    s.acquireRunLease(runId);
    s.commitStep(runId, 1, stepCommit(1));
    s.close();
    // The version-1 schema is today's without what versions 2 and 3 added: make the store what version 1 wrote.
    const db = new DatabaseSync(path);
    db.exec(
      'ALTER TABLE samples DROP COLUMN feedback; ALTER TABLE runs DROP COLUMN tags; ALTER TABLE runs DROP COLUMN notes; ' +
        'DROP TABLE comparisons; PRAGMA user_version = 1',
    );
    db.close();
    const after = openStore(path);
    try {
      const l = after.listLifecycles(runId)[0];
      const samples = after.getLifecycle(l.id).samples;
      expect(samples.length).toBeGreaterThan(0);
      expect(samples.every((x) => x.feedback === null)).toBe(true);
      expect(samples[0].response).toBe('<answer>move 0</answer>');
      after.acquireRunLease(runId);
      after.commitStep(runId, 2, stepCommit(2));
      const fresh = after.getLifecycle(after.listLifecycles(runId, { step: 2 })[0].id).samples;
      expect(fresh.find((x) => x.kind === 'solve')?.feedback).toBe('reached the goal');
    } finally {
      after.close();
    }
  });

  it('numbers migrations 1..n', () => {
    MIGRATIONS.forEach((m, i) => expect(m.version).toBe(i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });
});
