/**
 * Temporary directories for tests: fresh each call, under the OS temp dir, named for the test that made them, and
 * removed when the test process exits (COD_KEEP_TMP=1 keeps them, to look at after a failure).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const made: string[] = [];
process.once('exit', () => {
  if (process.env.COD_KEEP_TMP) return;
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A new empty directory `cod-<prefix>-XXXXXX`. */
export function tempDir(prefix = 'test'): string {
  const dir = mkdtempSync(join(tmpdir(), `cod-${prefix}-`));
  made.push(dir);
  return dir;
}

/** Removes a temp directory now (a test that makes many, or big ones). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
