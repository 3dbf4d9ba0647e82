/**
 * The Electron main process's side of the api host (electron/api-host-client.ts) against the real api host
 * (main/workers/api-host.ts) forked as a plain Node child, as the app runs it in a utility process: calls answered
 * by id, bad requests stopped before they leave, a job command the host asks for started here and its lines and exit
 * carried back, and the host's exit failing what waits.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ToHost } from '../../../main/api/host-protocol.ts';
import { ChildCommandHost } from '../../../main/services/command-host.ts';
import { ApiHostClient } from '../../../electron/api-host-client.ts';
import { tempDir } from '../../support/temp.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
let home: string;
let host: ChildProcess;
let client: ApiHostClient;
let started: string[][];

beforeEach(() => {
  home = tempDir('api-host');
  host = fork(path.join(ROOT, 'main', 'workers', 'api-host.ts'), [], {
    execArgv: ['--import', 'tsx', '--disable-warning=ExperimentalWarning'],
    env: { ...process.env, COD_HOME: home },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  started = [];
  const commands = new ChildCommandHost(path.join(ROOT, 'bin', 'cod.mjs'));
  client = new ApiHostClient(
    { post: (m: ToHost) => void host.send(m), onMessage: (fn) => void host.on('message', fn) },
    (args) => {
      started.push(args);
      return commands.start({ args });
    },
  );
  host.on('exit', (code) => client.hostExited(code));
});
afterEach(async () => {
  if (host.exitCode === null && host.signalCode === null) {
    const gone = new Promise((r) => host.once('exit', r));
    client.close();
    await gone;
  }
});

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
    const a = await client.handle('runs.launch', { curriculum: 'tiny', model: path.join(home, 'no-model') });
    expect(started).toHaveLength(1);
    expect(started[0].slice(0, 2)).toEqual(['train', path.join(home, 'curricula', 'tiny.yaml')]);
    expect(a).toMatchObject({ ok: false, error: { code: 'internal' } });
    if (!a.ok) expect(a.error.message).toMatch(/no-model.*config\.json/);
    const jobs = await client.handle('jobs.list', {});
    expect(jobs).toMatchObject({ ok: true, result: [{ kind: 'train', state: 'failed' }] });
  }, 60_000);

  it('fails what waits when the host exits, and answers later calls at once', async () => {
    await client.handle('runs.list', {});
    host.kill('SIGKILL');
    await new Promise((r) => host.once('exit', r));
    const a = await client.handle('runs.list', {});
    expect(a).toMatchObject({ ok: false, error: { code: 'internal' } });
    if (!a.ok) expect(a.error.message).toMatch(/service process ended/);
  });
});
