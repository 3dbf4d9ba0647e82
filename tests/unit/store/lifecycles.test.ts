import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type RunStore } from '../../../main/store/index.ts';
import type { EvalCommit, LifecycleInput, SampleInput } from '../../../main/store/types.ts';
import { stepCommit, tempStore } from '../../support/store.ts';
import { codeOf } from '../../support/errors.ts';

let path: string;
let store: RunStore;
let runId: string;
beforeEach(() => ({ path, store, runId } = tempStore({ lease: true })));
afterEach(() => store.close());

describe('lifecycles and samples', () => {
  it('returns every sample exactly as given, in pack order, whatever order they were committed in', () => {
    const shape = { lifecycles: 2, turns: 4, tokensPerTurn: 6 };
    const data = stepCommit(0, shape);
    const shuffled = [...data.samples!].reverse();
    store.commitStep(runId, 0, { ...data, samples: shuffled });
    const [first] = store.listLifecycles(runId, { step: 0 });
    const detail = store.getLifecycle(first.id);
    expect(detail.key).toBe('s0-l0');
    expect(detail.hints).toEqual(['Hints: null', 'Hints: step 0 lifecycle 0']);
    const expected = data.samples!.filter((s) => s.lifecycleId === 's0-l0');
    expect(detail.samples.map((s) => `${s.position}/${s.kind}/${s.turn}`)).toEqual([
      '0/solve/0',
      '0/solve/1',
      '0/solve/2',
      '0/solve/3',
      '0/update/0',
    ]);
    detail.samples.forEach((got, i) => {
      const want = expected[i];
      expect(got.messages).toEqual(want.messages);
      expect(got.response).toBe(want.response);
      expect(got.promptIds === null ? null : Array.from(got.promptIds)).toEqual(want.promptIds ?? null);
      expect(got.responseIds === null ? null : Array.from(got.responseIds)).toEqual(want.responseIds ?? null);
      expect(got.logprobs === null ? null : Array.from(got.logprobs)).toEqual(want.logprobs ?? null);
      expect(got.advantages === null ? null : Array.from(got.advantages)).toEqual(want.advantages ?? null);
      expect(got.promptIds).toSatisfy((a: unknown) => a === null || a instanceof Int32Array);
      expect(got.logprobs).toSatisfy((a: unknown) => a === null || a instanceof Float32Array);
      expect([got.reward, got.return, got.advantage]).toEqual([
        want.reward ?? null,
        want.return ?? null,
        want.advantage ?? null,
      ]);
      expect([got.outcome, got.hintBefore, got.hintAfter]).toEqual([
        want.outcome ?? null,
        want.hintBefore ?? null,
        want.hintAfter ?? null,
      ]);
    });
  });

  it('stores a growing prompt once: later calls of an episode keep only their new messages and tokens', () => {
    const shape = { lifecycles: 1, turns: 6, tokensPerTurn: 50 };
    store.commitStep(runId, 0, stepCommit(0, shape));
    const db = new DatabaseSync(path, { readOnly: true });
    const rows = db
      .prepare(
        "SELECT turn, shared_messages, json_array_length(messages) AS n, length(prompt_ids) AS bytes FROM samples WHERE kind = 'solve' ORDER BY turn",
      )
      .all();
    db.close();
    // Turn t's prompt: system + t user/assistant pairs + 1 user = 2t+2 messages, (t+1)*50 + t*4 tokens.
    rows.forEach((r, t) => {
      expect(Number(r.shared_messages)).toBe(t === 0 ? 0 : 2 * t);
      expect(Number(r.n)).toBe(t === 0 ? 2 : 2);
      expect(Number(r.bytes)).toBe(t === 0 ? 50 * 4 : (4 + 50) * 4);
    });
  });

  it('keeps prompts that do not extend the previous call whole', () => {
    const l: LifecycleInput = {
      id: 'x',
      packId: 'p',
      domain: 'd',
      rolloutIndex: 0,
      split: 'train',
      rewards: [1],
      updateRewards: [],
      hints: ['Hints: null'],
    };
    const s = (turn: number, content: string, promptIds: number[]): SampleInput => ({
      lifecycleId: 'x',
      position: 0,
      kind: 'solve',
      turn,
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content },
      ],
      response: '',
      promptIds,
    });
    store.commitStep(runId, 0, {
      timing: { rolloutS: 0, trainS: 0, idleS: 0 },
      policyVersion: 0,
      lifecycles: [l],
      samples: [s(0, 'a', [1, 2, 3]), s(1, 'b', [1, 9]), s(2, 'b', [1, 9])],
    });
    const got = store.getLifecycle(store.listLifecycles(runId)[0].id).samples;
    expect(got.map((x) => x.messages[1].content)).toEqual(['a', 'b', 'b']);
    expect(got.map((x) => Array.from(x.promptIds!))).toEqual([
      [1, 2, 3],
      [1, 9],
      [1, 9],
    ]);
    expect(got[2].response).toBe('');
  });

  it('filters by step, split, suite, checkpoint and domain, with paging', () => {
    store.commitStep(runId, 0, stepCommit(0, { lifecycles: 4, turns: 1, tokensPerTurn: 1 }));
    store.commitStep(runId, 1, stepCommit(1, { lifecycles: 4, turns: 1, tokensPerTurn: 1 }));
    store.commitEval(runId, evalOf(1, 'heldout', 3));
    expect(store.listLifecycles(runId)).toHaveLength(11);
    expect(store.listLifecycles(runId, { step: 1, split: 'train' }).map((l) => l.key)).toEqual([
      's1-l0',
      's1-l1',
      's1-l2',
      's1-l3',
    ]);
    expect(store.listLifecycles(runId, { split: 'eval', suite: 'heldout', checkpoint: 1 })).toHaveLength(3);
    expect(store.listLifecycles(runId, { suite: 'other' })).toHaveLength(0);
    expect(store.listLifecycles(runId, { step: 0, domain: 'sokoban' }).map((l) => l.key)).toEqual(['s0-l1', 's0-l3']);
    const page = store.listLifecycles(runId, { step: 0, limit: 2, offset: 1 }).map((l) => l.key);
    expect(page).toEqual(['s0-l1', 's0-l2']);
    const summary = store.listLifecycles(runId, { step: 0 })[0];
    expect(summary).toMatchObject({ rewards: [0.5, null], updateRewards: [0], error: null, suite: null });
  });

  it('rejects unknown ids and bad filters', () => {
    expect(codeOf(() => store.getLifecycle(12345))).toBe('not_found');
    expect(codeOf(() => store.getLifecycle(0))).toBe('bad_input');
    expect(codeOf(() => store.listLifecycles(runId, { split: 'test' as 'eval' }))).toBe('bad_input');
    expect(codeOf(() => store.listLifecycles('nope'))).toBe('not_found');
  });
});

