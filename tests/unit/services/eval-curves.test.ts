/** The CoD view's numbers from stored eval lifecycles, checked against hand-computed paired differences. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { meanCI } from '../../../main/cod/stats.ts';
import { evalCurves } from '../../../main/services/eval-curves.ts';
import { openStore, type EvalCommit, type RunStore } from '../../../main/store/index.ts';

let dir: string;
let store: RunStore;
let runId: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cod-curves-'));
  store = openStore(join(dir, 'runs.db'));
  runId = store.createRun({
    name: 'curves',
    config: {
      curriculum: {
        name: 'c',
        train: { domains: [{ id: 'frozenlake' }] },
        evals: [
          { name: 'held', kind: 'in_domain' },
          { name: 'ralph', kind: 'ralph' },
        ],
      },
    },
    seeds: [0],
    codeVersion: 't',
    runDir: dir,
  }).id;
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Rewards of lifecycle i at position k, per checkpoint: a made-up but irregular table. */
const reward = (step: number, i: number, k: number) => (((step + 1) * (i + 2) * (k + 3)) % 7) / 7;

function evalAt(step: number, suite: string, n: number, S: number, broken: number[] = []): EvalCommit {
  return {
    checkpointStep: step,
    suite,
    lifecycles: Array.from({ length: n }, (_, i) => ({
      id: `eval-${suite}-s1/${i}#0@${step}`,
      packId: `p${i}`,
      domain: 'frozenlake',
      rolloutIndex: 0,
      split: 'eval' as const,
      suite,
      rewards: Array.from({ length: S }, (_, k) => reward(step, i, k)),
      updateRewards: [],
      hints: ['Hints: null'],
      ...(broken.includes(i) ? { error: 'env_fault: boom' } : {}),
    })),
    samples: [],
    metrics: {},
  };
}

describe('evalCurves', () => {
  it('one checkpoint: positions with intervals and its rise, no effect (nothing to compare against)', () => {
    store.commitEval(runId, evalAt(0, 'held', 5, 4));
    const [held] = evalCurves(store, runId);
    expect(held).toMatchObject({ suite: 'held', kind: 'in_domain', unit: 'position', reference: 0 });
    expect(held.checkpoints).toHaveLength(1);
    const cp = held.checkpoints[0];
    expect(cp.effect).toBeNull();
    const xs0 = [0, 1, 2, 3, 4].map((i) => reward(0, i, 0));
    expect(cp.positions[0].mean).toBeCloseTo(xs0.reduce((a, b) => a + b) / 5, 12);
    expect(cp.positions[0].ci_low).toBeCloseTo(meanCI(xs0).lo!, 12);
    const rise = [0, 1, 2, 3, 4].map((i) => reward(0, i, 3) - reward(0, i, 0));
    expect(cp.rise).toMatchObject({ first: 0, last: 3, n: 5 });
    expect(cp.rise!.mean).toBeCloseTo(rise.reduce((a, b) => a + b) / 5, 12);
  });

  it('several checkpoints: the CoD effect against the first, paired by pack; failed lifecycles left out', () => {
    store.commitEval(runId, evalAt(0, 'held', 6, 4));
    store.commitEval(runId, evalAt(5, 'held', 6, 4, [2]));
    store.commitEval(runId, evalAt(10, 'held', 6, 4));
    store.commitEval(runId, evalAt(0, 'ralph', 3, 3));
    const curves = evalCurves(store, runId);
    expect(curves.map((c) => [c.suite, c.unit])).toEqual([
      ['held', 'position'],
      ['ralph', 'attempt'],
    ]);
    const held = curves[0];
    expect(held.checkpoints.map((c) => [c.step, c.lifecycles, c.failed])).toEqual([
      [0, 6, 0],
      [5, 6, 1],
      [10, 6, 0],
    ]);
    for (const [j, step] of [5, 10].entries()) {
      const pairs = [0, 1, 2, 3, 4, 5].filter((i) => !(step === 5 && i === 2));
      const d = pairs.map((i) => reward(step, i, 3) - reward(0, i, 3) - (reward(step, i, 0) - reward(0, i, 0)));
      const e = held.checkpoints[j + 1].effect!;
      expect(e.n).toBe(pairs.length);
      expect(e.mean).toBeCloseTo(d.reduce((a, b) => a + b) / d.length, 12);
      expect(e.ci_high).toBeCloseTo(meanCI(d).hi!, 12);
    }
    // Position means leave the failed lifecycle out.
    expect(held.checkpoints[1].positions[0].n).toBe(5);
  });

  it('a run without evaluations has no curves', () => {
    expect(evalCurves(store, runId)).toEqual([]);
  });
});
