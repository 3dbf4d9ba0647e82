/**
 * Recorded runs written through the real RunStore (createRun / commitSteps / addCheckpoint), for the views that
 * need a known shape: the 100k-point chart measurement, and replay/compare checks that must not wait for training.
 * The numbers are synthetic and labelled so in the run's name; the store, server and UI paths are the real ones.
 */
import { openStore } from '../../main/store/index.ts';
import type { StepCommit } from '../../main/store/index.ts';

export const PERF_METRICS = ['reward/pos0', 'reward/pos1', 'reward/pos2', 'reward/pos3', 'loss'];

/** A run with `points` steps of every metric in PERF_METRICS, committed in large batches. */
export function writeLongRun(storePath: string, points: number, name = 'synthetic-100k'): string {
  const store = openStore(storePath);
  try {
    const run = store.createRun({ name, config: { synthetic: true }, seeds: [0], codeVersion: 'e2e', runDir: '/tmp' });
    store.acquireRunLease(run.id);
    const t0 = Date.now() - points * 1000;
    const batch: { step: number; data: StepCommit }[] = [];
    const flush = () => {
      store.commitSteps(run.id, batch.splice(0));
    };
    for (let s = 1; s <= points; s++) {
      const p = s / points;
      const metrics: Record<string, number> = {
        loss: 2 * Math.exp(-3 * p) + 0.05 * Math.sin(s / 37),
      };
      for (let k = 0; k < 4; k++) metrics[`reward/pos${k}`] = 0.2 + p * (0.2 + 0.1 * k) + 0.05 * Math.sin(s / (11 + k));
      batch.push({
        step: s,
        data: { timing: { rolloutS: 1, trainS: 1, idleS: 0 }, policyVersion: s, metrics, wallTime: t0 + s * 1000 },
      });
      if (batch.length === 10_000) flush();
    }
    if (batch.length) flush();
    store.setRunStatus(run.id, 'finished');
    store.releaseRunLease(run.id);
    return run.id;
  } finally {
    store.close();
  }
}

/**
 * A short recorded run with lifecycles and samples (two positions, solve turns and an update with hints), and eval
 * lifecycles of one suite at two checkpoints, for Replay and the side-by-side view.
 */
export function writeReplayRun(storePath: string, opts: { feedback?: string } = {}): string {
  const store = openStore(storePath);
  try {
    const run = store.createRun({
      name: 'recorded-replay',
      // Shaped like what cod train stores (main/training/run-session.ts), reduced to what the views read.
      config: {
        curriculum: { name: 'recorded', train: { domains: [{ id: 'frozenlake' }] }, evals: [{ name: 'heldout' }] },
      },
      seeds: [0],
      codeVersion: 'e2e',
      runDir: '/tmp',
    });
    store.acquireRunLease(run.id);
    const lifecycle = (
      id: string,
      pack: string,
      r: number[],
      hints: string[],
      split: 'train' | 'eval' = 'train',
      cp?: number,
    ) => ({
      id,
      packId: pack,
      domain: 'frozenlake',
      rolloutIndex: 0,
      split,
      ...(split === 'eval' ? { suite: 'heldout', checkpointStep: cp } : {}),
      rewards: r,
      updateRewards: [0],
      hints,
    });
    // Without `feedback` the samples look like rows stored before the store kept it (schema version 1).
    const solveFeedback = opts.feedback !== undefined ? { feedback: opts.feedback } : {};
    const sys = (h: string) => ({ role: 'system' as const, content: `Reach the goal.\n${h}` });
    const samples = (lc: string) => [
      {
        lifecycleId: lc,
        position: 0,
        kind: 'solve' as const,
        turn: 0,
        messages: [sys('Hints: null'), { role: 'user' as const, content: 'You are at (0,0).' }],
        response: '<answer>2</answer>',
        responseIds: [5, 6, 7],
        logprobs: [-0.1, -2.3, -0.01],
        advantages: [0.5, 0.5, 0.5],
        reward: 0.9,
        return: 0.9,
        advantage: 0.5,
        outcome: 'success',
        hintBefore: null,
        hintAfter: null,
        ...solveFeedback,
      },
      {
        lifecycleId: lc,
        position: 0,
        kind: 'solve' as const,
        turn: 1,
        messages: [
          sys('Hints: null'),
          { role: 'user' as const, content: 'You are at (0,0).' },
          { role: 'assistant' as const, content: '<answer>2</answer>' },
          { role: 'user' as const, content: 'Your position changed from (0,0) to (0,1).' },
        ],
        response: '<answer>1</answer>',
        reward: 0.9,
        outcome: 'success',
        ...solveFeedback,
      },
      {
        lifecycleId: lc,
        position: 0,
        kind: 'update' as const,
        turn: 0,
        messages: [
          { role: 'system' as const, content: 'Update the hints.' },
          { role: 'user' as const, content: 'Reward: 0.900\nEnvironment feedback: reached the goal in 2 turns' },
        ],
        response: '--- Start of updated hints ---\n- code 2 = Right\n--- End of updated hints ---',
        reward: 0,
        hintBefore: 'Hints: null',
        hintAfter: 'Hints: - code 2 = Right\n- code 1 = Down',
      },
      {
        lifecycleId: lc,
        position: 1,
        kind: 'solve' as const,
        turn: 0,
        messages: [sys('Hints: - code 2 = Right'), { role: 'user' as const, content: 'You are at (1,1).' }],
        response: '<answer>1</answer>',
        reward: 0.95,
        outcome: 'success',
        ...solveFeedback,
      },
    ];
    store.commitStep(run.id, 1, {
      timing: { rolloutS: 1, trainS: 1, idleS: 0 },
      policyVersion: 0,
      metrics: { 'reward/pos0': 0.5, 'reward/pos1': 0.6, loss: 1.2 },
      lifecycles: [
        lifecycle('l1', 'ds/frozenlake/train/0', [0.9, 0.95], ['Hints: null', 'Hints: - code 2 = Right']),
        lifecycle('l2', 'ds/frozenlake/train/1', [0, 0.5], ['Hints: null', 'Hints: no hint available.']),
      ],
      samples: [...samples('l1'), ...samples('l2')],
    });
    store.addCheckpoint(run.id, { step: 0, path: '/nonexistent/step0', sha256: 'a'.repeat(64) });
    store.addCheckpoint(run.id, { step: 1, path: '/nonexistent/step1', sha256: 'b'.repeat(64) });
    for (const cp of [0, 1])
      store.commitEval(run.id, {
        checkpointStep: cp,
        suite: 'heldout',
        lifecycles: [
          lifecycle(
            `e${cp}`,
            'ds/frozenlake/eval/0',
            cp ? [0.5, 0.9] : [0.2, 0.3],
            ['Hints: null', cp ? 'Hints: - code 2 = Right' : 'Hints: - go right?'],
            'eval',
            cp,
          ),
        ],
      });
    store.setRunStatus(run.id, 'finished');
    store.releaseRunLease(run.id);
    return run.id;
  } finally {
    store.close();
  }
}
