/**
 * The job protocol: what `cod train --events` and `cod compare --json --events` print, one declaration with its
 * schema for both ends. The trainer and the CLI emit these shapes (typed from here), the services parse every line
 * against them before acting on it; a line that is none of these is ignored (a worker may also print log lines).
 * Pure: the renderer reads the comparison result through JobView.
 */
import { z } from 'zod';

/** One pack position of an evaluation: mean task reward and its 95% interval. Null: no lifecycle (mean), or < 2. */
export const positionStat = z.object({
  k: z.number(),
  /** Lifecycles that reached position k. */
  n: z.number().optional(),
  mean: z.number().nullable(),
  ci_low: z.number().nullable(),
  ci_high: z.number().nullable(),
});
export type PositionStat = z.infer<typeof positionStat>;

/** A mean over paired differences (per lifecycle pair, or within lifecycles) with its Student-t 95% interval. */
const pairedStat = {
  n: z.number(),
  mean: z.number().nullable(),
  ci_low: z.number().nullable(),
  ci_high: z.number().nullable(),
  /** The interval lies wholly above or below 0 (a zero-width interval at 0 never does). */
  excludesZero: z.boolean(),
};

/** The per-position paired difference b − a of a comparison. */
export const positionDelta = z.object({ k: z.number(), ...pairedStat });
export type PositionDelta = z.infer<typeof positionDelta>;

/**
 * The CoD effect of B over A, (b_last − a_last) − (b_first − a_first) per lifecycle pair, with its 95% interval:
 * above 0 with the interval excluding 0, the later positions (the ones that use self-written notes) improved more
 * than from-scratch skill. The same shape carries one evaluation's rise, r_last − r_first within each lifecycle.
 */
export const codEffectStat = z.object({ first: z.number(), last: z.number(), ...pairedStat });
export type CodEffectStat = z.infer<typeof codEffectStat>;

/** One evaluated suite as printed (`cod eval --json`, a comparison's side, a train 'eval' event). */
export const suiteSummary = z.object({
  suite: z.string(),
  /** The checkpoint directory evaluated (a comparison's sides). */
  dir: z.string().optional(),
  positions: z.array(positionStat),
  /** Its own last − first position, paired within lifecycles (absent before it was printed). */
  rise: codEffectStat.nullable().optional(),
});
export type SuiteSummary = z.infer<typeof suiteSummary>;

/** One entry of `cod compare --json` (an array, one per suite). */
export const compareResult = z.object({
  suite: z.string(),
  a: suiteSummary,
  b: suiteSummary,
  delta: z.array(positionDelta),
  /** Absent from an older `cod compare`; null when no pair reached both positions. */
  effect: codEffectStat.nullable().optional(),
});
export type CompareResult = z.infer<typeof compareResult>;

/** The `cod` commands that run jobs: the services start them, the CLI registers them. */
export const JOB_COMMANDS = { train: 'train', compare: 'compare' } as const;

const step = z.number().int().nonnegative();

// `cod train --events`: JSON lines on stdout.
export const runEvent = z.object({
  event: z.literal('run'),
  runId: z.string(),
  runDir: z.string(),
  /** The checkpoint step it resumed after; null for a fresh run. */
  resumedFrom: step.nullable(),
});
/** Metrics of one step by name; a NaN prints as null. */
export const stepEvent = z.object({
  event: z.literal('step'),
  step,
  steps: step,
  metrics: z.record(z.string(), z.number().nullable()),
});
export const checkpointEvent = z.object({ event: z.literal('checkpoint'), step, path: z.string() });
export const evalEvent = z.object({
  event: z.literal('eval'),
  step,
  suite: z.string(),
  summary: suiteSummary,
  /** Read from the eval cache (the starting model evaluated before on this suite), not played. */
  cached: z.boolean().optional(),
});
export const doneEvent = z.object({
  event: z.literal('done'),
  status: z.enum(['finished', 'stopped', 'failed']),
  lastStep: step.optional(),
  error: z.string().optional(),
});
/**
 * What the trainer is doing now, for a progress display: waiting for step t's rollout (with its tasks played so
 * far), training step t, saving its checkpoint, or evaluating a suite on the policy of step t (tasks played).
 */
export const phaseEvent = z.object({
  event: z.literal('phase'),
  phase: z.enum(['rollout', 'train', 'checkpoint', 'eval']),
  step,
  suite: z.string().optional(),
  done: z.number().int().nonnegative().optional(),
  total: z.number().int().nonnegative().optional(),
});
export type TrainerPhase = z.infer<typeof phaseEvent>;
export const trainEvent = z.discriminatedUnion('event', [
  runEvent,
  stepEvent,
  checkpointEvent,
  evalEvent,
  doneEvent,
  phaseEvent,
]);
export type TrainEvent = z.infer<typeof trainEvent>;
/** The events the trainer loop itself emits (run-session adds 'run' and 'done'). */
export type TrainerEvent = Extract<TrainEvent, { event: 'step' | 'checkpoint' | 'eval' | 'phase' }>;

// `cod eval|compare --events`: progress as JSON lines on stderr.
/** Tasks played of all the command's tasks, and (newer commands) lifecycles ended of all its lifecycles. */
export const progressEvent = z.object({
  event: z.literal('progress'),
  done: z.number(),
  total: z.number(),
  lifecycles: z.number().optional(),
  lifecyclesTotal: z.number().optional(),
});
export type ProgressEvent = z.infer<typeof progressEvent>;
/** A suite's evaluation read from the eval cache instead of played (`side`: which side of a comparison). */
export const cachedEvent = z.object({
  event: z.literal('cached'),
  suite: z.string(),
  side: z.enum(['a', 'b']).optional(),
  /** When and in how many seconds the cached evaluation was played. */
  playedAt: z.string(),
  playedS: z.number(),
  file: z.string(),
});
export type CachedEvent = z.infer<typeof cachedEvent>;

/** A line that is `schema`, parsed, or undefined for anything else. */
export function parseLine<T>(schema: z.ZodType<T>, line: string): T | undefined {
  const s = line.trim();
  if (!s.startsWith('{')) return undefined;
  try {
    const r = schema.safeParse(JSON.parse(s));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `cod compare --json` output: the entry for `suite`, checked, or why there is none (not JSON, no entry for the
 * suite, or the entry's first schema problem) for the job's error message.
 */
export function parseCompareOutput(
  text: string,
  suite: string,
): { ok: true; result: CompareResult } | { ok: false; error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, error: 'the comparison printed no JSON result' };
  }
  const list = Array.isArray(v) ? v : [v];
  for (const item of list) {
    if ((item as { suite?: unknown } | null)?.suite !== suite) continue;
    const r = compareResult.safeParse(item);
    if (r.success) return { ok: true, result: r.data };
    const i = r.error.issues[0];
    return { ok: false, error: `the comparison's result is not as expected: ${i.path.join('.')}: ${i.message}` };
  }
  return { ok: false, error: `the comparison printed no result for suite '${suite}'` };
}
