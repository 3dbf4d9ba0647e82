/**
 * The Electron main process's side of the api host (electron/api-host-client.ts) against the real api host
 * (main/workers/api-host.ts) forked as a plain Node child, as the app runs it in a utility process: calls answered
 * by id, bad requests stopped before they leave, a job command the host asks for started here and its lines and exit
 * carried back, and the host's death failing what waits at once, later calls failing fast until a new host is ready
 * (issue 19), and an unanswered call failing after the call timeout.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ToHost } from '../../../main/api/host-protocol.ts';
import { ChildCommandHost } from '../../../main/services/command-host.ts';
import { ApiHostClient, type HostConnection } from '../../../electron/api-host-client.ts';
import type { Answer } from '../../../main/api/protocol.ts';
import { tempDir } from '../../support/temp.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let home: string;
let host: ChildProcess;
let hosts: ChildProcess[];
let client: ApiHostClient;
let started: string[][];

/** The real api host, forked as a plain Node child (the app forks it as a utility process). */
function forkHost(): HostConnection {
  const h = fork(path.join(ROOT, 'main', 'workers', 'api-host.ts'), [], {
    execArgv: ['--import', 'tsx', '--disable-warning=ExperimentalWarning'],
    env: { ...process.env, COD_HOME: home },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  host = h;
  hosts.push(h);
  return {
    post: (m: ToHost) => void (h.connected && h.send(m)),
    onMessage: (fn) => void h.on('message', fn),
    onExit: (fn) => void h.on('exit', (code) => fn(code)),
  };
}

beforeEach(() => {
  home = tempDir('api-host');
  hosts = [];
  started = [];
  const commands = new ChildCommandHost(path.join(ROOT, 'bin', 'cod.mjs'));
  client = new ApiHostClient(forkHost, (args) => {
    started.push(args);
    return commands.start({ args });
  });
});
afterEach(async () => {
  if (host.exitCode === null && host.signalCode === null) {
    const gone = new Promise((r) => host.once('exit', r));
    client.close();
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5_000))]);
  } else client.close();
  for (const h of hosts) if (h.exitCode === null && h.signalCode === null) h.kill('SIGKILL');
});

