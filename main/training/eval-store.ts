/**
 * A suite result in the run store's terms: `store.commitEval(runId, evalCommit(result, step))` keeps every eval
 * lifecycle and model call, and `store.setCheckpointEval(runId, step, suite, evalSummaryJson(result))` puts the
 * per-position table on the checkpoint row, which is what `cod runs show` prints.
 */
import type { EvalCommit, JsonObject, LifecycleInput, SampleInput } from '../store/types.ts';
import { suiteSummary, type SuiteResult } from './evaluate.ts';
import { lifecycleRow, sampleRow } from './sample-row.ts';

/** Metric names of an eval, namespaced by suite so they never mix with the training series. */
export function evalMetricName(suite: string, name: string): string {
  return `eval/${suite}/${name}`;
}

/**
 * A lifecycle's key in the store is unique within a run; every checkpoint plays the same eval packs, so the key
 * carries the checkpoint step.
 */
export function evalLifecycleKey(lifecycleId: string, checkpointStep: number): string {
  return `${lifecycleId}@${checkpointStep}`;
}

export function evalCommit(r: SuiteResult, checkpointStep: number): EvalCommit {
  const lifecycles: LifecycleInput[] = r.lifecycles.map((l) =>
    lifecycleRow(l, evalLifecycleKey(l.lifecycleId, checkpointStep), { split: 'eval', suite: r.suite, checkpointStep }),
  );
  const samples: SampleInput[] = r.lifecycles.flatMap((l) =>
    l.records.map((c) => sampleRow(c, evalLifecycleKey(l.lifecycleId, checkpointStep))),
  );
  const metrics: Record<string, number> = {};
  for (const p of r.positions) if (p.mean !== null) metrics[evalMetricName(r.suite, `reward/pos${p.k}`)] = p.mean;
  if (r.hintParseRate !== null) metrics[evalMetricName(r.suite, 'hint_parse_rate')] = r.hintParseRate;
  if (r.meanHintChars !== null) metrics[evalMetricName(r.suite, 'hint_chars')] = r.meanHintChars;
  return { checkpointStep, suite: r.suite, lifecycles, samples, metrics };
}

/** The suite's summary as plain JSON (no lifecycles): the checkpoint row's entry for this suite. */
export function evalSummaryJson(r: SuiteResult): JsonObject {
  return JSON.parse(JSON.stringify(suiteSummary(r))) as JsonObject;
}
