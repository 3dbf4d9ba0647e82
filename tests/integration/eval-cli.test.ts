/**
 * Evaluation with a real model: `cod model init` checkpoints with a trained byte-level BPE tokenizer written into
 * them, played through openCheckpointPolicy (Sampler + ModelPolicy) and the lifecycle runner. In process: results
 * reproduce per seed and a salt changes the samples. Through the real CLI: `cod eval` / `cod compare` JSON shape,
 * determinism, the baselines, progress events, a checkpoint compared with itself giving deltas of exactly 0,
 * `cod runs list|show` on a store holding a run with an evaluated checkpoint, and bad input as one error line.
 */
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEnvHost } from '../../main/envs/inprocess-host.ts';
import { openStore } from '../../main/store/index.ts';
import { openCheckpointPolicy } from '../../main/training/checkpoint-policy.ts';
import { loadCurriculum } from '../../main/training/curriculum/load.ts';
import { evalCommit, evalSummaryJson } from '../../main/training/eval-store.ts';
import { evaluateSuite, findSuite, type SuiteResult } from '../../main/training/evaluate.ts';
import type { StoredRunConfig } from '../../main/training/run-session.ts';
import { parseTrainerConfig } from '../../main/training/training-config.ts';
import { cod } from '../support/cod.ts';
import { tempDir } from '../support/temp.ts';
import { tinyModels, wordCorpus } from '../support/models.ts';
import { ok } from '../support/stored-runs.ts';

const CURRICULUM = `name: eval-cli
rendering: compact
train:
  domains:
    - id: frozenlake
lifecycle:
  solveMaxNewTokens: 8
  updateMaxNewTokens: 12
  memoryCharBudget: 200
evals:
  - name: fl
    kind: in_domain
    domain: frozenlake
    packSize: 3
    packs: 2
    seeds: [1, 2]
  - name: fl-ralph
    kind: ralph
    domain: frozenlake
    packSize: 2
    packs: 2
    seeds: [5]
`;

let dir: string;
let m1: string;
let m2: string;
let curriculum: string;

interface Position {
  k: number;
  mean: number | null;
  ci_low: number | null;
  ci_high: number | null;
  n: number;
}
interface SuiteJson {
  suite: string;
  positions: Position[];
  memory: string;
  baseline: string | null;
  hintParseRate: number | null;
  lifecycles: number;
  seeds: number[];
  rise: { first: number; last: number; n: number; mean: number | null } | null;
}
interface CompareJson {
  suite: string;
  a: SuiteJson;
  b: SuiteJson;
  delta: Array<Position & { excludesZero: boolean }>;
}

/** Exit status 2 and exactly one line on stderr, matching `re`. */
function oneLineError(r: { code: number; stdout: string; stderr: string }, re: RegExp): void {
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^cod: error: /);
  expect(lines[0]).toMatch(re);
}

beforeAll(async () => {
  dir = tempDir('eval');
  // The eval cache under this test's own home: runs here neither read nor leave the user's.
  process.env.COD_HOME = join(dir, 'cod-home');
  m1 = join(dir, 'm1');
  m2 = join(dir, 'm2');
  // The same trained tokenizer in both (exactly the model's 512 ids).
  await tinyModels(
    [
      [m1, 1],
      [m2, 2],
    ],
    wordCorpus(777, '<answer>up</answer> Hints: keep notes. '),
  );
  curriculum = join(dir, 'curriculum.yaml');
  writeFileSync(curriculum, CURRICULUM);
});

