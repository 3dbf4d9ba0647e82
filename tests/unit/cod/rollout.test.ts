import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CodError } from '../../../main/base/errors.ts';
import { lifecycleConfig } from '../../../main/cod/config.ts';
import { planPacks, type PackSpec } from '../../../main/cod/packs.ts';
import type { Policy, PolicyRequest, PolicyResponse } from '../../../main/cod/policy.ts';
import type { LifecycleResult } from '../../../main/cod/records.ts';
import { runRollout } from '../../../main/cod/rollout.ts';
import { ScriptedPolicy } from '../../../main/cod/scripted-policy.ts';
import type { EnvHost, PackHandle } from '../../../main/envs/host.ts';
import { InProcessEnvHost } from '../../../main/envs/inprocess-host.ts';
import type { DomainWithAgents, OpenPackArgs } from '../../../main/envs/sdk.ts';
import { hiddenOffsetDomain } from '../../fixtures/domains/hidden-offset.ts';

const host = new InProcessEnvHost([hiddenOffsetDomain]);

function packs(count: number, S = 4, datasetId = 'ro'): PackSpec[] {
  return planPacks({
    datasetId,
    domain: 'hidden-offset',
    preset: 'train',
    split: 'train',
    strategy: 'cod',
    packSize: S,
    count,
  });
}

/** Records every batch it serves, then answers through the scripted oracle. */
class BatchLog implements Policy {
  readonly name = 'batch-log';
  readonly batches: string[][] = [];
  constructor(private readonly inner: Policy) {}
  async respond(batch: readonly PolicyRequest[]): Promise<PolicyResponse[]> {
    this.batches.push(batch.map((r) => r.lifecycleId));
    return this.inner.respond(batch);
  }
  endLifecycle(id: string): void {
    this.inner.endLifecycle?.(id);
  }
}

/** An env host whose steps are slow for chosen packs (like a sandboxed plugin doing heavy work). */
class SlowHost implements EnvHost {
  constructor(
    private readonly inner: EnvHost,
    private readonly slowSeeds: ReadonlySet<string>,
    private readonly ms: number,
  ) {}
  async openPack(domain: string, args: OpenPackArgs): Promise<PackHandle> {
    const h = await this.inner.openPack(domain, args);
    if (!this.slowSeeds.has(args.seed)) return h;
    const ms = this.ms;
    return {
      domain: h.domain,
      seed: h.seed,
      startTask: (i) => h.startTask(i),
      async step(action) {
        await sleep(ms);
        return h.step(action);
      },
      formatError: (r) => h.formatError(r),
      close: () => h.close(),
    };
  }
  dispose(): Promise<void> {
    return this.inner.dispose();
  }
}

const oracle = (seed = 'o') => new ScriptedPolicy(hiddenOffsetDomain, { kind: 'oracle', seed });

