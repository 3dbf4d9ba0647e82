/**
 * The lifecycle scheduler's batching (main/cod/scheduler.ts): lifecycles waiting in lockstep leave as one batch for
 * one policy worker, and as even shares of the free slots when several batches may be in flight (one per worker).
 */
import { describe, expect, it } from 'vitest';
import type { Policy, PolicyRequest, PolicyResponse } from '../../../main/cod/policy.ts';
import { CallScheduler } from '../../../main/cod/scheduler.ts';

/** A policy that records each batch's size and answers after `ms`. */
function recording(ms: number): { policy: Policy; batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    policy: {
      name: 'rec',
      respond: async (batch: readonly PolicyRequest[]): Promise<PolicyResponse[]> => {
        batches.push(batch.length);
        await new Promise((r) => setTimeout(r, ms));
        return batch.map((q) => ({ text: q.id }));
      },
    },
  };
}

const request = (i: number): PolicyRequest => ({
  id: `r${i}`,
  kind: 'solve',
  messages: [],
  stop: [],
  maxNewTokens: 1,
  lifecycleId: `l${i}`,
  domain: 'd',
  position: 0,
  seed: String(i),
});

/** `n` lifecycles that each make `calls` calls in a row; returns what they were answered. */
async function lockstep(s: CallScheduler, policy: Policy, n: number, calls: number): Promise<string[][]> {
  for (let i = 0; i < n; i++) s.enter();
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const got: string[] = [];
      for (let c = 0; c < calls; c++) got.push((await s.call(policy, request(i))).text);
      s.leave();
      return got;
    }),
  );
}

describe('CallScheduler', () => {
  it('sends lifecycles in lockstep as one batch when one batch may be in flight', async () => {
    const { policy, batches } = recording(5);
    const answers = await lockstep(new CallScheduler({ maxInFlight: 1 }), policy, 48, 2);
    expect(batches).toEqual([48, 48]);
    expect(answers[7]).toEqual(['r7', 'r7']);
  });

  it('shares them out evenly over the free slots when several may be in flight', async () => {
    const { policy, batches } = recording(5);
    const answers = await lockstep(new CallScheduler({ maxInFlight: 2 }), policy, 48, 2);
    expect(batches.slice(0, 2)).toEqual([24, 24]);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(96);
    expect(answers.every((a, i) => a.join() === `r${i},r${i}`)).toBe(true);
  });

  it('keeps maxBatch as the cap on each share', async () => {
    const { policy, batches } = recording(5);
    await lockstep(new CallScheduler({ maxInFlight: 2, maxBatch: 16 }), policy, 48, 1);
    expect(batches.slice(0, 2)).toEqual([16, 16]);
    expect(Math.max(...batches)).toBe(16);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(48);
  });
});
