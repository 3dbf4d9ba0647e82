/**
 * What the trainer and evaluator print (`cod train --events`, `cod compare --json --events`): one JSON object per
 * line. Every line is checked here before a service acts on it; a line that is not one of these is ignored
 * (a worker may also print plain log lines).
 */
import { z } from 'zod';

/** Mean and interval may be null: no lifecycle reached that position (mean), or fewer than 2 did (interval). */
const positionStat = z
  .object({
    k: z.number(),
    n: z.number().optional(),
    mean: z.number().nullable(),
    ci_low: z.number().nullable(),
    ci_high: z.number().nullable(),
  })
  .loose();

/** The CoD effect of B over A: (b_last − a_last) − (b_0 − a_0) per lifecycle pair, with its 95% interval. */
const codEffect = z
  .object({
    first: z.number(),
    last: z.number(),
    n: z.number(),
    mean: z.number().nullable(),
    ci_low: z.number().nullable(),
    ci_high: z.number().nullable(),
  })
  .loose();

export const runEvent = z.object({ event: z.literal('run'), runId: z.string(), runDir: z.string().optional() });
export const stepEvent = z.object({ event: z.literal('step'), step: z.number() }).loose();
export const doneEvent = z.object({ event: z.literal('done'), status: z.string() }).loose();
export const progressEvent = z.object({ event: z.literal('progress'), done: z.number(), total: z.number() });
/** What the trainer is doing now (main/training/trainer.ts TrainerPhase). */
export const phaseEvent = z.object({
  event: z.literal('phase'),
  phase: z.enum(['rollout', 'train', 'checkpoint', 'eval']),
  step: z.number().int().nonnegative(),
  suite: z.string().optional(),
  done: z.number().int().nonnegative().optional(),
  total: z.number().int().nonnegative().optional(),
});
export type PhaseEvent = z.infer<typeof phaseEvent>;

export const compareResult = z.object({
  suite: z.string(),
  a: z.object({ positions: z.array(positionStat), rise: codEffect.nullable().optional() }).loose(),
  b: z.object({ positions: z.array(positionStat), rise: codEffect.nullable().optional() }).loose(),
  delta: z.array(positionStat),
  effect: codEffect.nullable().optional(),
});

/**
 * `cod compare --json` output (an array, one entry per suite): the entry for `suite`, checked, or why there is
 * none (not JSON, no entry for the suite, or the entry's first schema problem) for the job's error message.
 */
export function parseCompareOutput(
  text: string,
  suite: string,
): { ok: true; result: z.infer<typeof compareResult> } | { ok: false; error: string } {
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

export const trainerLine = z.union([runEvent, stepEvent, doneEvent, progressEvent, phaseEvent]);
export type TrainerLine = z.infer<typeof trainerLine>;

/** A parsed line, or undefined for anything else. */
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

/** The message a failed worker leaves: its last `cod: error:` line, else its last stderr line. */
export function failureMessage(stderrTail: readonly string[], exit: { code: number | null; signal: string | null }) {
  const err = [...stderrTail].reverse().find((l) => l.startsWith('cod: '));
  const last = err ?? [...stderrTail].reverse().find((l) => l.trim() !== '');
  const how = exit.signal ? `killed by ${exit.signal}` : `exit status ${exit.code}`;
  return last ? `${last.replace(/^cod: (error: )?/, '')} (${how})` : `the worker ended with ${how}`;
}
