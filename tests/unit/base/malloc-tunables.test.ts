/**
 * relaunchWithMallocTunables (main/base/malloc-tunables.ts), in real Node processes: on Linux the process becomes
 * itself again — the same pid and arguments — with glibc's malloc tunables set, once; a user's own malloc tunables
 * are left alone, and other tunables are kept beside ours.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MALLOC_TUNABLES } from '../../../main/base/malloc-tunables.ts';

const run = promisify(execFile);
const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'processes', 'malloc-relaunch.ts');

async function relaunched(tunables: string | undefined) {
  const env = { ...process.env };
  delete env.GLIBC_TUNABLES;
  if (tunables !== undefined) env.GLIBC_TUNABLES = tunables;
  const child = run(process.execPath, ['--import', 'tsx', FIXTURE, 'a b', '--flag'], { env });
  const pid = child.child.pid;
  const { stdout } = await child;
  const lines = stdout.trim().split('\n');
  expect(lines).toHaveLength(1); // one process wrote, once
  return { spawned: pid, ...(JSON.parse(lines[0]) as { pid: number; tunables: string | null; args: string[] }) };
}

describe.runIf(process.platform === 'linux')('relaunchWithMallocTunables', () => {
  it('becomes the same process (pid, arguments) with the tunables set', async () => {
    const r = await relaunched(undefined);
    expect(r.tunables).toBe(MALLOC_TUNABLES);
    expect(r.pid).toBe(r.spawned); // replaced in place (execve), not a child
    expect(r.args).toEqual(['a b', '--flag']);
  });

  it("keeps a user's malloc tunables as they are, and other tunables beside its own", async () => {
    expect((await relaunched('glibc.malloc.arena_max=4')).tunables).toBe('glibc.malloc.arena_max=4');
    expect((await relaunched('glibc.malloc.trim_threshold=1')).tunables).toBe('glibc.malloc.trim_threshold=1');
    expect((await relaunched('glibc.pthread.rseq=0')).tunables).toBe(`glibc.pthread.rseq=0:${MALLOC_TUNABLES}`);
  });
});