afterAll(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a checkpoint as a policy, in process', () => {
  it('reproduces its samples for the same seeds; another salt samples differently on the same packs', async () => {
    const { curriculum: c } = loadCurriculum(curriculum);
    const suite = findSuite(c, 'fl');
    const cp = await openCheckpointPolicy(m1, { threads: 1 });
    const host = new InProcessEnvHost();
    try {
      const run = (seedSalt?: string) =>
        evaluateSuite({ suite, curriculum: c, policy: cp.policy, host, ...(seedSalt ? { seedSalt } : {}) });
      const a = await run();
      const b = await run();
      const salted = await run('other');
      const calls = (r: SuiteResult) => r.lifecycles.flatMap((l) => l.records);
      expect(calls(a).length).toBeGreaterThan(0);
      for (const call of calls(a)) {
        expect(call.tokenIds!.length).toBeGreaterThan(0);
        expect(call.logprobs).toHaveLength(call.tokenIds!.length);
      }
      expect(calls(b).map((r) => [r.response, r.tokenIds, r.logprobs])).toEqual(
        calls(a).map((r) => [r.response, r.tokenIds, r.logprobs]),
      );
      expect(b.positions).toEqual(a.positions);
      expect(salted.lifecycles.map((l) => l.packId)).toEqual(a.lifecycles.map((l) => l.packId));
      expect(calls(salted).map((r) => r.response)).not.toEqual(calls(a).map((r) => r.response));
      // An untrained model never writes an answer block: every task ends in a format error with reward 0.
      expect(a.formatErrorRate).toEqual([1, 1, 1]);
      expect(a.positions.map((p) => p.mean)).toEqual([0, 0, 0]);
    } finally {
      await host.dispose();
      await cp.dispose();
    }
  });
});

describe('cod eval', () => {
  /** `cod eval m1 --suite fl --json` with extra flags: the one suite's JSON. */
  const evalFl = async (...extra: string[]): Promise<SuiteJson> =>
    (
      JSON.parse(
        ok(await cod(['eval', m1, '--curriculum', curriculum, '--suite', 'fl', ...extra, '--json'])),
      ) as SuiteJson[]
    )[0];

  it('--json: every suite, positions with k/mean/ci_low/ci_high/n; the same output on a second run', async () => {
    const args = ['eval', m1, '--curriculum', curriculum, '--threads', '1', '--json'];
    const out = ok(await cod(args));
    const suites = JSON.parse(out) as SuiteJson[];
    expect(suites.map((s) => s.suite)).toEqual(['fl', 'fl-ralph']);
    expect(suites[0].positions.map((p) => p.k)).toEqual([0, 1, 2]);
    expect(suites[1].positions.map((p) => p.k)).toEqual([0, 1]);
    expect(suites[0].lifecycles).toBe(4);
    for (const s of suites)
      for (const p of s.positions) {
        expect(Object.keys(p)).toEqual(expect.arrayContaining(['k', 'mean', 'ci_low', 'ci_high', 'n']));
        expect(p.n).toBe(s.lifecycles);
        expect(p.ci_low!).toBeLessThanOrEqual(p.mean!);
        expect(p.ci_high!).toBeGreaterThanOrEqual(p.mean!);
      }
    // Each suite's own rise, last position minus the first within each lifecycle.
    expect(suites.map((s) => [s.rise?.first, s.rise?.last, s.rise?.n])).toEqual([
      [0, 2, 4],
      [0, 1, 2],
    ]);
    expect(ok(await cod(args))).toBe(out);
  });

  it("--seeds replaces the suites' seeds (packs per seed as before); a bad list is one error", async () => {
    const both = await evalFl();
    const run = (seeds: string) => evalFl('--seeds', seeds);
    const two = await run('2');
    expect([two.seeds, two.lifecycles]).toEqual([[2], 2]);
    const three = await run('2,7,9');
    expect([three.seeds, three.lifecycles]).toEqual([[2, 7, 9], 6]);
    await expect(run('2,x')).rejects.toThrow(/--seeds.*'x'/);
    await expect(run('2,2')).rejects.toThrow(/twice/);
    expect(both.seeds).toEqual([1, 2]);
  });

  it('a table per suite on stdout, progress on stderr; --events gives JSON progress lines', async () => {
    const human = await cod(['eval', m1, '--curriculum', curriculum, '--suite', 'fl-ralph', '--threads', '1']);
    expect(ok(human)).toMatch(/^suite fl-ralph \(ralph: frozenlake\/train, ralph_sample, S=2/);
    expect(human.stdout).toMatch(/attempt +mean +95% CI/);
    expect(human.stderr).toMatch(/4\/4 tasks/);

    // --no-cache: played now (earlier tests evaluated fl on m1), not read from the eval cache.
    const ev = await cod([
      'eval',
      m1,
      '--curriculum',
      curriculum,
      '--suite',
      'fl',
      '--threads',
      '1',
      '--events',
      '--no-cache',
    ]);
    ok(ev);
    const events = ev.stderr
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as { event: string; done: number; total: number; lifecycles: number; lifecyclesTotal: number },
      );
    // Tasks played (4 lifecycles of 3), one at a time, with the lifecycle count beside.
    expect(events.map((e) => e.done)).toEqual(Array.from({ length: 13 }, (_, i) => i));
    expect(events.every((e) => e.event === 'progress' && e.total === 12 && e.lifecyclesTotal === 4)).toBe(true);
  });

  it('baselines: empty context, truncated log, scripted oracle notes', async () => {
    const run = (b: string) => evalFl('--baseline', b);
    const none = await run('none');
    expect([none.memory, none.baseline, none.hintParseRate]).toEqual(['none', 'none', null]);
    const log = await run('append_log');
    expect([log.memory, log.baseline, log.hintParseRate]).toEqual(['append_log', 'append_log', null]);
    // The oracle's notes always parse; the untrained model's own notes never do.
    const oracle = await run('oracle_notes');
    expect([oracle.memory, oracle.baseline, oracle.hintParseRate]).toEqual(['notes', 'oracle_notes', 1]);
    const own = await evalFl();
    expect(own.hintParseRate).toBe(0);
  });
});

