/**
 * Samples (one per model call) in their stored form. An episode's prompts grow turn by turn with history kept
 * verbatim, so storing every prompt whole costs O(turns^2); each row stores only the messages and prompt tokens after
 * the prefix it shares with the previous call of the same episode, and reads rebuild the whole prompt.
 */
import type { SQLOutputValue } from 'node:sqlite';
import { CodError } from '../base/errors.ts';
import type { ChatMessage } from '../base/chat.ts';
import { decodeFloats, decodeInts, encodeFloats, encodeInts, float32Array, int32Array } from './blobs.ts';
import type { SampleInput, SampleRecord } from './types.ts';
import { array, badInput, int, name, oneOf, optNum, optText, text } from './validate.ts';

const ROLES = ['system', 'user', 'assistant'] as const;
const KINDS = ['solve', 'update'] as const;

/** A validated sample ready for INSERT, in the order rows must be written and read. */
export interface SampleRow {
  readonly lifecycleKey: string;
  readonly position: number;
  readonly kind: 'solve' | 'update';
  readonly turn: number;
  readonly messages: readonly ChatMessage[];
  readonly promptIds: Int32Array | null;
  readonly sharedMessages: number;
  readonly sharedPromptTokens: number;
  readonly values: {
    readonly response: string;
    readonly responseIds: Uint8Array | null;
    readonly logprobs: Uint8Array | null;
    readonly advantages: Uint8Array | null;
    readonly reward: number | null;
    readonly returnValue: number | null;
    readonly advantage: number | null;
    readonly outcome: string | null;
    readonly hintBefore: string | null;
    readonly hintAfter: string | null;
    readonly feedback: string | null;
  };
}

function checkMessages(v: unknown, where: string): ChatMessage[] {
  return array<unknown>(v, where).map((m, i) => {
    if (typeof m !== 'object' || m === null) badInput(`${where}[${i}]`, 'expected {role, content}');
    const msg = m as Record<string, unknown>;
    return {
      role: oneOf(msg.role, ROLES, `${where}[${i}].role`),
      content: text(msg.content, `${where}[${i}].content`, Number.MAX_SAFE_INTEGER, true),
    };
  });
}

function sameLength(a: { length: number } | null, b: { length: number } | null, where: string, what: string): void {
  if (a && b && a.length !== b.length) {
    badInput(where, `${what} has ${b.length} values for ${a.length} response tokens`);
  }
}

function validateSample(s: SampleInput, where: string, lifecycleKeys: ReadonlySet<string>) {
  if (typeof s !== 'object' || s === null) badInput(where, 'expected a sample object');
  const lifecycleKey = name(s.lifecycleId, `${where}.lifecycleId`);
  if (!lifecycleKeys.has(lifecycleKey)) {
    badInput(`${where}.lifecycleId`, `lifecycle '${lifecycleKey}' is not among this commit's lifecycles`);
  }
  const responseIds = s.responseIds === undefined ? null : int32Array(s.responseIds, `${where}.responseIds`);
  const logprobs = s.logprobs === undefined ? null : float32Array(s.logprobs, `${where}.logprobs`);
  const advantages = s.advantages === undefined ? null : float32Array(s.advantages, `${where}.advantages`);
  sameLength(responseIds, logprobs, `${where}.logprobs`, 'logprobs');
  sameLength(responseIds, advantages, `${where}.advantages`, 'advantages');
  return {
    lifecycleKey,
    position: int(s.position, `${where}.position`),
    kind: oneOf(s.kind, KINDS, `${where}.kind`),
    turn: int(s.turn, `${where}.turn`),
    messages: checkMessages(s.messages, `${where}.messages`),
    promptIds: s.promptIds === undefined ? null : int32Array(s.promptIds, `${where}.promptIds`),
    values: {
      response: text(s.response, `${where}.response`, Number.MAX_SAFE_INTEGER, true),
      responseIds: responseIds && encodeInts(responseIds),
      logprobs: logprobs && encodeFloats(logprobs),
      advantages: advantages && encodeFloats(advantages),
      reward: optNum(s.reward, `${where}.reward`),
      returnValue: optNum(s.return, `${where}.return`),
      advantage: optNum(s.advantage, `${where}.advantage`),
      outcome: optText(s.outcome, `${where}.outcome`),
      hintBefore: optText(s.hintBefore, `${where}.hintBefore`),
      hintAfter: optText(s.hintAfter, `${where}.hintAfter`),
      feedback: optText(s.feedback, `${where}.feedback`),
    },
  };
}

function commonMessages(a: readonly ChatMessage[], b: readonly ChatMessage[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n].role === b[n].role && a[n].content === b[n].content) n++;
  return n;
}

