/**
 * Forward-only schema migrations. Each migration runs in its own IMMEDIATE transaction together with the
 * user_version bump, so a failed or interrupted migration leaves the store at the previous version, and two
 * processes opening a fresh store at once migrate it exactly once. A store from a newer schema is refused, never
 * downgraded.
 */
import type { DatabaseSync } from 'node:sqlite';
import { CodError } from '../base/errors.ts';
import { MIGRATIONS, type Migration } from './schema.ts';
import { rollbackQuietly, toCodError } from './sqlite-errors.ts';

export function readUserVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get();
  return Number(row?.user_version ?? 0);
}

function checkMigrationList(migrations: readonly Migration[]): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new CodError('internal', `migration ${i} has version ${m.version}, expected ${i + 1}`);
  });
  return migrations.length;
}

function refuseNewer(version: number, latest: number, path: string): void {
  if (version > latest) {
    throw new CodError(
      'unsupported',
      `run store has schema version ${version}, newer than this workbench supports (${latest}); ` +
        'open it with a newer workbench (the file was left unchanged)',
      path,
    );
  }
}

/** Throws CodError('unsupported') for a store written by a newer workbench. */
export function checkNotNewer(db: DatabaseSync, path: string, migrations: readonly Migration[] = MIGRATIONS): void {
  refuseNewer(readUserVersion(db), checkMigrationList(migrations), path);
}

/** Bring the store to the latest version; returns the version it was at before. */
export function migrate(db: DatabaseSync, path: string, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = checkMigrationList(migrations);
  const before = readUserVersion(db);
  refuseNewer(before, latest, path);
  for (const m of migrations) {
    if (m.version <= before) continue;
    try {
      db.exec('BEGIN IMMEDIATE');
      // Re-read under the write lock: another process may have migrated meanwhile.
      const now = readUserVersion(db);
      refuseNewer(now, latest, path);
      if (now < m.version) {
        db.exec(m.sql);
        db.exec(`PRAGMA user_version = ${m.version}`);
      }
      db.exec('COMMIT');
    } catch (e) {
      rollbackQuietly(db);
      throw toCodError(e, path, `migrating the run store to schema version ${m.version}`);
    }
  }
  return before;
}
