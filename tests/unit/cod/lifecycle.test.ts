import { describe, expect, it } from 'vitest';
import { lifecycleConfig } from '../../../main/cod/config.ts';
import { HINTS_END, HINTS_NULL, HINTS_START, HINTS_UNAVAILABLE } from '../../../main/cod/hints.ts';
import { planPacks, type PackStrategy } from '../../../main/cod/packs.ts';
import type { Policy, PolicyRequest, PolicyResponse } from '../../../main/cod/policy.ts';
import type { MemoryMode } from '../../../main/cod/records.ts';
import { runRollout } from '../../../main/cod/rollout.ts';
import { ScriptedPolicy } from '../../../main/cod/scripted-policy.ts';
import { InProcessEnvHost } from '../../../main/envs/inprocess-host.ts';
import { listDomains } from '../../../main/envs/registry.ts';
import type { DomainWithAgents } from '../../../main/envs/sdk.ts';
import { hiddenOffsetDomain } from '../../fixtures/domains/hidden-offset.ts';

const host = new InProcessEnvHost([hiddenOffsetDomain]);
const oracle = () => new ScriptedPolicy(hiddenOffsetDomain, { kind: 'oracle', seed: 't' });

function packs(count: number, packSize: number, strategy: PackStrategy = 'cod', datasetId = 'lc') {
  return planPacks({ datasetId, domain: 'hidden-offset', preset: 'train', split: 'eval', strategy, packSize, count });
}

async function play(
  o: {
    count?: number;
    S?: number;
    G?: number;
    memory?: MemoryMode;
    budget?: number;
    policy?: Policy;
    updatePolicy?: Policy;
  } = {},
) {
  return runRollout({
    host,
    policy: o.policy ?? oracle(),
    ...(o.updatePolicy ? { updatePolicy: o.updatePolicy } : {}),
    packs: packs(o.count ?? 1, o.S ?? 4),
    groupSize: o.G ?? 1,
    config: lifecycleConfig({ memory: o.memory ?? 'notes', memoryCharBudget: o.budget ?? 2000 }),
  });
}

/** Writes notes tagged with the position, to see replacement (not accumulation) of z. */
const taggedNotes: Policy = {
  name: 'tagged-notes',
  async respond(batch: readonly PolicyRequest[]): Promise<PolicyResponse[]> {
    return batch.map((r) => ({ text: `ok\n${HINTS_START}\n- note after task ${r.position}\n${HINTS_END}` }));
  },
};

/** A policy whose output never follows the format (like an untrained model). */
const rambler: Policy = {
  name: 'rambler',
  async respond(batch: readonly PolicyRequest[]): Promise<PolicyResponse[]> {
    return batch.map(() => ({ text: 'I am not sure what to do here. Maybe 42?' }));
  },
};

