/**
 * The trainer end to end on the built-in model: packed episodes score like their calls, a run killed with SIGKILL
 * and resumed ends with the metrics of an uninterrupted run, and bad input stops with one clear error.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lifecycleConfig } from '../../main/cod/config.ts';
import { assignCredit } from '../../main/cod/credit.ts';
import { planPacks } from '../../main/cod/packs.ts';
import { runRollout } from '../../main/cod/rollout.ts';
import { InProcessEnvHost } from '../../main/envs/inprocess-host.ts';
import { getDomain } from '../../main/envs/registry.ts';
import { loadCheckpoint } from '../../main/models/checkpoint.ts';
import { packBatch, unpackPerToken } from '../../main/models/packing.ts';
import { ModelRuntime } from '../../main/models/runtime.ts';
import { openStore } from '../../main/store/index.ts';
import { openCheckpointPolicy } from '../../main/training/checkpoint-policy.ts';
import { buildSequences, type TrainSequence } from '../../main/training/sequences.ts';
import { cod } from '../support/cod.ts';
import { tempDir } from '../support/temp.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BUILTIN = join(ROOT, 'resources', 'models', 'builtin');

const CURRICULUM = `name: resume-test
rendering: compact
train:
  domains: [{ id: frozenlake, preset: train }]
  packSize: 2
  groupSize: 2
  packsPerStep: 2
lifecycle: { solveMaxNewTokens: 24, updateMaxNewTokens: 48 }
training:
  lr: 1.0e-3
  steps: 4
  saveEvery: 2
  seed: 3
  aheadSteps: 1
`;

async function scoreSequences(rt: ModelRuntime, seqs: TrainSequence[]): Promise<number[][]> {
  const packed = packBatch({ sequences: seqs.map((s) => s.ids), lossMask: seqs.map((s) => s.mask) });
  const { logp } = await rt.score(packed);
  return unpackPerToken(packed, logp).map((r) => r.map((x) => x ?? 0));
}

describe('trainer', () => {
  it('one packed sequence per solve episode gives the log-probs of its calls scored one by one', async () => {
    const fl = getDomain('frozenlake');
    const host = new InProcessEnvHost([fl]);
    const cp = await openCheckpointPolicy(BUILTIN, { threads: 1 });
    const r = await runRollout({
      host,
      policy: cp.policy,
      packs: planPacks({
        datasetId: 'pack-test',
        domain: 'frozenlake',
        preset: 'train',
        split: 'train',
        strategy: 'cod',
        packSize: 2,
        count: 3,
      }),
      groupSize: 1,
      config: lifecycleConfig({ rendering: 'compact', solveMaxNewTokens: 24, updateMaxNewTokens: 96 }),
      seed: 'pack-test',
    });
    await cp.dispose();
    await host.dispose();
    const credit = assignCredit(r.lifecycles);
    const packed = buildSequences(credit.samples);
    const perCall = buildSequences(credit.samples, { packEpisodes: false });
    const multi = packed.sequences.filter((s) => s.calls > 1);
    expect(multi.length).toBeGreaterThan(0);
    expect(perCall.sequences.length).toBeGreaterThan(packed.sequences.length);

    const m = await loadCheckpoint(BUILTIN);
    const rt = new ModelRuntime(m.config, m.weights, { threads: 1 });
    const a = await scoreSequences(rt, packed.sequences);
    const b = await scoreSequences(rt, perCall.sequences);
    await rt.dispose();
    // Response-token log-probs in call order, from both forms, and the sampler's own.
    const flat = (seqs: TrainSequence[], lp: number[][]): number[] =>
      seqs.flatMap((s, i) => s.mask.flatMap((x, t) => (x ? [lp[i][t]] : [])));
    const order = (seqs: TrainSequence[]): string[] =>
      seqs.flatMap((s) => s.mask.flatMap((x) => (x ? [`${s.lifecycleId}/${s.kind}/${s.position}`] : [])));
    // Same episodes in the same order: per-call sequences of one episode are consecutive.
    expect(order(perCall.sequences)).toEqual(order(packed.sequences));
    const pa = flat(packed.sequences, a);
    const pb = flat(perCall.sequences, b);
    const sampler = packed.sequences.flatMap((s) => s.oldLogp.filter((_, t) => s.mask[t]));
    expect(pa.length).toBe(pb.length);
    let worstCalls = 0;
    let worstSampler = 0;
    pa.forEach((x, i) => {
      worstCalls = Math.max(worstCalls, Math.abs(x - pb[i]));
      worstSampler = Math.max(worstSampler, Math.abs(x - sampler[i]));
    });
    expect(worstCalls).toBeLessThan(1e-5);
    expect(worstSampler).toBeLessThan(1e-4);
  }, 120_000);

  it('a run killed with SIGKILL mid-step and resumed ends with the metrics of an uninterrupted run', async () => {
    const dir = tempDir('resume');
    const curriculum = join(dir, 'c.yaml');
    writeFileSync(curriculum, CURRICULUM);

    const whole = await cod(['train', curriculum, '--store', join(dir, 'a.db'), '--out', join(dir, 'a'), '--events']);
    expect(whole.stderr).toBe('');
    expect(whole.code).toBe(0);
    const wholeId = JSON.parse(whole.stdout.split('\n')[0]).runId as string;

    // Second run: kill -9 once step 3 is committed (the rollout of step 4 is then in flight; the last checkpoint
    // is step 2), then resume.
    const killedId = await new Promise<string>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          join(ROOT, 'bin', 'cod.mjs'),
          'train',
          curriculum,
          '--store',
          join(dir, 'b.db'),
          '--out',
          join(dir, 'b'),
          '--events',
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let id = '';
      let buf = '';
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        for (const line of buf.split('\n').slice(0, -1)) {
          const e = JSON.parse(line) as { event: string; runId?: string; step?: number };
          if (e.event === 'run') id = e.runId!;
          if (e.event === 'step' && e.step === 3) child.kill('SIGKILL');
        }
        buf = buf.slice(buf.lastIndexOf('\n') + 1);
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(id) : reject(new Error(`exit ${code}`))));
    });
    const before = openStore(join(dir, 'b.db'));
    expect(before.listSteps(killedId).map((s) => s.step)).toEqual([1, 2, 3]);
    before.close();
    const resumed = await cod(['train', '--resume', killedId, '--store', join(dir, 'b.db'), '--events']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout.split('\n')[0])).toMatchObject({ event: 'run', resumedFrom: 2 });

    const a = openStore(join(dir, 'a.db'));
    const b = openStore(join(dir, 'b.db'));
    expect(b.listSteps(killedId).map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(b.getRun(killedId).status).toBe('finished');
    const names = a.listMetricNames(wholeId).filter((n) => !n.startsWith('time/') && !n.startsWith('throughput/'));
    expect(names).toContain('reward/pos1');
    expect(names).toContain('loss');
    expect(
      b
        .listMetricNames(killedId)
        .filter((n) => names.includes(n))
        .sort(),
    ).toEqual([...names].sort());
    const sa = a.getSeries(wholeId, names);
    const sb = b.getSeries(killedId, names);
    for (const n of names) {
      expect([...sb[n].steps], n).toEqual([...sa[n].steps]);
      expect([...sb[n].values], n).toEqual([...sa[n].values]);
    }
    expect(b.listLifecycles(killedId).length).toBe(a.listLifecycles(wholeId).length);
    a.close();
    b.close();
  }, 600_000);

  it('bad input: invalid curriculum, taken run directory, corrupt checkpoint, held lease — one error, store intact', async () => {
    const dir = tempDir('train-bad');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, CURRICULUM.replace('packSize: 2', 'packSize: -2'));
    let r = await cod(['train', bad, '--store', join(dir, 's.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+.*packSize/);

    const good = join(dir, 'good.yaml');
    writeFileSync(good, CURRICULUM.replace('steps: 4', 'steps: 2'));
    r = await cod(['train', good, '--model', join(dir, 'nope'), '--store', join(dir, 's.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nope.*config\.json/);

    r = await cod(['train', good, '--store', join(dir, 's.db'), '--out', join(dir, 'run'), '--events']);
    expect(r.code).toBe(0);
    const runId = JSON.parse(r.stdout.split('\n')[0]).runId as string;
    r = await cod(['train', good, '--store', join(dir, 's.db'), '--out', join(dir, 'run')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`already belongs to run ${runId}.*--resume`));

    // A finished run needs --steps to extend; then a corrupt checkpoint is refused before anything is written.
    r = await cod(['train', '--resume', runId, '--store', join(dir, 's.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already finished/);
    const ckpt = join(dir, 'run', 'checkpoints', 'step-000002', 'model.safetensors');
    const bytes = readFileSync(ckpt);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(ckpt, bytes);
    r = await cod(['train', '--resume', runId, '--steps', '3', '--store', join(dir, 's.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sha256/);
    const store = openStore(join(dir, 's.db'));
    expect(store.listSteps(runId).map((s) => s.step)).toEqual([1, 2]);
    expect(store.checkIntegrity()).toEqual([]);
    // Another process holding the run's lease: a second trainer is refused.
    store.acquireRunLease(runId);
    r = await cod(['train', '--resume', runId, '--steps', '3', '--store', join(dir, 's.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/already being trained by pid/);
    store.close();
  }, 300_000);

  it('a full disk fails the step with one error, keeps every committed step whole, and the run resumes', async () => {
    const dir = tempDir('train-full');
    const c = join(dir, 'c.yaml');
    writeFileSync(c, CURRICULUM.replace('saveEvery: 2', 'saveEvery: 1'));
    const db = join(dir, 's.db');
    // 0.2 MB holds the run row and one or two steps of samples, not four.
    let r = await cod(['train', c, '--store', db, '--out', join(dir, 'run'), '--store-max-mb', '0.2', '--events']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/disk full/);
    const runId = JSON.parse(r.stdout.split('\n')[0]).runId as string;
    let store = openStore(db);
    expect(store.checkIntegrity()).toEqual([]);
    const kept = store.listSteps(runId).map((s) => s.step);
    expect(kept.length).toBeLessThan(4);
    expect(kept).toEqual(kept.map((_, i) => i + 1));
    store.close();
    r = await cod(['train', '--resume', runId, '--store', db, '--events']);
    expect(r.code).toBe(0);
    store = openStore(db);
    expect(store.listSteps(runId).map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(store.getRun(runId).status).toBe('finished');
    store.close();
  }, 300_000);
});
