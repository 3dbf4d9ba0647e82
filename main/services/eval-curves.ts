/**
 * The CoD view of a run's evaluations, from its stored eval lifecycles: for each suite and each evaluated
 * checkpoint, reward by pack position with 95% intervals, the rise within that checkpoint (last − first position,
 * paired within lifecycles: the Ralph loop's question), and the CoD effect against the first evaluated checkpoint
 * (the starting model when step 0 was evaluated), paired by pack: (last − first here) − (last − first there).
 * Computed with the same functions `cod compare` uses (main/training/paired-stats.ts), so the numbers agree.
 */
import type { PositionStat } from '../api/jobs.ts';
import type { EvalCheckpoint, EvalSuiteCurves, JsonObject } from '../api/types.ts';
import { meanCI } from '../cod/stats.ts';
import type { LifecycleSummary, RunStore } from '../store/index.ts';
import { codEffect, positionRise, type PairedLifecycle } from '../training/paired-stats.ts';
import { runConfigView } from '../training/run-session.ts';

const finite = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);

/** The stored row as the paired statistics read it: task rewards up to the first position not reached. */
function asResult(l: LifecycleSummary): PairedLifecycle {
  const stop = l.rewards.indexOf(null);
  const reached = stop < 0 ? l.rewards : l.rewards.slice(0, stop);
  return {
    lifecycleId: l.key.replace(/@\d+$/, ''),
    taskRewards: reached.filter((r): r is number => r !== null),
    ...(l.error ? { error: { code: 'env_fault', message: l.error } } : {}),
  };
}

function positions(rows: readonly LifecycleSummary[]): PositionStat[] {
  const S = Math.max(0, ...rows.map((r) => r.rewards.length));
  const out: PositionStat[] = [];
  for (let k = 0; k < S; k++) {
    const xs = rows.filter((r) => !r.error && typeof r.rewards[k] === 'number').map((r) => r.rewards[k] as number);
    const ci = meanCI(xs);
    out.push({ k, n: ci.n, mean: finite(ci.mean), ci_low: finite(ci.lo), ci_high: finite(ci.hi) });
  }
  return out;
}

function suiteKinds(config: JsonObject): Map<string, string> {
  const evals = runConfigView(config).curriculum?.evals;
  const out = new Map<string, string>();
  if (Array.isArray(evals))
    for (const e of evals) {
      const o = e as JsonObject | null;
      if (o && typeof o.name === 'string' && typeof o.kind === 'string') out.set(o.name, o.kind);
    }
  return out;
}

export function evalCurves(store: RunStore, runId: string): EvalSuiteCurves[] {
  const rows = store.listLifecycles(runId, { split: 'eval' });
  const kinds = suiteKinds(store.getRun(runId).config);
  const bySuite = new Map<string, Map<number, LifecycleSummary[]>>();
  for (const r of rows) {
    if (r.suite === null || r.checkpointStep === null) continue;
    const steps = bySuite.get(r.suite) ?? new Map<number, LifecycleSummary[]>();
    bySuite.set(r.suite, steps);
    steps.set(r.checkpointStep, [...(steps.get(r.checkpointStep) ?? []), r]);
  }
  return [...bySuite.keys()].sort().map((suite) => {
    const steps = bySuite.get(suite)!;
    const order = [...steps.keys()].sort((a, b) => a - b);
    const reference = order[0] ?? null;
    const refRows = reference === null ? [] : steps.get(reference)!;
    const refById = new Map(refRows.map((r) => [asResult(r).lifecycleId, asResult(r)]));
    const checkpoints: EvalCheckpoint[] = order.map((step) => {
      const here = steps.get(step)!.map(asResult);
      // Paired by lifecycle id: both checkpoints played the same pack with the same seed.
      const pairs = here.filter((l) => refById.has(l.lifecycleId));
      const effect =
        step === reference
          ? null
          : codEffect(
              pairs.map((l) => refById.get(l.lifecycleId)!),
              pairs,
            );
      return {
        step,
        lifecycles: here.length,
        failed: here.filter((l) => l.error).length,
        positions: positions(steps.get(step)!),
        rise: positionRise(here),
        effect,
      };
    });
    const kind = kinds.get(suite) ?? null;
    return { suite, kind, unit: kind === 'ralph' ? 'attempt' : 'position', reference, checkpoints };
  });
}
