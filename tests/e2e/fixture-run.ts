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
