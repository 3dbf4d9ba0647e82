/** Where the workbench keeps things: $COD_HOME (default ~/.cod) holds runs.db and the user's curricula. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { codHome } from '../models/import.ts';

export { codHome };

export function defaultStorePath(home = codHome()): string {
  return path.join(home, 'runs.db');
}

/** The built-in model directory, when this checkout has one. */
export function builtinModelDir(appRoot: string): string | null {
  const dir = path.join(appRoot, 'resources', 'models', 'builtin');
  return existsSync(path.join(dir, 'config.json')) ? dir : null;
}