/** Calls until one is answered (a restarted host is back), at most `ms`. */
async function untilServing(ms: number): Promise<Answer> {
  const deadline = Date.now() + ms;
  for (;;) {
    const a = await client.handle('runs.list', {});
    if (a.ok || Date.now() > deadline) return a;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the api host behind the Electron main process', () => {
  it('answers calls made before it is ready, by id', async () => {
    const [runs, info] = await Promise.all([client.handle('runs.list', {}), client.handle('app.info', {})]);
    expect(runs).toEqual({ ok: true, result: [] });
    expect(info).toMatchObject({ ok: true, result: { codHome: home, trainerAvailable: true } });
  });

  it('refuses a bad request in the main process', async () => {
    const a = await client.handle('runs.stop', { runId: '../x' });
    expect(a).toMatchObject({ ok: false, error: { code: 'bad_input' } });
    expect(started).toEqual([]);
  });

  it('starts the job command the host asks for here and carries its lines back: a failed launch says why', async () => {
    mkdirSync(path.join(home, 'curricula'));
    writeFileSync(
      path.join(home, 'curricula', 'tiny.yaml'),
      'name: tiny\ntrain:\n  domains:\n    - id: frozenlake\ntraining:\n  steps: 1\n',
    );
    // A model directory the api may use (under $COD_HOME/models) whose config.json the trainer cannot read.
    mkdirSync(path.join(home, 'models', 'no-model'), { recursive: true });
    writeFileSync(path.join(home, 'models', 'no-model', 'config.json'), 'not json');
    const a = await client.handle('runs.launch', { curriculum: 'tiny', model: path.join(home, 'models', 'no-model') });
    expect(started).toHaveLength(1);
    expect(started[0].slice(0, 2)).toEqual(['train', path.join(home, 'curricula', 'tiny.yaml')]);
    // The trainer creates its run, then fails on the model: the job says why, from the lines carried back.
    expect(a).toMatchObject({ ok: true });
    const deadline = Date.now() + 50_000;
    let jobs: Answer;
    do {
      await new Promise((r) => setTimeout(r, 200));
      jobs = await client.handle('jobs.list', {});
    } while (!JSON.stringify(jobs).includes('"failed"') && Date.now() < deadline);
    expect(jobs).toMatchObject({ ok: true, result: [{ kind: 'train', state: 'failed' }] });
    if (jobs.ok) expect(JSON.stringify(jobs.result)).toMatch(/no-model\/config\.json: not valid JSON/);
  }, 60_000);

  it('fails what waits when the host dies, fails later calls fast, and serves again after the restart', async () => {
    const saved = await client.handle('curricula.save', {
      name: 'kept',
      text: 'name: kept\ntrain:\n  domains:\n    - id: frozenlake\n',
    });
    expect(saved.ok).toBe(true);
    const first = host;
    // Calls in flight when the host dies (sent, not yet answered): the host is frozen (SIGSTOP) before they are sent,
    // so none can be answered before the SIGKILL lands (without it, a quick host answered one first now and then).
    first.kill('SIGSTOP');
    const waiting = [
      client.handle('runs.list', {}),
      client.handle('curricula.list', {}),
      client.handle('jobs.list', {}),
    ];
    const killedAt = Date.now();
    first.kill('SIGKILL');
    const answers = await Promise.all(waiting);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    for (const a of answers) {
      expect(a).toMatchObject({ ok: false, error: { code: 'internal' } });
      if (!a.ok)
        expect(a.error.message).toMatch(/^the workbench service process ended \(code null\); it is being restarted/);
    }
    // Until the new host is ready, a call fails at once rather than waiting.
    const t = Date.now();
    const early = await client.handle('runs.list', {});
    expect(Date.now() - t).toBeLessThan(1_000);
    expect(early).toMatchObject({ ok: false, error: { message: expect.stringMatching(/being restarted/) } });
    // Back: a new process, the same store and presets.
    const back = await untilServing(30_000);
    expect(back).toEqual({ ok: true, result: [] });
    expect(host).not.toBe(first);
    expect(client.serving).toBe(true);
    const presets = await client.handle('curricula.list', {});
    expect(JSON.stringify(presets)).toContain('kept');
  }, 60_000);

  it('leaves the host down with one clear line after it keeps dying at once', async () => {
    client.close();
    await new Promise((r) => host.once('exit', r));
    hosts.length = 0;
    let n = 0;
    client = new ApiHostClient(
      () => {
        const c = forkHost();
        n++;
        host.kill('SIGKILL');
        return c;
      },
      () => {
        throw new Error('no workers here');
      },
      { restartMs: 10, maxRestarts: 2 },
    );
    const deadline = Date.now() + 20_000;
    while (n < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    expect(n).toBe(3);
    const a = await client.handle('runs.list', {});
    expect(a).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/3 times in a row; restart the app$/) },
    });
  }, 30_000);

  it('fails a call the host leaves unanswered after the call timeout, naming the call', async () => {
    client.close();
    await new Promise((r) => host.once('exit', r));
    // A host process that takes every message and answers none (wedged).
    const script = path.join(home, 'silent-host.mjs');
    writeFileSync(script, "process.on('message', () => {});\n");
    client = new ApiHostClient(
      () => {
        const h = fork(script, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
        host = h;
        hosts.push(h);
        return {
          post: (m: ToHost) => void (h.connected && h.send(m)),
          onMessage: (fn) => void h.on('message', fn),
          onExit: (fn) => void h.on('exit', (code) => fn(code)),
        };
      },
      () => {
        throw new Error('no workers here');
      },
      { callTimeoutMs: 300 },
    );
    const t = Date.now();
    const a = await client.handle('runs.list', {});
    expect(Date.now() - t).toBeLessThan(3_000);
    expect(a).toEqual({
      ok: false,
      error: { code: 'internal', message: 'the workbench service did not answer runs.list within 0.3 s' },
    });
    host.kill('SIGKILL');
  });
});