describe('cod compare', () => {
  it('a checkpoint with itself: identical sides, every delta exactly 0', async () => {
    const out = ok(await cod(['compare', m1, m1, '--curriculum', curriculum, '--threads', '1', '--json']));
    const cmp = JSON.parse(out) as CompareJson[];
    expect(cmp.map((c) => c.suite)).toEqual(['fl', 'fl-ralph']);
    for (const c of cmp) {
      expect(c.b.positions).toEqual(c.a.positions);
      expect(c.delta).toHaveLength(c.a.positions.length);
      for (const d of c.delta) {
        expect([d.mean, d.ci_low, d.ci_high, d.excludesZero]).toEqual([0, 0, 0, false]);
        expect(d.n).toBe(c.a.lifecycles);
      }
    }
  });

  it('two checkpoints: both sides and the delta per position; a human table', async () => {
    const cmp = JSON.parse(
      ok(await cod(['compare', m1, m2, '--curriculum', curriculum, '--suite', 'fl', '--json'])),
    ) as CompareJson[];
    expect(cmp).toHaveLength(1);
    expect(cmp[0].a.positions.map((p) => p.k)).toEqual([0, 1, 2]);
    expect(cmp[0].b.positions.map((p) => p.k)).toEqual([0, 1, 2]);
    expect(cmp[0].delta.map((d) => d.k)).toEqual([0, 1, 2]);
    const human = ok(await cod(['compare', m1, m2, '--curriculum', curriculum, '--suite', 'fl-ralph']));
    expect(human).toContain('delta = B − A, paired over the same packs and seeds');
    expect(human).toMatch(/attempt +A +B +delta +95% CI/);
  });
});

