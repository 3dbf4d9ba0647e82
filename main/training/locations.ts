/**
 * Where the workbench is installed and where it keeps the user's things, computed in one place: the app root (what
 * ships: resources/, bin/cod.mjs, package.json), the built-in model, the package and code versions, and under
 * $COD_HOME (default ~/.cod) the run store and the runs' directories. The CLI, the services, the api host and the
 * scripts all read these from here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codHome } from '../models/import.ts';

export { codHome };

/**
 * The checkout or installed app. COD_APP_ROOT names it where this module is bundled away from its source tree (the
 * Electron main process sets it for the api host, whose bundle sits in out/main/).
 */
export const APP_ROOT =
  process.env.COD_APP_ROOT && process.env.COD_APP_ROOT !== ''
    ? resolve(process.env.COD_APP_ROOT)
    : resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The built-in model (made by `cod pretrain`): the default starting model and the source of the built-in tokenizer. */
export function builtinModelPath(appRoot: string = APP_ROOT): string {
  return join(appRoot, 'resources', 'models', 'builtin');
}

export const BUILTIN_MODEL_DIR = builtinModelPath();

/** The built-in model directory when this install has one (a checkout before `cod pretrain` may not). */
export function builtinModelDir(appRoot: string = APP_ROOT): string | null {
  const dir = builtinModelPath(appRoot);
  return existsSync(join(dir, 'config.json')) ? dir : null;
}

/** package.json's version, or 'unknown' when it cannot be read. */
export function packageVersion(appRoot: string = APP_ROOT): string {
  try {
    return (JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** What a run records as the code that trained it: the checkout's commit, else the package version. */
export function codeVersion(appRoot: string = APP_ROOT): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: appRoot, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return packageVersion(appRoot);
  }
}

/** The run store: $COD_HOME/runs.db. */
export function defaultStorePath(home: string = codHome()): string {
  return join(home, 'runs.db');
}

/** A run's directory (checkpoints) when none is given: $COD_HOME/runs/RUN_ID. */
export function defaultRunDir(runId: string, home: string = codHome()): string {
  return join(home, 'runs', runId);
}
