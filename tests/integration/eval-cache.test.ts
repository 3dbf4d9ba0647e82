/**
 * The eval cache through the real `cod eval` / `cod compare` with the built-in model on small suites, $COD_HOME in a
 * temp dir: a second comparison of the same two checkpoints reads both sides from the cache and says so (the same
 * result, no task played); a changed environment (a plugin file edited) or suite definition is played again; a
 * SIGINT stops an evaluation within a bound and caches nothing. (Timings: npm run bench:eval, docs/evaluation.md.)
 */
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../main/api/types.ts';
import { createWorkbench } from '../../main/services/workbench.ts';
import { openStore } from '../../main/store/index.ts';
import { BUILTIN_MODEL_DIR } from '../../main/training/locations.ts';
import { cod } from '../support/cod.ts';
import { tempDir } from '../support/temp.ts';
import { ok } from '../support/stored-runs.ts';

const SWITCHBOARD = fileURLToPath(new URL('../fixtures/plugins/switchboard', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const curriculumText = (updateTokens: number) => `name: eval-cache
rendering: compact
train:
  domains:
    - id: frozenlake
lifecycle:
  solveMaxNewTokens: 16
  updateMaxNewTokens: ${updateTokens}
plugins:
  - ./switchboard
evals:
  - name: fl
    kind: in_domain
    domain: frozenlake
    packSize: 2
    packs: 2
    seeds: [1]
  - name: sw
    kind: cross_domain
    domain: switchboard
    preset: easy
    packSize: 2
    packs: 2
    seeds: [1]
  - name: long
    kind: in_domain
    domain: frozenlake
    packSize: 8
    packs: 16
    seeds: [3]
`;

let dir: string;
let curriculum: string;
let other: string;

interface Event {
  event: string;
  done?: number;
  total?: number;
  side?: string;
  suite?: string;
}
const events = (stderr: string): Event[] =>
  stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Event);

beforeAll(() => {
  dir = tempDir('evalcache');
  process.env.COD_HOME = join(dir, 'home');
  cpSync(SWITCHBOARD, join(dir, 'switchboard'), { recursive: true });
  curriculum = join(dir, 'curriculum.yaml');
  writeFileSync(curriculum, curriculumText(24));
  // Another checkpoint: the built-in model with one weight's lowest byte changed (other weights, same behaviour
  // class), so the two sides have different keys.
  other = join(dir, 'other');
  cpSync(BUILTIN_MODEL_DIR, other, { recursive: true });
  const w = readFileSync(join(other, 'model.safetensors'));
  w[w.length - 4] ^= 1;
  writeFileSync(join(other, 'model.safetensors'), w);
});

describe('cod compare with the eval cache', () => {
  it('a second comparison of the same checkpoints reads both sides from the cache and says so', async () => {
    const args = ['compare', BUILTIN_MODEL_DIR, other, '--curriculum', curriculum, '--suite', 'fl', '--json'];
    const first = await cod([...args, '--events']);
    const firstEvents = events(first.stderr);
    expect(firstEvents.filter((e) => e.event === 'cached')).toEqual([]);
    // Played task by task: 2 sides × 2 packs × 2 tasks.
    expect(firstEvents.filter((e) => e.event === 'progress').map((e) => e.done)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);

    const second = await cod([...args, '--events']);
    expect(ok(second)).toBe(ok(first));
    const secondEvents = events(second.stderr);
    expect(secondEvents.filter((e) => e.event === 'cached').map((e) => [e.side, e.suite])).toEqual([
      ['a', 'fl'],
      ['b', 'fl'],
    ]);
    // Nothing played: the count jumps by a side at a time.
    expect(secondEvents.filter((e) => e.event === 'progress').map((e) => e.done)).toEqual([0, 4, 8]);

    const human = await cod(args);
    expect(ok(human)).toBe(ok(first));
    expect(human.stderr).toMatch(/cod compare: A on suite fl: read from the eval cache \(played .* in [\d.]+ s; /);
    expect(human.stderr).toMatch(/cod compare: B on suite fl: read from the eval cache/);

    // --no-cache plays both sides again, to the same result.
    const fresh = await cod([...args, '--no-cache', '--events']);
    expect(ok(fresh)).toBe(ok(first));
    expect(events(fresh.stderr).filter((e) => e.event === 'cached')).toEqual([]);
  });

  it('a changed environment (a plugin file edited) or suite definition is played again, not served', async () => {
    const evalSw = async (file = curriculum) => {
      const r = await cod(['eval', BUILTIN_MODEL_DIR, '--curriculum', file, '--suite', 'sw', '--json', '--events']);
      const ev = events(r.stderr);
      return { out: ok(r), cached: ev.some((e) => e.event === 'cached') };
    };
    const first = await evalSw();
    expect(first.cached).toBe(false);
    expect(await evalSw()).toEqual({ out: first.out, cached: true });

    appendFileSync(join(dir, 'switchboard', 'index.js'), '\n// edited: another code version of the environment\n');
    expect((await evalSw()).cached).toBe(false);
    expect((await evalSw()).cached).toBe(true);

    const changed = join(dir, 'changed.yaml');
    writeFileSync(changed, curriculumText(20));
    expect((await evalSw(changed)).cached).toBe(false);
    expect((await evalSw(changed)).cached).toBe(true);
  });
});

describe('cod eval on several samplers', () => {
  it('gives the same results on one sampler and on two (requests shared out over both)', async () => {
    const args = ['eval', BUILTIN_MODEL_DIR, '--curriculum', curriculum, '--suite', 'long', '--no-cache', '--json'];
    const run = async (samplers: number) =>
      JSON.parse(ok(await cod([...args, '--samplers', String(samplers)]))) as Array<{ positions: unknown[] }>;
    const one = await run(1);
    expect(one[0].positions).toHaveLength(8);
    expect(await run(2)).toEqual(one);
  }, 300_000);
});

describe('cod train', () => {
  it("a run's step-0 evaluation of the built-in model is played once, then read from the cache with its model calls", async () => {
    const file = join(dir, 'train.yaml');
    writeFileSync(
      file,
      curriculumText(24)
        .replace(/plugins:\n.*\n/, '')
        .replace(/ {2}- name: sw[\s\S]*$/, '')
        .replace('    - id: frozenlake\n', '    - id: frozenlake\n  packSize: 2\n  groupSize: 2\n  packsPerStep: 1\n') +
        'training:\n  steps: 1\n  seed: 1\n',
    );
    const store = join(dir, 'train-runs.db');
    const train = async () => {
      const out = ok(await cod(['train', file, '--store', store, '--events']));
      const evs = out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { event: string; runId?: string; cached?: boolean; summary?: unknown });
      return { runId: evs[0].runId!, evals: evs.filter((e) => e.event === 'eval') };
    };
    const first = await train();
    expect(first.evals.map((e) => e.cached)).toEqual([undefined]);
    const second = await train();
    expect(second.evals.map((e) => e.cached)).toEqual([true]);
    expect(second.evals[0].summary).toEqual(first.evals[0].summary);
    // The run store holds the same eval rows either way, model calls included.
    const s = openStore(store);
    try {
      const rows = (runId: string) =>
        s.listLifecycles(runId, { split: 'eval', checkpoint: 0 }).map((l) => {
          const d = s.getLifecycle(l.id);
          return { rewards: d.rewards, hints: d.hints, samples: d.samples.map((x) => [x.kind, x.response]) };
        });
      expect(rows(second.runId)).toHaveLength(2);
      expect(rows(second.runId)[0].samples.length).toBeGreaterThan(0);
      expect(rows(second.runId)).toEqual(rows(first.runId));
    } finally {
      s.close();
    }
  }, 600_000); // two training runs: minutes on a loaded 2-core machine
});

describe("the app's Compare (services)", () => {
  it('a second comparison reads both sides from the cache; the job says so in its phase line', async () => {
    const home = join(dir, 'home-app');
    // The api starts work only on models under its roots (services/model-access.ts): the other checkpoint in
    // $COD_HOME/models, where a user's models live.
    const appOther = join(home, 'models', 'other');
    cpSync(other, appOther, { recursive: true });
    const wb = createWorkbench({ codHome: home, appRoot: ROOT });
    try {
      const call = async <T>(method: string, params: unknown): Promise<T> => {
        const a = await wb.handle(method, params);
        if (!a.ok) throw new Error(a.error.message);
        return a.result as T;
      };
      await call('curricula.save', {
        name: 'cache-app',
        text: curriculumText(24)
          .replace(/plugins:\n.*\n/, '')
          .replace(/ {2}- name: sw[\s\S]*$/, ''),
      });
      const compare = async () => {
        const labels: string[] = [];
        let end!: (j: JobView) => void;
        const ended = new Promise<JobView>((r) => (end = r));
        const off = wb.onEvent((e) => {
          if (e.type !== 'job' || e.job.kind !== 'compare') return;
          if (e.job.phase) labels.push(e.job.phase.label);
          if (['done', 'failed', 'stopped'].includes(e.job.state)) end(e.job);
        });
        try {
          await call('compare.start', {
            a: { kind: 'builtin' },
            b: { kind: 'dir', path: appOther },
            suites: { kind: 'preset', name: 'cache-app', source: 'user' },
            suite: 'fl',
          });
          const job = await ended;
          expect(job.state, job.error ?? '').toBe('done');
          return { job, labels };
        } finally {
          off();
        }
      };
      const first = await compare();
      expect(first.labels.filter((l) => l.includes('eval cache'))).toEqual([]);
      const second = await compare();
      expect(second.job.result).toEqual(first.job.result);
      expect(second.labels).toContain('A (built-in model) read from the eval cache');
      expect(second.labels).toContain('B (other) read from the eval cache');
      // The worker kept its cache in the workbench's home.
      expect(readdirSync(join(home, 'cache', 'evals'))).toHaveLength(2);
    } finally {
      wb.close();
    }
  });
});

describe('stopping an evaluation', () => {
  it('SIGINT stops cod eval within a bound (exit 130) and caches nothing', async () => {
    const home = join(dir, 'home-stop');
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'cod.mjs'),
        'eval',
        BUILTIN_MODEL_DIR,
        '--curriculum',
        curriculum,
        '--suite',
        'long',
        '--events',
      ],
      { cwd: ROOT, env: { ...process.env, COD_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let signalledAt = 0;
    const exited = new Promise<{ code: number | null; ms: number }>((resolve) =>
      child.on('close', (code) => resolve({ code, ms: performance.now() - signalledAt })),
    );
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      // Two tasks in: the evaluation is running on both samplers.
      if (!signalledAt && events(stderr).some((e) => e.event === 'progress' && (e.done ?? 0) >= 2)) {
        signalledAt = performance.now();
        child.kill('SIGINT');
      }
    });
    const { code, ms } = await exited;
    expect(signalledAt).toBeGreaterThan(0);
    expect(code).toBe(130);
    expect(stderr).toMatch(/stopping: the evaluation in progress is dropped and not cached/);
    expect(stderr).toMatch(/cod eval .*: stopped/);
    // The bound is generous for a loaded 2-core machine; measured: docs/evaluation.md.
    console.log(`eval-cache: SIGINT two tasks into cod eval -> exited ${code} after ${Math.round(ms)} ms`);
    expect(ms).toBeLessThan(30_000);
    const cacheDir = join(home, 'cache', 'evals');
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
  });
});