describe('cod runs', () => {
  let store: string;
  let runId: string;

  beforeAll(async () => {
    store = join(dir, 'runs.db');
    const { curriculum: c } = loadCurriculum(curriculum);
    const cp = await openCheckpointPolicy(m1, { threads: 1 });
    const host = new InProcessEnvHost();
    let result: SuiteResult;
    try {
      result = await evaluateSuite({ suite: findSuite(c, 'fl'), curriculum: c, policy: cp.policy, host });
    } finally {
      await host.dispose();
      await cp.dispose();
    }
    const s = openStore(store);
    try {
      const run = s.createRun({
        name: 'demo-run',
        // What cod train stores (main/training/run-session.ts): the loaded curriculum beside the trainer's config.
        config: JSON.parse(
          JSON.stringify({
            curriculum: c,
            curriculumFile: curriculum,
            pluginDirs: [],
            model: m1,
            trainer: parseTrainerConfig(c.training),
          } satisfies StoredRunConfig),
        ),
        seeds: [0],
        codeVersion: 'test',
        runDir: dir,
      });
      runId = run.id;
      s.acquireRunLease(run.id);
      s.setRunStatus(run.id, 'running');
      for (const step of [1, 2])
        s.commitStep(run.id, step, {
          timing: { rolloutS: 1, trainS: 1, idleS: 0 },
          policyVersion: step,
          metrics: { 'reward/pos0': 0.1 * step, 'reward/pos1': 0.2 * step, 'reward/pos2': 0.3 * step, loss: 1 / step },
        });
      s.addCheckpoint(run.id, { step: 0, path: m1, sha256: 'c'.repeat(64) });
      s.addCheckpoint(run.id, { step: 2, path: m2, sha256: 'd'.repeat(64) });
      s.commitEval(run.id, evalCommit(result, 0));
      s.setCheckpointEval(run.id, 0, 'fl', evalSummaryJson(result));
      s.setRunStatus(run.id, 'finished');
    } finally {
      s.close();
    }
  });

  it('list: id, name, status, steps, created, latest reward by position', async () => {
    const rows = JSON.parse(ok(await cod(['runs', 'list', '--store', store, '--json']))) as Array<
      Record<string, unknown>
    >;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: runId, name: 'demo-run', status: 'finished', steps: 2, lastStep: 2 });
    expect(rows[0].rewardByPosition).toEqual([0.2, 0.4, 0.6]);
    expect(rows[0].metrics).toMatchObject({ loss: 0.5 });
    expect(Date.parse(rows[0].created as string)).toBeGreaterThan(0);
    const human = ok(await cod(['runs', 'list', '--store', store]));
    expect(human).toMatch(new RegExp(`^${runId} +demo-run +finished +2 `, 'm'));
    expect(human).toContain('0.200 0.400 0.600');
  });

  it('show: config summary, steps, latest metrics, checkpoints with their eval results', async () => {
    const shown = JSON.parse(ok(await cod(['runs', 'show', runId, '--store', store, '--json']))) as {
      checkpoints: Array<{ step: number; eval: Record<string, SuiteJson> }>;
      steps: number;
    };
    expect(shown.steps).toBe(2);
    expect(shown.checkpoints.map((c) => c.step)).toEqual([0, 2]);
    expect(shown.checkpoints[0].eval.fl.positions.map((p) => p.k)).toEqual([0, 1, 2]);
    const human = ok(await cod(['runs', 'show', runId, '--store', store]));
    expect(human).toContain('curriculum: eval-cli');
    expect(human).toContain(`model: ${m1}`);
    expect(human).toContain('evals: fl, fl-ralph');
    expect(human).toContain('train: frozenlake/train×1; cod packs of 4, group 8, 8 packs/step');
    expect(human).toContain('steps: 2 (last 2)');
    expect(human).toContain('reward by position: k0 0.200  k1 0.400  k2 0.600');
    expect(human).toContain('loss: 0.5000');
    expect(human).toMatch(/step 0 .*m1 +sha256 cccccccccccc/);
    expect(human).toMatch(/ {4}fl: k0 0\.000 \[0\.000, 0\.000\] {2}k1/);
    expect(human).toContain('(not evaluated)');
  });

  it('a run left running by a trainer that is gone shows as interrupted, with how to resume it', async () => {
    const other = join(dir, 'interrupted.db');
    const s = openStore(other);
    let id: string;
    try {
      const run = s.createRun({ name: 'killed', config: { name: 'x' }, seeds: [0], codeVersion: 'test', runDir: dir });
      id = run.id;
      s.acquireRunLease(id);
      s.setRunStatus(id, 'running');
      // While this handle holds the lease, the run is live.
      expect(ok(await cod(['runs', 'list', '--store', other]))).toMatch(new RegExp(`^${id} +killed +running `, 'm'));
    } finally {
      s.close(); // releases the lease and leaves the status 'running', as a trainer killed between steps does
    }
    const rows = JSON.parse(ok(await cod(['runs', 'list', '--store', other, '--json']))) as Array<
      Record<string, unknown>
    >;
    expect(rows[0]).toMatchObject({ status: 'running', interrupted: true });
    expect(ok(await cod(['runs', 'list', '--store', other]))).toMatch(new RegExp(`^${id} +killed +interrupted `, 'm'));
    expect(ok(await cod(['runs', 'show', id, '--store', other]))).toContain(
      `interrupted: its trainer is gone; continue with cod train --resume ${id}`,
    );
  });

  it('the default store is $COD_HOME/runs.db; a missing store or run is one error line', async () => {
    const home = join(dir, 'home');
    const prev = process.env.COD_HOME;
    process.env.COD_HOME = home;
    try {
      oneLineError(await cod(['runs', 'list']), /runs\.db: no run store here/);
      cpSync(store, join(home, 'runs.db'));
      expect(JSON.parse(ok(await cod(['runs', 'list', '--json'])))).toHaveLength(1);
    } finally {
      if (prev === undefined) delete process.env.COD_HOME;
      else process.env.COD_HOME = prev;
    }
    oneLineError(await cod(['runs', 'show', 'NOSUCHRN', '--store', store]), /NOSUCHRN/);
    oneLineError(await cod(['runs', 'show', '--store', store]), /expected exactly one RUN_ID/);
    const notStore = join(dir, 'not-a-store.db');
    writeFileSync(notStore, 'hello, not sqlite');
    oneLineError(await cod(['runs', 'list', '--store', notStore]), /not-a-store\.db/);
  });
});

