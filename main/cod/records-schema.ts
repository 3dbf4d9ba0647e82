/**
 * Runtime schemas of the rollout records (records.ts) for where they come back from a file: a lifecycle read from
 * the evaluation cache is checked whole before any table is computed from it. Typed against the interfaces, so a
 * field added there without its schema here fails the typecheck.
 */
import { z } from 'zod';
import type { CodErrorCode } from '../base/errors.ts';
import { OUTCOMES, type Outcome } from '../envs/sdk.ts';
import { PACK_STRATEGIES, type PackStrategy } from './packs.ts';
import { MEMORY_MODES, type CallRecord, type LifecycleResult, type MemoryMode } from './records.ts';

const ERROR_CODES = [
  'bad_input',
  'bad_config',
  'bad_checkpoint',
  'not_found',
  'unsupported',
  'conflict',
  'env_fault',
  'io',
  'internal',
] as const satisfies readonly CodErrorCode[];
// Every CodErrorCode is listed: a code added to errors.ts without it here fails the typecheck.
const everyCode: Record<Exclude<CodErrorCode, (typeof ERROR_CODES)[number]>, never> = {};
void everyCode;

const recordError = z.strictObject({ code: z.enum(ERROR_CODES), message: z.string() });
const outcome = z.enum(OUTCOMES as readonly [Outcome, ...Outcome[]]);
const int = z.number().int();
const ids = z.array(int.nonnegative());

export const callRecordSchema: z.ZodType<CallRecord> = z.strictObject({
  runId: z.string().optional(),
  lifecycleId: z.string(),
  packId: z.string(),
  domain: z.string(),
  rolloutIndex: int.nonnegative(),
  position: int.nonnegative(),
  task: int.nonnegative(),
  taskId: z.string(),
  episodeKind: z.enum(['solve', 'update']),
  turn: int.nonnegative(),
  requestId: z.string(),
  seed: z.string(),
  messages: z.array(z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })),
  response: z.string(),
  tokenIds: ids.optional(),
  logprobs: z.array(z.number()).optional(),
  promptIds: ids.optional(),
  truncated: z.boolean().optional(),
  hintBefore: z.string(),
  hintAfter: z.string().optional(),
  feedback: z.string().optional(),
  reward: z.number(),
  outcome: z.union([outcome, z.enum(['hints_updated', 'hints_format_error', 'env_fault'])]),
  parseOk: z.boolean(),
  parseError: z.string().optional(),
  envSteps: int.nonnegative(),
  error: recordError.optional(),
});

export const lifecycleResultSchema: z.ZodType<LifecycleResult> = z.strictObject({
  runId: z.string().optional(),
  lifecycleId: z.string(),
  packId: z.string(),
  domain: z.string(),
  preset: z.string(),
  strategy: z.enum(PACK_STRATEGIES as readonly [PackStrategy, ...PackStrategy[]]),
  rolloutIndex: int.nonnegative(),
  memory: z.enum(MEMORY_MODES as readonly [MemoryMode, ...MemoryMode[]]),
  tasks: z.array(int.nonnegative()),
  taskRewards: z.array(z.number()),
  outcomes: z.array(outcome),
  envSteps: z.array(int.nonnegative()),
  updateRewards: z.array(z.number()),
  hintParseOk: z.array(z.boolean()),
  hints: z.array(z.string()),
  records: z.array(callRecordSchema),
  error: recordError.optional(),
});
