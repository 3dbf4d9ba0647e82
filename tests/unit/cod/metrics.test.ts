import { describe, expect, it } from 'vitest';
import { lifecycleConfig } from '../../../main/cod/config.ts';
import { HINTS_END, HINTS_START } from '../../../main/cod/hints.ts';
import { lifecycleMetrics } from '../../../main/cod/metrics.ts';
import { planPacks } from '../../../main/cod/packs.ts';
import type { Policy, PolicyRequest, PolicyResponse } from '../../../main/cod/policy.ts';
import { runRollout } from '../../../main/cod/rollout.ts';
import { ScriptedPolicy } from '../../../main/cod/scripted-policy.ts';
import { InProcessEnvHost } from '../../../main/envs/inprocess-host.ts';
import { hiddenOffsetDomain } from '../../fixtures/domains/hidden-offset.ts';

const host = new InProcessEnvHost([hiddenOffsetDomain]);
const packs = (strategy: 'cod' | 'ralph_full', count: number) =>
  planPacks({ datasetId: 'm', domain: 'hidden-offset', preset: 'train', split: 'eval', strategy, packSize: 4, count });

/** Oracle actions, but update responses that break the format after even tasks. */
class HalfBrokenNotes implements Policy {
  readonly name = 'half-broken-notes';
  private readonly oracle = new ScriptedPolicy(hiddenOffsetDomain, { kind: 'oracle', seed: 'm' });
  async respond(batch: readonly PolicyRequest[]): Promise<PolicyResponse[]> {
    const answers = await this.oracle.respond(batch);
    return answers.map((a, i) =>
      batch[i].kind === 'update' && batch[i].position % 2 === 0 ? { text: a.text.replace(HINTS_END, '') } : a,
    );
  }
}

describe('lifecycle metrics', () => {
  it('per position: reward CI, success, format errors, steps, hint length, update reward and parse rate', async () => {
    const r = await runRollout({
      host,
      policy: new HalfBrokenNotes(),
      packs: packs('cod', 6),
      groupSize: 1,
      config: lifecycleConfig(),
    });
    const m = lifecycleMetrics(r.lifecycles);
    expect(m.unit).toBe('position');
    expect(m.lifecycles).toBe(6);
    expect(m.failedLifecycles).toBe(0);
    expect(m.positions).toHaveLength(4);
    const [p0, p1, p2, p3] = m.positions;
    expect(p0.n).toBe(6);
    const mean0 = r.lifecycles.reduce((s, l) => s + l.taskRewards[0], 0) / 6;
    expect(p0.reward.mean).toBeCloseTo(mean0, 12);
    expect(p0.reward.method).toBe('student-t');
    expect(p0.hintChars).toBe(0); // z_0 = Hints: null
    expect(p0.updateReward).toBeCloseTo(-0.1, 12); // every update after task 0 is broken
    expect(p0.hintParseRate).toBe(0);
    expect(p1.hintParseRate).toBe(1);
    expect(p1.updateReward).toBe(0);
    expect(p1.hintChars).toBe(0); // "no hint available" carries no content
    expect(p2.hintChars).toBeGreaterThan(10); // notes written after task 1
    expect(p3.updateReward).toBeNull(); // no update after the last task
    expect(m.hintParseRate).toBeCloseTo(1 / 3, 12);
    expect(p0.formatErrorRate).toBe(0);
    expect(p2.successRate).toBe(1);
    expect(p2.envSteps).toBe(1);
  });

  it('counts format errors by position and reports Ralph results per attempt; failed lifecycles are left out', async () => {
    const rambler: Policy = {
      name: 'rambler',
      respond: async (batch) => batch.map(() => ({ text: `no answer ${HINTS_START} - x ${HINTS_END}` })),
    };
    const r = await runRollout({
      host,
      policy: rambler,
      packs: packs('ralph_full', 1),
      groupSize: 1,
      config: lifecycleConfig(),
    });
    const m = lifecycleMetrics(r.lifecycles);
    expect(m.unit).toBe('attempt');
    for (const p of m.positions) {
      expect(p.formatErrorRate).toBe(1);
      expect(p.reward.mean).toBe(0);
    }
    const failed = { ...r.lifecycles[0], lifecycleId: 'x', error: { code: 'env_fault' as const, message: 'boom' } };
    const m2 = lifecycleMetrics([...r.lifecycles, failed]);
    expect(m2.failedLifecycles).toBe(1);
    expect(m2.positions[0].n).toBe(r.lifecycles.length);
  });
});
