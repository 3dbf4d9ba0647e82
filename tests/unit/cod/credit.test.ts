import { describe, expect, it } from 'vitest';
import { lifecycleConfig } from '../../../main/cod/config.ts';
import { assignCredit } from '../../../main/cod/credit.ts';
import { planPacks } from '../../../main/cod/packs.ts';
import type { CallRecord, LifecycleResult } from '../../../main/cod/records.ts';
import { runRollout } from '../../../main/cod/rollout.ts';
import { ScriptedPolicy } from '../../../main/cod/scripted-policy.ts';
import { InProcessEnvHost } from '../../../main/envs/inprocess-host.ts';
import { hiddenOffsetDomain } from '../../fixtures/domains/hidden-offset.ts';

function rec(l: string, kind: 'solve' | 'update', position: number, turn: number, response: string): CallRecord {
  return {
    lifecycleId: l,
    packId: 'p',
    domain: 'd',
    rolloutIndex: 0,
    position,
    task: position,
    taskId: `t${position}`,
    episodeKind: kind,
    turn,
    requestId: `${l}/${position}/${kind}/${turn}`,
    seed: 's',
    messages: [],
    response,
    hintBefore: 'Hints: null',
    reward: 0,
    outcome: kind === 'solve' ? 'success' : 'hints_updated',
    parseOk: true,
    envSteps: 1,
  };
}

function life(id: string, rx: number[], rz: number[], records: CallRecord[], error?: boolean): LifecycleResult {
  return {
    lifecycleId: id,
    packId: 'p',
    domain: 'd',
    preset: 'train',
    strategy: 'cod',
    rolloutIndex: 0,
    memory: 'notes',
    tasks: rx.map((_, i) => i),
    taskRewards: rx,
    outcomes: rx.map(() => 'success'),
    envSteps: rx.map(() => 1),
    updateRewards: rz,
    hintParseOk: rz.map((r) => r === 0),
    hints: rx.map(() => 'Hints: null'),
    records,
    ...(error ? { error: { code: 'env_fault' as const, message: 'boom' } } : {}),
  };
}

describe('assignCredit', () => {
  // Two rollouts of one pack, S = 2. a: r^x = [0, 1], r^z = [0]; b: r^x = [1, 0], r^z = [-0.1].
  // R^x: a = [0.5, 1], b = [0.5, 0]; R^z: a = (0 + 1)/2 = 0.5, b = (-0.1 + 0)/2 = -0.05.
  const a = life(
    'a',
    [0, 1],
    [0],
    [
      rec('a', 'solve', 0, 0, 'xx'),
      rec('a', 'solve', 0, 1, 'xx'),
      rec('a', 'update', 0, 0, 'xxxx'),
      rec('a', 'solve', 1, 0, 'x'),
    ],
  );
  const b = life(
    'b',
    [1, 0],
    [-0.1],
    [rec('b', 'solve', 0, 0, 'xx'), rec('b', 'update', 0, 0, 'xxxx'), rec('b', 'solve', 1, 0, 'xxxxxxxx')],
  );

  it('baselines each slot over the group and gives every call of an episode its advantage', () => {
    const c = assignCredit([a, b], { redWeight: false });
    const by = (id: string) => c.samples.find((s) => s.record.requestId === id);
    expect(c.samples).toHaveLength(7);
    expect(c.slots).toBe(3);
    // solve 0: both R = 0.5 → A = 0 for both calls of a and the call of b
    expect(by('a/0/solve/0')?.advantage).toBe(0);
    expect(by('a/0/solve/1')?.advantage).toBe(0);
    expect(by('b/0/solve/0')?.advantage).toBe(0);
    // solve 1: R = 1 vs 0 → ±0.5
    expect(by('a/1/solve/0')?.advantage).toBeCloseTo(0.5, 12);
    expect(by('b/1/solve/0')?.advantage).toBeCloseTo(-0.5, 12);
    // update 0: R = 0.5 vs -0.05 → mean 0.225 → ±0.275
    expect(by('a/0/update/0')?.return).toBeCloseTo(0.5, 12);
    expect(by('a/0/update/0')?.advantage).toBeCloseTo(0.275, 12);
    expect(by('b/0/update/0')?.advantage).toBeCloseTo(-0.275, 12);
    expect(c.redTemperature).toBeNull();
  });

  it('applies RED-Weight over all samples of the step and reports T when Σ A·L < 0', () => {
    // Lengths: a's solve-1 call 1 char (A = +0.5), b's 8 chars (A = -0.5): Σ A·L < 0.
    const c = assignCredit([a, b]);
    expect(c.redTemperature).not.toBeNull();
    const T = c.redTemperature as number;
    const plus = c.samples.find((s) => s.record.requestId === 'a/1/solve/0');
    expect(plus?.advantage).toBeCloseTo(0.5 * Math.exp(0.5 / T), 12);
  });

  it('zero-variance filtering drops all-equal slots; failed lifecycles give no samples', () => {
    const f = assignCredit([a, b], { redWeight: false, baseline: { filterZeroVariance: true } });
    expect(f.filteredSlots).toBe(1);
    expect(f.samples.some((s) => s.record.position === 0 && s.record.episodeKind === 'solve')).toBe(false);
    const failed = life('c', [1], [], [rec('c', 'solve', 0, 0, 'x')], true);
    const g = assignCredit([a, b, failed], { redWeight: false });
    expect(g.failedLifecycles).toBe(1);
    expect(g.samples.some((s) => s.record.lifecycleId === 'c')).toBe(false);
  });

  it('works on a real rollout: one sample per call, advantages sum to 0 within each slot', async () => {
    const host = new InProcessEnvHost([hiddenOffsetDomain]);
    const packs = planPacks({
      datasetId: 'credit',
      domain: 'hidden-offset',
      preset: 'train',
      split: 'train',
      strategy: 'cod',
      packSize: 4,
      count: 2,
    });
    const r = await runRollout({
      host,
      policy: new ScriptedPolicy(hiddenOffsetDomain, { kind: 'random', seed: 'c' }),
      packs,
      groupSize: 8,
      config: lifecycleConfig(),
    });
    const c = assignCredit(r.lifecycles, { redWeight: false });
    expect(c.samples).toHaveLength(r.lifecycles.reduce((n, l) => n + l.records.length, 0));
    expect(c.slots).toBe(2 * (4 + 3));
    const perSlot = new Map<string, number>();
    const seen = new Set<string>();
    for (const s of c.samples) {
      // One advantage per episode: count each (lifecycle, kind, position) once.
      const ep = `${s.record.lifecycleId}|${s.record.episodeKind}|${s.record.position}`;
      if (seen.has(ep)) continue;
      seen.add(ep);
      const key = `${s.record.packId}|${s.record.episodeKind}|${s.record.position}`;
      perSlot.set(key, (perSlot.get(key) ?? 0) + s.advantage);
    }
    for (const v of perSlot.values()) expect(Math.abs(v)).toBeLessThan(1e-9);
  });
});