describe('lifecycle', () => {
  it('records one call per model call with the prompt, response, hints and the episode reward', async () => {
    const { lifecycles } = await play({ S: 4 });
    const [l] = lifecycles;
    expect(l.error).toBeUndefined();
    expect(l.taskRewards).toHaveLength(4);
    expect(l.hints[0]).toBe(HINTS_NULL);
    const solve = l.records.filter((r) => r.episodeKind === 'solve');
    const update = l.records.filter((r) => r.episodeKind === 'update');
    expect(l.records).toHaveLength(solve.length + update.length);
    for (let j = 0; j < 4; j++) {
      const calls = solve.filter((r) => r.position === j);
      expect(calls.length).toBe(l.envSteps[j]); // the oracle never breaks format: one env step per call
      calls.forEach((r, t) => {
        expect(r.turn).toBe(t);
        expect(r.taskId.endsWith(`/${j}`)).toBe(true); // the pack's task j (cod strategy: task = position)
        expect(r.taskId).toMatch(/^hidden-offset\/[0-9a-f]{8}\/\d+$/);
        expect(r.reward).toBe(l.taskRewards[j]);
        expect(r.outcome).toBe(l.outcomes[j]);
        expect(r.hintBefore).toBe(l.hints[j]);
        expect(r.parseOk).toBe(true);
        expect(r.messages[0].role).toBe('system');
        expect(r.messages[0].content.endsWith(l.hints[j])).toBe(true);
        // The whole episode so far: system, then user/assistant alternating, ending on a user observation.
        expect(r.messages).toHaveLength(2 + 2 * t);
        expect(r.messages.at(-1)?.role).toBe('user');
        for (let k = 0; k < t; k++) expect(r.messages[2 + 2 * k].content).toBe(calls[k].response); // verbatim
        expect(r.envSteps).toBe(l.envSteps[j]);
      });
    }
    expect(update.map((r) => r.position)).toEqual([0, 1, 2]);
    update.forEach((r, j) => {
      expect(r.taskId).toBe(solve.find((x) => x.position === j)?.taskId); // the task it summarises
      expect(r.hintBefore).toBe(l.hints[j]);
      expect(r.hintAfter).toBe(l.hints[j + 1]);
      expect(r.reward).toBe(0);
      expect(r.outcome).toBe('hints_updated');
      expect(r.messages[1].content).toContain('--- A new task-solving trajectory ---');
    });
    expect(l.updateRewards).toEqual([0, 0, 0]);
    expect(l.hintParseOk).toEqual([true, true, true]);
    // The oracle learnt the offset on task 0 and opens every later lock at the first attempt.
    expect(l.hints[1]).toMatch(/offset = \d+/);
    for (let j = 1; j < 4; j++) expect(l.envSteps[j]).toBe(1);
  });

  it('the new context replaces the old one; a separate update policy writes it', async () => {
    const { lifecycles } = await play({ S: 4, updatePolicy: taggedNotes });
    const [l] = lifecycles;
    expect(l.hints).toEqual([
      HINTS_NULL,
      'Hints: - note after task 0',
      'Hints: - note after task 1',
      'Hints: - note after task 2',
    ]);
    // The solve policy saw exactly z_j in its system prompt.
    for (const r of l.records.filter((x) => x.episodeKind === 'solve'))
      expect(r.messages[0].content.endsWith(l.hints[r.position])).toBe(true);
  });

  it('no update after the last task; S = 1 makes no update call at all', async () => {
    const four = (await play({ S: 4 })).lifecycles[0];
    expect(four.records.some((r) => r.episodeKind === 'update' && r.position === 3)).toBe(false);
    const one = (await play({ S: 1 })).lifecycles[0];
    expect(one.taskRewards).toHaveLength(1);
    expect(one.updateRewards).toEqual([]);
    expect(one.hints).toEqual([HINTS_NULL]);
    expect(one.records.every((r) => r.episodeKind === 'solve')).toBe(true);
  });

  it("memory 'none': z = Hints: null on every task and no update calls", async () => {
    const { lifecycles } = await play({ S: 5, count: 3, memory: 'none' });
    for (const l of lifecycles) {
      expect(l.memory).toBe('none');
      expect(l.hints).toEqual(Array(5).fill(HINTS_NULL));
      expect(l.records.every((r) => r.episodeKind === 'solve')).toBe(true);
      expect(l.updateRewards).toEqual([]);
    }
    // Without memory the oracle must search the offset again on every task.
    const notes = await play({ S: 5, count: 3 });
    const steps = (ls: typeof lifecycles) => ls.reduce((a, l) => a + l.envSteps.slice(1).reduce((x, y) => x + y), 0);
    expect(steps(lifecycles)).toBeGreaterThan(steps(notes.lifecycles));
  });

  it("memory 'append_log': the log of past trajectories, truncated to the budget, no update calls", async () => {
    const { lifecycles } = await play({ S: 5, memory: 'append_log', budget: 700 });
    const [l] = lifecycles;
    expect(l.records.every((r) => r.episodeKind === 'solve')).toBe(true);
    expect(l.hints[0]).toBe(HINTS_NULL);
    expect(l.hints[1]).toContain('### Task 1');
    expect(l.hints[1]).toContain('Environment feedback:');
    for (const z of l.hints.slice(1)) expect(z.length - 'Hints: '.length).toBeLessThanOrEqual(700);
    expect(l.hints[4]).toContain('[earlier entries dropped]');
    expect(l.hints[4]).toContain('### Task 4');
  });

  it('format errors: no answer block ends the episode with reward 0; unparsable notes give r^z = -0.1', async () => {
    const { lifecycles } = await play({ S: 3, policy: rambler });
    const [l] = lifecycles;
    expect(l.error).toBeUndefined();
    expect(l.outcomes).toEqual(['format_error', 'format_error', 'format_error']);
    expect(l.taskRewards).toEqual([0, 0, 0]);
    expect(l.envSteps).toEqual([0, 0, 0]);
    expect(l.updateRewards).toEqual([-0.1, -0.1]);
    expect(l.hintParseOk).toEqual([false, false]);
    expect(l.hints).toEqual([HINTS_NULL, HINTS_UNAVAILABLE, HINTS_UNAVAILABLE]);
    const solve = l.records.filter((r) => r.episodeKind === 'solve');
    expect(solve).toHaveLength(3);
    for (const r of solve) {
      expect(r.parseOk).toBe(false);
      expect(r.parseError).toContain('no <answer>');
    }
    const upd = l.records.filter((r) => r.episodeKind === 'update');
    for (const r of upd) {
      expect(r.outcome).toBe('hints_format_error');
      expect(r.reward).toBe(-0.1);
      expect(r.hintAfter).toBe(HINTS_UNAVAILABLE);
    }
    // The next update prompt says there is no previous hint rather than showing "no hint available".
    expect(upd[1].messages[1].content).toContain('(No previous hint available)');
  });

  it('Ralph strategies repeat the same task each attempt with a fresh episode', async () => {
    for (const strategy of ['ralph_sample', 'ralph_full'] as const) {
      const r = await runRollout({
        host,
        policy: oracle(),
        packs: packs(2, 4, strategy, `ralph-${strategy}`),
        groupSize: 1,
        config: lifecycleConfig(),
      });
      expect(r.lifecycles).toHaveLength(strategy === 'ralph_full' ? 8 : 2);
      for (const l of r.lifecycles) {
        expect(new Set(l.tasks).size).toBe(1);
        const firstObs = l.records
          .filter((x) => x.episodeKind === 'solve' && x.turn === 0)
          .map((x) => x.messages[1].content);
        expect(firstObs).toHaveLength(4);
        expect(new Set(firstObs).size).toBe(1); // same lock, fresh episode, every attempt
        expect(l.strategy).toBe(strategy);
        for (let j = 1; j < 4; j++) expect(l.outcomes[j]).toBe('success');
      }
    }
  });

  it('keeps token ids, log-probs and truncation flags a model policy returns; honours the length instruction', async () => {
    const inner = oracle();
    const model: Policy = {
      name: 'with-tokens',
      async respond(batch) {
        const res = await inner.respond(batch);
        return res.map((r, i) => ({
          ...r,
          tokenIds: [i, 1, 2],
          logprobs: [-0.5, -0.25, -0.125],
          promptIds: [9, 9],
          truncated: false,
        }));
      },
    };
    const r = await runRollout({
      host,
      policy: model,
      packs: packs(1, 2, 'cod', 'tokens'),
      groupSize: 1,
      config: lifecycleConfig({ lengthInstructionTokens: 100 }),
      runId: 'run-7',
    });
    for (const x of r.lifecycles[0].records) {
      expect(x.runId).toBe('run-7');
      expect(x.logprobs).toEqual([-0.5, -0.25, -0.125]);
      expect(x.tokenIds).toHaveLength(3);
      expect(x.promptIds).toEqual([9, 9]);
      expect(x.truncated).toBe(false);
      if (x.episodeKind === 'solve') expect(x.messages[0].content).toContain('under 100 tokens');
    }
  });

  it('rejects bad configuration with a CodError', () => {
    expect(() => lifecycleConfig({ memory: 'diary' as MemoryMode })).toThrow(/unknown memory mode/);
    expect(() => lifecycleConfig({ memoryCharBudget: 0 })).toThrow(/memoryCharBudget/);
    expect(() => lifecycleConfig({ rendering: 'html' as 'chat' })).toThrow(/rendering/);
    expect(lifecycleConfig({ rendering: 'compact' }).solveMaxNewTokens).toBeLessThan(
      lifecycleConfig().solveMaxNewTokens,
    );
  });
});

