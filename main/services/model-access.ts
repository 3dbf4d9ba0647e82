/**
 * Which model directories the api may start work on. A client of the api (the window, a page of `cod serve`) names
 * a model by path in runs.launch and in a comparison's `dir` side; without a rule it could point a trainer at any
 * directory on the machine. The rule: the model's real path lies under one of the model roots (the app's shipped
 * models, $COD_HOME/models, $COD_HOME/runs, and the folders COD_MODEL_ROOTS lists), or it is a model registered with
 * `cod model import`, or a checkpoint a stored run recorded. The CLI, run by the user, is not restricted.
 */
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { CodError } from '../base/errors.ts';
import { listModels } from '../models/import.ts';
import type { RunStore } from '../store/index.ts';

/** The folders models may be launched from, as configured (not yet resolved). */
export function modelRoots(appRoot: string, home: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = (env.COD_MODEL_ROOTS ?? '').split(path.delimiter).filter((d) => d !== '');
  return [path.join(appRoot, 'resources', 'models'), path.join(home, 'models'), path.join(home, 'runs'), ...extra];
}

function real(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export class ModelAccess {
  constructor(
    private readonly roots: readonly string[],
    private readonly home: string,
    private readonly store: RunStore,
  ) {}

  /** The model directory `given` names, resolved, when the api may use it; else one CodError saying where may. */
  async check(given: string): Promise<string> {
    const dir = path.resolve(given);
    const target = real(dir);
    if (!target || !existsSync(path.join(target, 'config.json')))
      throw new CodError('not_found', 'not a model directory (no config.json in it)', dir);
    if (await this.allowed(target)) return dir;
    throw new CodError(
      'bad_input',
      `not an allowed model directory: the api starts work only on models under ${this.roots.join(', ')} ` +
        '(COD_MODEL_ROOTS adds folders), models registered with `cod model import`, and stored runs’ checkpoints',
      dir,
    );
  }

  private async allowed(target: string): Promise<boolean> {
    for (const r of this.roots) {
      const root = real(r);
      if (root && inside(root, target)) return true;
    }
    const known = (await listModels(this.home).catch(() => [])).map((m) => m.path);
    for (const run of this.store.listRuns()) for (const cp of this.store.listCheckpoints(run.id)) known.push(cp.path);
    return known.some((k) => real(k) === target);
  }
}