function commonTokens(a: Int32Array | null, b: Int32Array | null): number {
  if (!a || !b) return 0;
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

type ValidSample = ReturnType<typeof validateSample>;

function order(a: ValidSample, b: ValidSample): number {
  if (a.lifecycleKey !== b.lifecycleKey) return a.lifecycleKey < b.lifecycleKey ? -1 : 1;
  if (a.position !== b.position) return a.position - b.position;
  if (a.kind !== b.kind) return a.kind === 'solve' ? -1 : 1;
  return a.turn - b.turn;
}

/** Validate, sort into episode order and compute the shared prefixes. */
export function prepareSamples(
  samples: readonly SampleInput[],
  lifecycleKeys: ReadonlySet<string>,
  where: string,
): SampleRow[] {
  const valid = array<SampleInput>(samples, where).map((s, i) => validateSample(s, `${where}[${i}]`, lifecycleKeys));
  valid.sort(order);
  const rows: SampleRow[] = [];
  for (let i = 0; i < valid.length; i++) {
    const s = valid[i];
    const prev = i > 0 ? valid[i - 1] : undefined;
    const sameEpisode =
      prev !== undefined &&
      prev.lifecycleKey === s.lifecycleKey &&
      prev.position === s.position &&
      prev.kind === s.kind;
    if (sameEpisode && prev.turn === s.turn) {
      badInput(where, `two samples for lifecycle '${s.lifecycleKey}' ${s.kind} position ${s.position} turn ${s.turn}`);
    }
    rows.push({
      ...s,
      sharedMessages: sameEpisode ? commonMessages(prev.messages, s.messages) : 0,
      sharedPromptTokens: sameEpisode ? commonTokens(prev.promptIds, s.promptIds) : 0,
    });
  }
  return rows;
}

export const INSERT_SAMPLE = `INSERT INTO samples (lifecycle_id, position, kind, turn, shared_messages, messages, response,
  shared_prompt_tokens, prompt_ids, response_ids, logprobs, advantages, reward, return_value, advantage, outcome,
  hint_before, hint_after, feedback) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export function sampleParams(row: SampleRow, lifecycleRowId: number) {
  const v = row.values;
  const promptTail = row.promptIds ? encodeInts(row.promptIds.subarray(row.sharedPromptTokens)) : null;
  return [
    lifecycleRowId,
    row.position,
    row.kind,
    row.turn,
    row.sharedMessages,
    JSON.stringify(row.messages.slice(row.sharedMessages)),
    v.response,
    row.sharedPromptTokens,
    promptTail,
    v.responseIds,
    v.logprobs,
    v.advantages,
    v.reward,
    v.returnValue,
    v.advantage,
    v.outcome,
    v.hintBefore,
    v.hintAfter,
    v.feedback,
  ] as const;
}

export const SELECT_SAMPLES = `SELECT position, kind, turn, shared_messages, messages, response, shared_prompt_tokens,
  prompt_ids, response_ids, logprobs, advantages, reward, return_value, advantage, outcome, hint_before, hint_after,
  feedback FROM samples WHERE lifecycle_id = ? ORDER BY position, kind, turn`;

const numOrNull = (v: SQLOutputValue): number | null => (v === null ? null : Number(v));
const strOrNull = (v: SQLOutputValue): string | null => (v === null ? null : String(v));
const blob = (v: SQLOutputValue): Uint8Array | null => (v instanceof Uint8Array ? v : null);

/** Rebuild full samples from stored rows (already in episode order). */
export function decodeSamples(rows: readonly Record<string, SQLOutputValue>[], where: string): SampleRecord[] {
  const out: SampleRecord[] = [];
  let prev: SampleRecord | undefined;
  for (const r of rows) {
    const position = Number(r.position);
    const kind = r.kind as 'solve' | 'update';
    const sharedMessages = Number(r.shared_messages);
    const sharedTokens = Number(r.shared_prompt_tokens);
    const samePrev = prev !== undefined && prev.position === position && prev.kind === kind;
    if ((sharedMessages > 0 || sharedTokens > 0) && !samePrev) {
      throw new CodError(
        'internal',
        `sample ${kind} ${position}/${String(r.turn)} refers to a missing earlier call`,
        where,
      );
    }
    const tail = JSON.parse(String(r.messages)) as ChatMessage[];
    const messages = sharedMessages > 0 && prev ? prev.messages.slice(0, sharedMessages).concat(tail) : tail;
    const promptBlob = blob(r.prompt_ids);
    let promptIds = promptBlob && decodeInts(promptBlob, where);
    if (promptIds && sharedTokens > 0 && prev?.promptIds) {
      const full = new Int32Array(sharedTokens + promptIds.length);
      full.set(prev.promptIds.subarray(0, sharedTokens));
      full.set(promptIds, sharedTokens);
      promptIds = full;
    }
    const responseIds = blob(r.response_ids);
    const logprobs = blob(r.logprobs);
    const advantages = blob(r.advantages);
    const sample: SampleRecord = {
      position,
      kind,
      turn: Number(r.turn),
      messages,
      response: String(r.response),
      promptIds,
      responseIds: responseIds && decodeInts(responseIds, where),
      logprobs: logprobs && decodeFloats(logprobs, where),
      advantages: advantages && decodeFloats(advantages, where),
      reward: numOrNull(r.reward),
      return: numOrNull(r.return_value),
      advantage: numOrNull(r.advantage),
      outcome: strOrNull(r.outcome),
      hintBefore: strOrNull(r.hint_before),
      hintAfter: strOrNull(r.hint_after),
      feedback: strOrNull(r.feedback),
    };
    out.push(sample);
    prev = sample;
  }
  return out;
}
