/**
 * Turns SQLite failures into one clear CodError. node:sqlite throws Errors with `errcode` (the SQLite primary
 * or extended result code) and `errstr`; only the primary code (low byte) decides what the user is told.
 */
import type { DatabaseSync } from 'node:sqlite';
import { CodError } from '../base/errors.ts';

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_CANTOPEN = 14;
const SQLITE_CONSTRAINT = 19;
const SQLITE_NOTADB = 26;

export function sqliteCode(e: unknown): number | undefined {
  if (e instanceof Error && 'errcode' in e && typeof e.errcode === 'number') return e.errcode & 0xff;
  return undefined;
}

/** Map any error raised while the store talked to SQLite; CodErrors pass through unchanged. */
export function toCodError(e: unknown, path: string, doing: string): CodError {
  if (e instanceof CodError) return e;
  const code = sqliteCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  switch (code) {
    case SQLITE_FULL:
      return new CodError('io', `disk full while ${doing}; nothing of it was written (${detail})`, path);
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return new CodError('io', `cannot write the run store while ${doing} (${detail})`, path);
    case SQLITE_NOTADB:
      return new CodError('bad_input', `not a SQLite database (${detail})`, path);
    case SQLITE_CORRUPT:
      return new CodError('bad_input', `the run store file is damaged (${detail}) while ${doing}`, path);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return new CodError('conflict', `run store busy: another process held it too long while ${doing}`, path);
    case SQLITE_CONSTRAINT:
      return new CodError('bad_input', `rejected while ${doing}: ${detail}`, path);
    default:
      return new CodError('internal', `run store failed while ${doing}: ${detail}`, path);
  }
}

/** Ends a failed transaction; one SQLite already rolled back is fine. */
export function rollbackQuietly(db: DatabaseSync): void {
  try {
    db.exec('ROLLBACK');
  } catch {
    // "no transaction is active": SQLite already rolled back (it does so itself on SQLITE_FULL).
  }
}