function evalOf(checkpointStep: number, suite: string, n: number, reward = 0.5): EvalCommit {
  const lifecycles: LifecycleInput[] = [];
  const samples: SampleInput[] = [];
  for (let i = 0; i < n; i++) {
    lifecycles.push({
      id: `eval-${suite}-${checkpointStep}-${i}`,
      packId: `heldout-${i}`,
      domain: 'frozenlake',
      rolloutIndex: 0,
      split: 'eval',
      suite,
      rewards: Array.from({ length: 8 }, () => reward),
      updateRewards: Array.from({ length: 7 }, () => 0),
      hints: ['Hints: null'],
    });
    samples.push({
      lifecycleId: `eval-${suite}-${checkpointStep}-${i}`,
      position: 0,
      kind: 'solve',
      turn: 0,
      messages: [{ role: 'user', content: 'go' }],
      response: 'ok',
      reward,
    });
  }
  return { checkpointStep, suite, lifecycles, samples, metrics: { [`eval/${suite}/pos0`]: reward } };
}

describe('commitEval', () => {
  it('stores one suite of one checkpoint; re-running it replaces the earlier eval', () => {
    store.commitStep(runId, 0, stepCommit(0));
    store.commitEval(runId, evalOf(0, 'heldout', 3, 0.25));
    store.commitEval(runId, evalOf(0, 'ood', 2, 0.5));
    store.commitEval(runId, evalOf(0, 'heldout', 2, 0.75));
    const heldout = store.listLifecycles(runId, { suite: 'heldout' });
    expect(heldout).toHaveLength(2);
    expect(heldout.every((l) => l.rewards[0] === 0.75 && l.checkpointStep === 0 && l.step === 0)).toBe(true);
    expect(store.listLifecycles(runId, { suite: 'ood' })).toHaveLength(2);
    expect(Array.from(store.getSeries(runId, ['eval/heldout/pos0'])['eval/heldout/pos0'].values)).toEqual([0.75]);
    const db = new DatabaseSync(path, { readOnly: true });
    expect(db.prepare('SELECT count(*) AS n FROM samples').get()?.n).toBe(2 * 3 + 2 + 2); // step 0 + ood + heldout
    db.close();
  });

  it('needs no lease (an eval may run beside the trainer) but checks that lifecycles match its suite', () => {
    const evaluator = openStore(path);
    try {
      evaluator.commitEval(runId, evalOf(0, 'heldout', 1));
      const bad = evalOf(0, 'heldout', 1);
      const wrongSuite = { ...bad, lifecycles: [{ ...bad.lifecycles[0], suite: 'ood' }] };
      expect(codeOf(() => evaluator.commitEval(runId, wrongSuite))).toBe('bad_input');
      const train = { ...bad, lifecycles: [{ ...bad.lifecycles[0], split: 'train' as const, suite: undefined }] };
      expect(codeOf(() => evaluator.commitEval(runId, train))).toBe('bad_input');
      const wrongCk = { ...bad, lifecycles: [{ ...bad.lifecycles[0], checkpointStep: 5 }] };
      expect(codeOf(() => evaluator.commitEval(runId, wrongCk))).toBe('bad_input');
    } finally {
      evaluator.close();
    }
    expect(store.listLifecycles(runId, { split: 'eval' })).toHaveLength(1);
  });
});
