/** Store records -> api records: typed arrays become plain arrays and NaN becomes null, so they survive JSON. */
import type { CheckpointInfo, JsonObject, LifecycleRow, RunSummary, SampleView, SeriesData } from '../api/types.ts';
import {
  hasLiveTrainer,
  type CheckpointRecord,
  type LifecycleSummary,
  type RunRecord,
  type SampleRecord,
  type Series,
} from '../store/index.ts';
import { hintBody } from '../cod/hints.ts';
import { curriculumNameOf, stepsOf } from './run-details.ts';

const finiteOrNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

export function floats(a: Float32Array | Float64Array | null): (number | null)[] | null {
  if (!a) return null;
  const out = new Array<number | null>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = finiteOrNull(a[i]);
  return out;
}

export function seriesData(s: Series): SeriesData {
  return {
    steps: Array.from(s.steps),
    values: floats(s.values) ?? [],
    wallTimes: Array.from(s.wallTimes),
  };
}

export function runSummary(r: RunRecord, owned: boolean): RunSummary {
  return {
    id: r.id,
    name: r.name,
    status: r.status,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    lastStep: r.lastStep,
    lastError: r.lastError,
    live: hasLiveTrainer(r),
    ownedByWorkbench: owned,
    runDir: r.runDir,
    tags: r.tags,
    notes: r.notes,
    curriculum: curriculumNameOf(r.config),
    steps: stepsOf(r.config),
  };
}

export function checkpointInfo(c: CheckpointRecord): CheckpointInfo {
  return { runId: c.runId, step: c.step, path: c.path, createdAt: c.createdAt, eval: c.eval as JsonObject };
}

export function lifecycleRow(l: LifecycleSummary): LifecycleRow {
  return {
    id: l.id,
    runId: l.runId,
    key: l.key,
    step: l.step,
    packId: l.packId,
    domain: l.domain,
    rolloutIndex: l.rolloutIndex,
    split: l.split,
    suite: l.suite,
    checkpointStep: l.checkpointStep,
    rewards: l.rewards,
    updateRewards: l.updateRewards,
    error: l.error,
  };
}

export function sampleView(s: SampleRecord, tokens: string[] | null): SampleView {
  return {
    position: s.position,
    kind: s.kind,
    turn: s.turn,
    messages: s.messages.map((m) => ({ role: m.role, content: m.content })),
    response: s.response,
    responseTokens: tokens,
    responseIds: s.responseIds ? Array.from(s.responseIds) : null,
    logprobs: floats(s.logprobs),
    advantages: floats(s.advantages),
    reward: s.reward,
    return: s.return,
    advantage: s.advantage,
    outcome: s.outcome,
    // The hints' text without the "Hints: " prefix, '' for none (z_0 is stored as "Hints: null").
    hintBefore: s.hintBefore === null ? null : hintBody(s.hintBefore),
    hintAfter: s.hintAfter === null ? null : hintBody(s.hintAfter),
    feedback: s.feedback,
  };
}
