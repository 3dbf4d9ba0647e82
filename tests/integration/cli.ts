/** Runs the real `cod` CLI under the project's Node 22, as a user would. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

export function cod(args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'cod.mjs'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    input,
    env: { ...process.env, COD_DEBUG: '' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
