/**
 * The services behind the api, on a real store in a temp COD_HOME: what app.info reports (from the code, without
 * starting a process), and Replay's feedback, stored on each solve call or, for rows stored before it was kept,
 * read from the update prompt.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JOB_COMMANDS } from '../../../main/api/jobs.ts';
import type { AppInfo, LifecycleView } from '../../../main/api/types.ts';
import { commands } from '../../../main/cli/commands/index.ts';
import { createWorkbench, type Workbench } from '../../../main/services/workbench.ts';
import type { CommandHost, CommandSpec } from '../../../main/services/command-host.ts';
import { writeReplayRun } from '../../e2e/fixture-run.ts';

/** A host that must not be asked for anything in these tests. */
class NoWorkers implements CommandHost {
  readonly started: CommandSpec[] = [];
  start(spec: CommandSpec): never {
    this.started.push(spec);
    throw new Error(`unexpected worker: cod ${spec.args.join(' ')}`);
  }
}

let home: string;
let host: NoWorkers;
let wb: Workbench;
beforeEach(() => {
  home = mkdtempSync(path.join(os.tmpdir(), 'cod-services-'));
  host = new NoWorkers();
  wb = createWorkbench({ codHome: home, commandHost: host });
});
afterEach(() => wb.close());

async function call<T>(method: string, params: unknown = {}): Promise<T> {
  const a = await wb.handle(method, params);
  if (!a.ok) throw new Error(a.error.message);
  return a.result as T;
}

describe('app.info', () => {
  it('reports the job commands as available without starting a process', async () => {
    const info = await call<AppInfo>('app.info');
    expect(info).toMatchObject({ trainerAvailable: true, compareAvailable: true, codHome: home });
    expect(info.storePath).toBe(path.join(home, 'runs.db'));
    expect(host.started).toEqual([]);
  });

  it('the commands the services start are the CLI’s', () => {
    const paths = commands.map((c) => c.path.join(' '));
    for (const c of Object.values(JOB_COMMANDS)) expect(paths).toContain(c);
  });
});

describe('replay feedback', () => {
  it('falls back to the update prompt for rows stored without feedback', async () => {
    const runId = writeReplayRun(wb.store.path);
    const rows = await call<{ id: number }[]>('lifecycles.list', { runId, split: 'train' });
    const l = await call<LifecycleView>('lifecycles.get', { id: rows[0].id });
    const solve0 = l.samples.filter((s) => s.kind === 'solve' && s.position === 0);
    expect(solve0.map((s) => s.feedback)).toEqual(['reached the goal in 2 turns', 'reached the goal in 2 turns']);
    // No update after the last position: nothing to fall back on.
    expect(l.samples.find((s) => s.position === 1)?.feedback).toBeNull();
    expect(l.samples.find((s) => s.kind === 'update')?.feedback).toBeNull();
  });

  it('shows the feedback a solve call stored', async () => {
    const runId = writeReplayRun(wb.store.path, { feedback: 'fell into a hole' });
    const rows = await call<{ id: number }[]>('lifecycles.list', { runId, split: 'train' });
    const l = await call<LifecycleView>('lifecycles.get', { id: rows[0].id });
    const solve = l.samples.filter((s) => s.kind === 'solve');
    expect(solve.map((s) => s.feedback)).toEqual(['fell into a hole', 'fell into a hole', 'fell into a hole']);
  });
});
