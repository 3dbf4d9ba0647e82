/**
 * The services behind the api, on a real store in a temp COD_HOME: what app.info reports (from the code, without
 * starting a process); Replay's feedback, stored on each solve call or, for rows stored before it was kept, read
 * from the update prompt; runs read through their stored config's schema; and the refusals of resume, stop and
 * compare, which must come before any worker starts.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JOB_COMMANDS } from '../../../main/api/jobs.ts';
import type { AppInfo, LifecycleView, RunDetail, SeriesData } from '../../../main/api/types.ts';
import { commands } from '../../../main/cli/commands/index.ts';
import { createWorkbench, type Workbench } from '../../../main/services/workbench.ts';
import { openStore } from '../../../main/store/index.ts';
import { parseCurriculum } from '../../../main/training/curriculum/load.ts';
import type { CommandHost, CommandSpec } from '../../../main/services/command-host.ts';
import { writeReplayRun } from '../../support/recorded-runs.ts';
import { stepCommit, storedRunConfig } from '../../support/store.ts';
import { tempDir } from '../../support/temp.ts';

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
  home = tempDir('services');
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

describe('runs and compare on stored runs', () => {
  const CURRICULUM = `name: svc
train:
  domains:
    - id: frozenlake
evals:
  - name: held
    kind: in_domain
    domain: frozenlake
`;

  /** A run as cod train leaves it: its stored config, two steps, a checkpoint at step 2, status `status`. */
  /** A directory compare.start accepts as a model (it checks for config.json before anything else). */
  function modelDirAt(name: string): string {
    const dir = path.join(home, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'config.json'), '{}');
    return dir;
  }

  function trainedRun(status: 'finished' | 'stopped'): string {
    const { curriculum } = parseCurriculum(CURRICULUM, path.join(home, 'svc.yaml'));
    const s = wb.store;
    const run = s.createRun({
      name: 'svc',
      config: storedRunConfig(curriculum, path.join(home, 'model')),
      seeds: [0],
      codeVersion: 'test',
      runDir: home,
    });
    s.acquireRunLease(run.id);
    s.setRunStatus(run.id, 'running');
    for (const step of [1, 2])
      s.commitStep(run.id, step, { ...stepCommit(step), metrics: { loss: step === 1 ? Number.NaN : 0.5 } });
    s.addCheckpoint(run.id, { step: 2, path: modelDirAt('cp2'), sha256: 'e'.repeat(64) });
    s.setRunStatus(run.id, status);
    s.releaseRunLease(run.id);
    return run.id;
  }

  it('runs.get reads the stored config through its schema: suites, steps, checkpoints; NaN reads as null', async () => {
    const id = trainedRun('finished');
    const d = await call<RunDetail>('runs.get', { runId: id });
    expect(d).toMatchObject({ status: 'finished', live: false, ownedByWorkbench: false, lastStep: 2 });
    expect(d.evalSuites).toEqual(['held']);
    expect(d.lifecycleSteps).toEqual([1, 2]);
    expect(d.checkpoints.map((c) => c.step)).toEqual([2]);
    const series = await call<Record<string, SeriesData>>('runs.series', { runId: id, names: ['loss'] });
    expect(series.loss.values).toEqual([null, 0.5]);
  });

  it('resume and stop refuse with the same rule as the CLI, before starting anything', async () => {
    const finished = trainedRun('finished');
    await expect(call('runs.resume', { runId: finished })).rejects.toThrow(/already finished 2 steps/);
    const stopped = trainedRun('stopped');
    const other = openStore(wb.store.path);
    try {
      other.acquireRunLease(stopped);
      await expect(call('runs.resume', { runId: stopped })).rejects.toThrow(/already being trained by pid/);
      await expect(call('runs.stop', { runId: stopped })).rejects.toThrow(/trained by another process/);
    } finally {
      other.close();
    }
    await expect(call('runs.stop', { runId: stopped })).rejects.toThrow(/is not running/);
    expect(host.started).toEqual([]);
  });

  it('compare.start checks the checkpoints and the suite before it starts a worker', async () => {
    const id = trainedRun('finished');
    const a = { kind: 'checkpoint', runId: id, step: 2 };
    await expect(
      call('compare.start', {
        a,
        b: { kind: 'checkpoint', runId: id, step: 7 },
        suites: { kind: 'run', runId: id },
        suite: 'held',
      }),
    ).rejects.toThrow(/no checkpoint at step 7/);
    await expect(call('compare.start', { a, b: a, suites: { kind: 'run', runId: id }, suite: 'nope' })).rejects.toThrow(
      /no suite 'nope' \(has: held\)/,
    );
    const bare = wb.store.createRun({ name: 'bare', config: {}, seeds: [0], codeVersion: 'test', runDir: home });
    wb.store.acquireRunLease(bare.id);
    wb.store.addCheckpoint(bare.id, { step: 0, path: modelDirAt('cp0'), sha256: 'f'.repeat(64) });
    wb.store.releaseRunLease(bare.id);
    const b = { kind: 'checkpoint', runId: bare.id, step: 0 };
    await expect(
      call('compare.start', { a: b, b, suites: { kind: 'run', runId: bare.id }, suite: 'held' }),
    ).rejects.toThrow(/stores no curriculum/);
    expect(host.started).toEqual([]);
  });

  it("compare.start plays a LoRA run's checkpoint as the run's model plus that adapter", async () => {
    const id = trainedRun('finished');
    const model = modelDirAt('model');
    // Its step-2 checkpoint made a LoRA one: an adapter, no model of its own.
    const cp = path.join(home, 'cp2');
    rmSync(path.join(cp, 'config.json'));
    writeFileSync(path.join(cp, 'adapter_config.json'), '{}');
    await expect(
      call('compare.start', {
        a: { kind: 'checkpoint', runId: id, step: 2 },
        b: { kind: 'base', runId: id },
        suites: { kind: 'run', runId: id },
        suite: 'held',
      }),
    ).rejects.toThrow(/unexpected worker/);
    const args = host.started[0].args;
    expect(args.slice(0, 3)).toEqual([JOB_COMMANDS.compare, model, model]);
    expect(args.slice(args.indexOf('--adapter-a'), args.indexOf('--adapter-a') + 2)).toEqual(['--adapter-a', cp]);
    expect(args).not.toContain('--adapter-b');
  });
});