const frozenLake = listDomains().find((d) => d.id === 'frozenlake') as DomainWithAgents | undefined;

describe.runIf(frozenLake !== undefined)('lifecycle on the real FrozenLake-Obscure domain', () => {
  it('plays whole lifecycles in both renderings with well-formed records and learning from notes', async () => {
    const fl = frozenLake as DomainWithAgents;
    const flHost = new InProcessEnvHost([fl]);
    for (const rendering of ['chat', 'compact'] as const) {
      const r = await runRollout({
        host: flHost,
        policy: new ScriptedPolicy(fl, { kind: 'oracle', seed: 'fl' }),
        packs: planPacks({
          datasetId: 'fl',
          domain: 'frozenlake',
          preset: 'train',
          split: 'eval',
          strategy: 'cod',
          packSize: 4,
          count: 12,
        }),
        groupSize: 1,
        config: lifecycleConfig({ rendering }),
      });
      for (const l of r.lifecycles) {
        expect(l.error).toBeUndefined();
        expect(l.taskRewards).toHaveLength(4);
        expect(l.hintParseOk).toEqual([true, true, true]);
        for (const x of l.records) {
          expect(x.parseOk).toBe(true);
          if (x.episodeKind === 'solve')
            expect(x.response).toMatch(
              /^(?:(?:go (?:Down|Right|Up|Left) [1-4]|explore): )?<answer>Direction [1-4]<\/answer>$/,
            );
          expect(x.reward).toBeGreaterThanOrEqual(0);
          expect(x.reward).toBeLessThanOrEqual(1);
        }
        // Each solve call carries its task's feedback: the text the update episode after it was told.
        for (const u of l.records.filter((x) => x.episodeKind === 'update')) {
          const solve = l.records.find((x) => x.episodeKind === 'solve' && x.position === u.position);
          expect(solve?.feedback).toBeTruthy();
          expect(u.messages.map((m) => m.content).join('\n')).toContain(`Environment feedback: ${solve?.feedback}`);
        }
      }
      const mean = (k: number) => r.lifecycles.reduce((s, l) => s + l.taskRewards[k], 0) / r.lifecycles.length;
      expect(mean(3)).toBeGreaterThan(mean(0));
    }
  });
});
