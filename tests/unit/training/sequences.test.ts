import { describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../main/cod/records.ts';
import { buildSequences, type PgSample } from '../../../main/training/sequences.ts';

function call(turn: number, prompt: number[], response: number[], over: Partial<CallRecord> = {}): CallRecord {
  return {
    lifecycleId: 'p#0',
    packId: 'p',
    domain: 'frozenlake',
    rolloutIndex: 0,
    position: 1,
    task: 1,
    taskId: 't1',
    episodeKind: 'solve',
    turn,
    requestId: `r${turn}`,
    seed: 's',
    messages: [],
    response: 'x',
    promptIds: prompt,
    tokenIds: response,
    logprobs: response.map((_, i) => -0.1 * (i + 1) - turn),
    hintBefore: 'Hints: null',
    reward: 1,
    outcome: 'success',
    parseOk: true,
    envSteps: 2,
    ...over,
  };
}

const s = (record: CallRecord, advantage: number): PgSample => ({ record, advantage });

describe('training sequences (one packed sequence per solve episode)', () => {
  it('packs the calls of an episode into the last prompt + response, masking exactly the response tokens', () => {
    const c0 = call(0, [1, 10, 11], [20, 21]);
    const c1 = call(1, [1, 10, 11, 20, 21, 2, 12], [22]);
    const b = buildSequences([s(c1, 0.5), s(c0, 0.5)]);
    expect(b.episodes).toBe(1);
    expect(b.fallbackEpisodes).toBe(0);
    expect(b.sequences).toHaveLength(1);
    const q = b.sequences[0];
    expect(q.ids).toEqual([1, 10, 11, 20, 21, 2, 12, 22]);
    expect(q.mask).toEqual([0, 0, 0, 1, 1, 0, 0, 1]);
    expect(q.advantages).toEqual([0, 0, 0, 0.5, 0.5, 0, 0, 0.5]);
    expect(q.oldLogp).toEqual([0, 0, 0, -0.1, -0.2, 0, 0, -1.1]);
    expect(q.calls).toBe(2);
  });

  it('falls back to one sequence per call when a later prompt does not extend the earlier tokens', () => {
    // The response [20, 21] was re-encoded as [23] in the next prompt (a non-canonical sample).
    const c0 = call(0, [1, 10], [20, 21]);
    const c1 = call(1, [1, 10, 23, 2, 12], [22]);
    const b = buildSequences([s(c0, -1), s(c1, -1)]);
    expect(b.fallbackEpisodes).toBe(1);
    expect(b.sequences.map((q) => q.ids)).toEqual([
      [1, 10, 20, 21],
      [1, 10, 23, 2, 12, 22],
    ]);
    expect(b.sequences[1].mask).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('keeps episodes apart: update and solve at one position, and different lifecycles', () => {
    const a = call(0, [1, 2], [3]);
    const u = call(0, [1, 5], [6, 7], { episodeKind: 'update' });
    const other = call(0, [1, 2], [4], { lifecycleId: 'p#1' });
    const b = buildSequences([s(a, 1), s(u, 2), s(other, -1)]);
    expect(b.sequences).toHaveLength(3);
    expect(b.sequences.map((q) => [q.kind, q.lifecycleId])).toEqual([
      ['solve', 'p#0'],
      ['update', 'p#0'],
      ['solve', 'p#1'],
    ]);
    expect(b.sequences[1].advantages).toEqual([0, 0, 2, 2]);
  });

  it('skips calls with no response tokens and can turn packing off', () => {
    const c0 = call(0, [1, 10], [20]);
    const c1 = call(1, [1, 10, 20, 2], []);
    expect(buildSequences([s(c0, 1), s(c1, 1)]).sequences).toHaveLength(1);
    const c2 = call(1, [1, 10, 20, 2, 12], [22]);
    const off = buildSequences([s(c0, 1), s(c2, 1)], { packEpisodes: false });
    expect(off.sequences).toHaveLength(2);
    expect(off.fallbackEpisodes).toBe(0);
  });

  it('rejects a sample without token ids or with mismatched log-probs', () => {
    const bad = call(0, [1], [2, 3], { logprobs: [-1] });
    expect(() => buildSequences([s(bad, 1)])).toThrow(/2 response ids but 1 log-probs/);
    const noPrompt = call(0, [], [2]);
    expect(() => buildSequences([s(noPrompt, 1)])).toThrow(/empty prompt/);
  });
});
