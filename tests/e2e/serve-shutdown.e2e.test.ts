/**
 * `cod serve` owns its jobs (issue 19): SIGTERM to the server during a comparison cancels it (kept in the history as
 * 'stopped', its process gone, the server exits promptly instead of staying alive for it); during a training the
 * trainer is stopped and its run marked 'stopped' with its lease released, whether it stopped cleanly within the
 * grace or had to be ended at once (--stop-grace 0). The store opens afterwards with everything in it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openStore } from '../../main/store/index.ts';
import { startServe, tempHome, type Served } from './serve.ts';

let served: Served | undefined;
afterEach(async () => {
  await served?.stop();
  served = undefined;
});

/** A well-behaved api client on the server's WebSocket. */
async function connect(
  s: Served,
): Promise<{ call(method: string, params?: unknown): Promise<unknown>; close(): void }> {
  const page = new URL(s.url);
  const ws = new WebSocket(`ws://${page.host}/api?token=${page.searchParams.get('token')}`, { origin: page.origin });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let next = 1;
  const waiting = new Map<number, (m: { ok: boolean; result?: unknown; error?: { message: string } }) => void>();
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as { id?: number; ok: boolean };
    if (m.id !== undefined) waiting.get(m.id)?.(m);
  });
  return {
    call: (method, params = {}) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, (m) => (m.ok ? resolve(m.result) : reject(new Error(m.error?.message))));
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

/** The pids of a process's children. */
function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return []; // ps exits 1 when there are none
  }
}

/** A process that still runs (a zombie waiting for a container's init to reap it has ended). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false;
  }
}

async function until(what: string, ms: number, ok: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** SIGTERM the server; resolves with its exit code and how long it took. */
async function terminate(s: Served): Promise<{ code: number | null; ms: number }> {
  const t = Date.now();
  const exited = new Promise<number | null>((r) => s.proc.once('exit', (code) => r(code)));
  s.proc.kill('SIGTERM');
  const code = await exited;
  return { code, ms: Date.now() - t };
}

describe('SIGTERM to cod serve', () => {
  it('during a comparison: the comparison is cancelled and kept as stopped, and the server exits promptly', async () => {
    served = await startServe(tempHome('stop-compare'));
    const api = await connect(served);
    const job = (await api.call('compare.start', {
      a: { kind: 'builtin' },
      b: { kind: 'builtin' },
      suites: { kind: 'preset', name: 'cpu-demo' },
      suite: 'frozenlake-heldout',
    })) as { id: string; state: string };
    expect(job.state).toBe('running');
    await until('the comparison worker started', 30_000, () => childrenOf(served!.proc.pid!).length > 0);
    const workers = childrenOf(served.proc.pid!);
    api.close();
    const { code, ms } = await terminate(served);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    for (const pid of workers) expect(alive(pid)).toBe(false);
    expect(served.log.join('\n')).toMatch(/cod serve: stopping 1 comparison/);
    const store = openStore(served.storePath);
    try {
      expect(store.listComparisons()).toMatchObject([{ id: job.id, state: 'stopped', error: 'cancelled' }]);
    } finally {
      store.close();
    }
  });

  it.each([
    ['within the grace, the trainer stopping cleanly', []],
    ['with --stop-grace 0, the trainer ended at once', ['--stop-grace', '0']],
  ])('during a training (%s): the run is marked stopped and its lease released', async (_how, args) => {
    served = await startServe(tempHome('stop-train'), {}, 0, args);
    const api = await connect(served);
    const { runId } = (await api.call('runs.launch', { curriculum: 'cpu-demo', steps: 50 })) as { runId: string };
    const workers = childrenOf(served.proc.pid!);
    expect(workers.length).toBeGreaterThan(0);
    api.close();
    const { code, ms } = await terminate(served);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(args.length ? 10_000 : 40_000);
    for (const pid of workers) expect(alive(pid)).toBe(false);
    const store = openStore(served.storePath);
    try {
      const run = store.getRun(runId);
      expect(run.status).toBe('stopped');
      expect(run.lease === null || run.lease.stale).toBe(true);
    } finally {
      store.close();
    }
  });
});
