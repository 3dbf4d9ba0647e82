/**
 * Eval results written outside a training step (`cod eval` on a checkpoint, possibly while training goes on): one
 * suite's lifecycles, samples and metrics for one checkpoint, in one transaction. Re-running the same suite on the
 * same checkpoint replaces the earlier eval rather than mixing two.
 */
import type { StoreDb } from './db.ts';
import { deleteEvalLifecycles, insertLifecycles, prepareLifecycles, type PreparedLifecycles } from './lifecycles.ts';
import { insertMetrics, prepareMetrics, type MetricEntries } from './metrics.ts';
import { requireRun } from './runs.ts';
import { MAX_STEP } from './steps.ts';
import type { WriteTx } from './tx.ts';
import type { EvalCommit } from './types.ts';
import { badInput, finite, int, name } from './validate.ts';

export interface PreparedEval {
  readonly checkpointStep: number;
  readonly suite: string;
  readonly lifecycles: PreparedLifecycles;
  readonly metrics: MetricEntries;
  readonly wallTime: number | undefined;
}

export function prepareEval(e: EvalCommit): PreparedEval {
  if (typeof e !== 'object' || e === null) badInput('commitEval', 'expected {checkpointStep, suite, lifecycles}');
  const checkpointStep = int(e.checkpointStep, 'commitEval.checkpointStep', 0, MAX_STEP);
  const suite = name(e.suite, 'commitEval.suite');
  if (!Array.isArray(e.lifecycles)) badInput('commitEval.lifecycles', 'expected an array');
  const lifecycles = e.lifecycles.map((l) => ({ ...l, checkpointStep: l.checkpointStep ?? checkpointStep }));
  const prepared = prepareLifecycles(lifecycles, e.samples ?? [], 'commitEval', (l, split, where) => {
    if (split !== 'eval' || l.suite !== suite) badInput(where, `expected an eval lifecycle of suite '${suite}'`);
    if (l.checkpointStep !== checkpointStep) {
      badInput(`${where}.checkpointStep`, `expected checkpoint ${checkpointStep}, got ${String(l.checkpointStep)}`);
    }
  });
  return {
    checkpointStep,
    suite,
    lifecycles: prepared,
    metrics: prepareMetrics(e.metrics, 'commitEval.metrics'),
    wallTime: e.wallTime === undefined ? undefined : finite(e.wallTime, 'commitEval.wallTime', 0),
  };
}

/** Inside a write transaction. Eval rows are stored at step = the checkpoint's step. */
export function insertEval(ctx: StoreDb, tx: WriteTx, runId: string, p: PreparedEval): void {
  requireRun(ctx, runId);
  deleteEvalLifecycles(ctx, runId, p.suite, p.checkpointStep);
  insertLifecycles(ctx, tx, runId, p.checkpointStep, p.lifecycles);
  insertMetrics(ctx, tx, runId, p.checkpointStep, p.metrics, p.wallTime ?? tx.now, true);
}