describe('bad input is one error line', () => {
  it('missing, corrupt or incomplete checkpoint directories', async () => {
    const evalOf = (d: string) => cod(['eval', d, '--curriculum', curriculum, '--suite', 'fl']);
    oneLineError(await evalOf(join(dir, 'nope')), /nope: checkpoint directory not found/);
    const corrupt = join(dir, 'corrupt');
    cpSync(m1, corrupt, { recursive: true });
    writeFileSync(join(corrupt, 'config.json'), '{ not json');
    oneLineError(await evalOf(corrupt), /config\.json/);
    const truncated = join(dir, 'truncated');
    cpSync(m1, truncated, { recursive: true });
    writeFileSync(join(truncated, 'model.safetensors'), Buffer.alloc(10));
    oneLineError(await evalOf(truncated), /model\.safetensors/);
    const noTokenizer = join(dir, 'no-tokenizer');
    cpSync(m1, noTokenizer, { recursive: true });
    rmSync(join(noTokenizer, 'tokenizer.json'));
    oneLineError(await evalOf(noTokenizer), /tokenizer/);
    // compare checks both sides before any lifecycle runs
    oneLineError(
      await cod(['compare', m1, join(dir, 'nope'), '--curriculum', curriculum]),
      /nope: checkpoint directory not found/,
    );
  });

  it('unknown suite, bad curriculum, bad flags', async () => {
    oneLineError(
      await cod(['eval', m1, '--curriculum', curriculum, '--suite', 'nope']),
      /has no eval suite 'nope' \(suites: fl, fl-ralph\)/,
    );
    oneLineError(await cod(['compare', m1, m2, '--curriculum', curriculum, '--suite', 'nope']), /no eval suite 'nope'/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, CURRICULUM.replace('rendering: compact', 'rendering: compact\ntrian: 1'));
    oneLineError(await cod(['eval', m1, '--curriculum', bad]), /bad\.yaml:3:1: trian: unknown field 'trian'/);
    oneLineError(
      await cod(['eval', m1, '--curriculum', join(dir, 'missing.yaml')]),
      /missing\.yaml: curriculum file does not exist/,
    );
    const noEvals = join(dir, 'no-evals.yaml');
    writeFileSync(noEvals, CURRICULUM.slice(0, CURRICULUM.indexOf('evals:')));
    oneLineError(await cod(['eval', m1, '--curriculum', noEvals]), /has no eval suites/);
    oneLineError(await cod(['eval', m1]), /missing required option --curriculum/);
    oneLineError(
      await cod(['eval', m1, '--curriculum', curriculum, '--baseline', 'oracle']),
      /unknown baseline 'oracle'/,
    );
    oneLineError(await cod(['eval', m1, '--curriculum', curriculum, '--threads', '0']), /--threads must be at least 1/);
    oneLineError(await cod(['eval', '--curriculum', curriculum]), /expected exactly one CHECKPOINT_DIR/);
    oneLineError(await cod(['compare', m1, '--curriculum', curriculum]), /expected two checkpoint directories/);
  });
});
