/**
 * What the trainer and evaluator print (`cod train --events`, `cod compare --json --events`): one JSON object per
 * line. Every line is checked here before a service acts on it; a line that is not one of these is ignored
 * (a worker may also print plain log lines).
 */
import { z } from 'zod';

const positionStat = z.object({ k: z.number(), mean: z.number(), ci_low: z.number(), ci_high: z.number() });

export const runEvent = z.object({ event: z.literal('run'), runId: z.string(), runDir: z.string().optional() });
export const stepEvent = z.object({ event: z.literal('step'), step: z.number() }).loose();
export const doneEvent = z.object({ event: z.literal('done'), status: z.string() }).loose();
export const progressEvent = z.object({ event: z.literal('progress'), done: z.number(), total: z.number() });

export const compareResult = z.object({
  suite: z.string(),
  a: z.object({ positions: z.array(positionStat) }).loose(),
  b: z.object({ positions: z.array(positionStat) }).loose(),
  delta: z.array(positionStat),
});

/** `cod compare --json` output (an array, one entry per suite): the entry for `suite`, checked; else undefined. */
export function parseCompareOutput(text: string, suite: string): z.infer<typeof compareResult> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const list = Array.isArray(v) ? v : [v];
  for (const item of list) {
    const r = compareResult.safeParse(item);
    if (r.success && r.data.suite === suite) return r.data;
  }
  return undefined;
}

export const trainerLine = z.union([runEvent, stepEvent, doneEvent, progressEvent]);
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
