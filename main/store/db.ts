/**
 * Opening the store file: refuse anything that is not a CoD run store before touching it (so a wrong path is never
 * overwritten), then WAL + synchronous=FULL + foreign keys, then forward migrations.
 */
import { mkdirSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { LIMITS } from '../base/budget.ts';
import { CodError } from '../base/errors.ts';
import { checkNotNewer, migrate, readUserVersion } from './migrate.ts';
import { APPLICATION_ID } from './schema.ts';
import { toCodError } from './sqlite-errors.ts';
import type { RowsEvent } from './types.ts';

export interface OpenStoreOptions {
  /** How long a write waits for another process's write transaction before failing (default 5000 ms). */
  readonly busyTimeoutMs?: number;
  /** Size quota for the store file; writes past it fail like a full disk (CodError 'io'), nothing partial kept. */
  readonly maxBytes?: number;
  /** How much of the change feed this handle's writes keep (default LIMITS.changeFeedKeep / changeFeedKeepMs). */
  readonly changeFeed?: ChangeFeedRetention;
}

/** Feed rows are pruned once they are both older than `keepMs` and not among the newest `keep`. */
export interface ChangeFeedRetention {
  readonly keep: number;
  readonly keepMs: number;
}

/** The open connection plus what every store module needs next to it. */
export interface StoreDb {
  readonly db: DatabaseSync;
  readonly path: string;
  inTransaction: boolean;
  /** Called with the changes of each committed write transaction (wired to the in-process event emitter). */
  afterCommit: (events: RowsEvent[]) => void;
  /** A prepared statement, prepared once per connection and reused. */
  stmt(sql: string): StatementSync;
  /** The change feed's retention, and the feed version this handle last pruned at (changes.ts). */
  readonly feed: ChangeFeedRetention & { prunedAt: number };
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\u0000', 'latin1');

function checkFileBeforeOpen(path: string): void {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new CodError('bad_input', 'not a run store file (it is a directory or device)', path);
    size = st.size;
  } catch (e) {
    if (e instanceof CodError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      mkdirSync(dirname(path), { recursive: true });
      return;
    }
    throw new CodError('io', `cannot read the run store file (${(e as Error).message})`, path);
  }
  if (size === 0) return; // An empty file is an empty database: it becomes a new store.
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(SQLITE_HEADER)) {
    throw new CodError('bad_input', 'not a SQLite database (wrong file header); the file was left unchanged', path);
  }
}

function pragmaNumber(db: DatabaseSync, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get();
  return Number(row?.[name] ?? 0);
}

/** Refuse another application's SQLite file: it must be fresh or stamped with our application id. */
function checkIsRunStore(db: DatabaseSync, path: string): void {
  // One read transaction: read one by one, another process's first migration could commit between the reads, and
  // a store caught half before and half after it (no application id yet, tables already) looked like a stranger.
  let appId: number;
  let version: number;
  let tables: number;
  db.exec('BEGIN');
  try {
    appId = pragmaNumber(db, 'application_id');
    version = readUserVersion(db);
    tables = Number(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get()?.n ?? 0);
  } finally {
    db.exec('COMMIT');
  }
  const fresh = appId === 0 && version === 0 && tables === 0;
  if (!fresh && appId !== APPLICATION_ID) {
    throw new CodError('bad_input', 'a SQLite database but not a CoD run store; the file was left unchanged', path);
  }
}

export function openDatabase(file: string, opts: OpenStoreOptions = {}): StoreDb {
  if (typeof file !== 'string' || file.length === 0 || file === ':memory:' || file.startsWith('file:')) {
    throw new CodError('bad_input', 'the run store needs a plain file path', String(file));
  }
  const path = resolve(file);
  checkFileBeforeOpen(path);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path, { timeout: opts.busyTimeoutMs ?? 5000, enableForeignKeyConstraints: true });
  } catch (e) {
    throw toCodError(e, path, 'opening the run store');
  }
  try {
    checkIsRunStore(db, path);
    checkNotNewer(db, path); // before switching to WAL, which writes
    const mode = db.prepare('PRAGMA journal_mode = WAL').get()?.journal_mode;
    if (mode !== 'wal') throw new CodError('io', `cannot switch the run store to WAL mode (got ${mode})`, path);
    // FULL: a commit is on disk when commitStep returns; commits are per training step, so the fsync is cheap.
    db.exec('PRAGMA synchronous = FULL');
    db.exec('PRAGMA foreign_keys = ON');
    migrate(db, path);
    if (opts.maxBytes !== undefined) setMaxBytes(db, path, opts.maxBytes);
  } catch (e) {
    db.close();
    throw toCodError(e, path, 'opening the run store');
  }
  const cache = new Map<string, StatementSync>();
  return {
    db,
    path,
    inTransaction: false,
    afterCommit: () => {},
    feed: {
      keep: opts.changeFeed?.keep ?? LIMITS.changeFeedKeep,
      keepMs: opts.changeFeed?.keepMs ?? LIMITS.changeFeedKeepMs,
      prunedAt: -Infinity,
    },
    stmt(sql) {
      let s = cache.get(sql);
      if (!s) {
        s = db.prepare(sql);
        cache.set(sql, s);
      }
      return s;
    },
  };
}

function setMaxBytes(db: DatabaseSync, path: string, maxBytes: number): void {
  if (!Number.isFinite(maxBytes) || maxBytes <= 0) {
    throw new CodError('bad_input', `maxBytes must be a positive number, got ${maxBytes}`, path);
  }
  const pageSize = pragmaNumber(db, 'page_size');
  // SQLite never sets the limit below the current size; the store then simply cannot grow.
  db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(maxBytes / pageSize))}`);
}