describe('rollout', () => {
  it('runs G rollouts of every pack, results in pack order, ids and seeds distinct', async () => {
    const ps = packs(3);
    const { lifecycles } = await runRollout({
      host,
      policy: oracle(),
      packs: ps,
      groupSize: 4,
      config: lifecycleConfig(),
    });
    expect(lifecycles.map((l) => l.lifecycleId)).toEqual(ps.flatMap((p) => [0, 1, 2, 3].map((g) => `${p.id}#${g}`)));
    expect(lifecycles.map((l) => l.rolloutIndex)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
    // The deterministic oracle plays the same pack identically in every rollout of the group.
    expect(lifecycles[1].taskRewards).toEqual(lifecycles[0].taskRewards);
    const seeds = new Set(lifecycles.flatMap((l) => l.records.map((r) => r.seed)));
    expect(seeds.size).toBe(lifecycles.reduce((n, l) => n + l.records.length, 0));
  });

  it('batches calls of many lifecycles together, never above maxBatch', async () => {
    const policy = new BatchLog(oracle());
    const r = await runRollout({
      host,
      policy,
      packs: packs(8),
      groupSize: 4,
      config: lifecycleConfig(),
      scheduler: { maxBatch: 10 },
    });
    const calls = r.lifecycles.reduce((n, l) => n + l.records.length, 0);
    expect(policy.batches.flat()).toHaveLength(calls);
    expect(Math.max(...policy.batches.map((b) => b.length))).toBeLessThanOrEqual(10);
    const mixed = policy.batches.filter((b) => new Set(b).size > 1);
    expect(mixed.length).toBeGreaterThan(policy.batches.length / 2);
    expect(policy.batches.filter((b) => b.length === 10).length).toBeGreaterThan(0);
    // One call per lifecycle per batch: a lifecycle's calls are sequential.
    for (const b of policy.batches) expect(new Set(b).size).toBe(b.length);
    expect(r.scheduler).toMatchObject({ batches: policy.batches.length, calls, largestBatch: 10 });
    // The first batch waits for company: it leaves full, not with the first caller alone.
    expect(policy.batches[0]).toHaveLength(10);
    const all = new BatchLog(oracle());
    await runRollout({ host, policy: all, packs: packs(8), groupSize: 4, config: lifecycleConfig() });
    expect(new Set(all.batches[0]).size).toBe(32);
  });

  it('a slow environment does not pace the other lifecycles', async () => {
    const ps = packs(4, 4, 'slow');
    const slow = new SlowHost(host, new Set([ps[0].seed]), 25);
    const finished: { id: string; at: number }[] = [];
    const t0 = performance.now();
    const policy = new BatchLog(oracle());
    const r = await runRollout({
      host: slow,
      policy,
      packs: ps,
      groupSize: 2,
      config: lifecycleConfig(),
      onLifecycle: (l) => finished.push({ id: l.lifecycleId, at: performance.now() - t0 }),
    });
    expect(r.lifecycles.every((l) => !l.error)).toBe(true);
    const slowIds = new Set([`${ps[0].id}#0`, `${ps[0].id}#1`]);
    const fastDone = finished.filter((f) => !slowIds.has(f.id));
    const slowDone = finished.filter((f) => slowIds.has(f.id));
    // Every fast lifecycle finished before either slow one, and well before the slow ones did.
    expect(finished.slice(0, fastDone.length).every((f) => !slowIds.has(f.id))).toBe(true);
    const slowSteps = r.lifecycles.filter((l) => slowIds.has(l.lifecycleId))[0].envSteps.reduce((a, b) => a + b);
    expect(Math.max(...fastDone.map((f) => f.at))).toBeLessThan(Math.min(...slowDone.map((f) => f.at)) - 10);
    expect(Math.min(...slowDone.map((f) => f.at))).toBeGreaterThanOrEqual(slowSteps * 25 - 5);
  });

  it('an env fault fails only its own lifecycle, with the error recorded; the others finish', async () => {
    const ps = packs(3, 4, 'fault');
    const faulty: PackSpec = { ...ps[1], options: { faultAt: { task: 2, turn: 0 } } };
    const r = await runRollout({
      host,
      policy: oracle(),
      packs: [ps[0], faulty, ps[2]],
      groupSize: 2,
      config: lifecycleConfig(),
    });
    const failed = r.lifecycles.filter((l) => l.error);
    expect(failed.map((l) => l.lifecycleId)).toEqual([`${faulty.id}#0`, `${faulty.id}#1`]);
    for (const l of failed) {
      expect(l.error?.code).toBe('env_fault');
      expect(l.error?.message).toContain("domain 'hidden-offset'");
      expect(l.error?.message).toContain('injected fault at task 2');
      expect(l.taskRewards).toHaveLength(2); // tasks 0 and 1 finished before the fault
      const faulted = l.records.filter((x) => x.error);
      expect(faulted.length).toBeGreaterThan(0);
      for (const x of faulted) {
        expect(x.position).toBe(2);
        expect(x.outcome).toBe('env_fault');
      }
    }
    for (const l of r.lifecycles.filter((x) => !x.error)) expect(l.taskRewards).toHaveLength(4);
  });

  it("a scripted agent's exception fails only its lifecycle", async () => {
    let calls = 0;
    const flaky: DomainWithAgents = {
      ...hiddenOffsetDomain,
      scriptedAgent(args) {
        const inner = hiddenOffsetDomain.scriptedAgent(args);
        return {
          act: (h, v) => {
            if (v.target !== undefined && ++calls === 3) throw new Error('agent bug');
            return inner.act(h, v);
          },
          writeNotes: (p, v, e) => inner.writeNotes(p, v, e),
        };
      },
    };
    const r = await runRollout({
      host,
      policy: new ScriptedPolicy(flaky, { kind: 'oracle', seed: 'f' }),
      packs: packs(3, 3, 'flaky'),
      groupSize: 1,
      config: lifecycleConfig(),
      scheduler: { maxBatch: 1 },
    });
    const failed = r.lifecycles.filter((l) => l.error);
    expect(failed).toHaveLength(1);
    expect(failed[0].error?.message).toContain('agent bug');
    expect(r.lifecycles.filter((l) => !l.error)).toHaveLength(2);
  });

  it('a failing policy aborts the rollout with its error after closing every pack', async () => {
    let open = 0;
    const counting: EnvHost = {
      async openPack(d, a) {
        const h = await host.openPack(d, a);
        open++;
        return {
          ...h,
          startTask: (i) => h.startTask(i),
          step: (x) => h.step(x),
          formatError: (x) => h.formatError(x),
          domain: h.domain,
          seed: h.seed,
          close: async () => {
            open--;
            await h.close();
          },
        };
      },
      dispose: () => host.dispose(),
    };
    let n = 0;
    const broken: Policy = {
      name: 'broken',
      async respond(batch) {
        if (++n === 3) throw new CodError('internal', 'model worker crashed');
        return oracle().respond(batch);
      },
    };
    await expect(
      runRollout({ host: counting, policy: broken, packs: packs(4), groupSize: 2, config: lifecycleConfig() }),
    ).rejects.toThrow('model worker crashed');
    expect(open).toBe(0);
    const short: Policy = { name: 'short', respond: async () => [] };
    await expect(
      runRollout({ host, policy: short, packs: packs(1), groupSize: 1, config: lifecycleConfig() }),
    ).rejects.toThrow(/returned 0 responses for 1 requests/);
  });

  it('is reproducible: same seeds give identical records; another rollout seed samples differently', async () => {
    const random = () => new ScriptedPolicy(hiddenOffsetDomain, { kind: 'random', seed: 'r' });
    const run = async (policy: Policy, seed: string, maxBatch: number): Promise<LifecycleResult[]> =>
      (
        await runRollout({
          host,
          policy,
          packs: packs(3, 4, 'repro'),
          groupSize: 3,
          config: lifecycleConfig({ rendering: 'compact' }),
          seed,
          scheduler: { maxBatch },
        })
      ).lifecycles;
    // Different batching must not change anything either.
    const a = await run(random(), 'step-1', 64);
    const b = await run(random(), 'step-1', 3);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    const c = await run(random(), 'step-2', 64);
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
    const o1 = await run(oracle('x'), 'step-1', 64);
    const o2 = await run(oracle('x'), 'step-1', 7);
    expect(JSON.stringify(o2)).toBe(JSON.stringify(o1));
  });

  it('stops when its signal aborts: the rollout rejects with the reason, no lifecycle starts after it', async () => {
    const ctl = new AbortController();
    let batches = 0;
    // A policy that aborts the rollout during its third batch; that batch still answers.
    const inner = oracle();
    const stopping: Policy = {
      name: 'stopping',
      respond: async (batch) => {
        if (++batches === 3) ctl.abort(new CodError('internal', 'asked to stop'));
        return inner.respond(batch);
      },
    };
    let opened = 0;
    const counting: EnvHost = { openPack: (d, a) => (opened++, host.openPack(d, a)), dispose: async () => undefined };
    await expect(
      runRollout({
        host: counting,
        policy: stopping,
        packs: packs(6),
        groupSize: 2,
        config: lifecycleConfig(),
        maxActive: 4,
        signal: ctl.signal,
      }),
    ).rejects.toThrow('asked to stop');
    expect(batches).toBe(3); // no model call after the abort
    expect(opened).toBe(4); // the 8 lifecycles not yet running never started
    // Already aborted: nothing runs at all.
    opened = 0;
    await expect(
      runRollout({
        host: counting,
        policy: oracle(),
        packs: packs(1),
        groupSize: 1,
        config: lifecycleConfig(),
        signal: ctl.signal,
      }),
    ).rejects.toThrow('asked to stop');
    expect(opened).toBe(0);
  });

  it('rejects duplicate packs and bad group sizes', async () => {
    const ps = packs(1);
    await expect(
      runRollout({ host, policy: oracle(), packs: [ps[0], ps[0]], groupSize: 1, config: lifecycleConfig() }),
    ).rejects.toThrow(/appears twice/);
    await expect(
      runRollout({ host, policy: oracle(), packs: ps, groupSize: 0, config: lifecycleConfig() }),
    ).rejects.toThrow(/groupSize/);
  });
});
