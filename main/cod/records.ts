/**
 * What a rollout produces: one CallRecord per model call (the training sample unit, cod-method.md §2) and one
 * LifecycleResult per lifecycle (the per-position rewards and contexts the metrics and returns are computed from).
 * Plain JSON data: they go to the store, to JSONL trace files and across worker boundaries unchanged.
 */
import type { CodErrorCode } from '../base/errors.ts';
import type { Outcome } from '../envs/sdk.ts';
import type { PackStrategy } from './packs.ts';
import type { ChatMessage, EpisodeKind } from './policy.ts';

export type MemoryMode = 'notes' | 'none' | 'append_log';
export const MEMORY_MODES: readonly MemoryMode[] = ['notes', 'none', 'append_log'];

/** How an update call ended: hints parsed (r^z = 0) or not (r^z = -0.1, z = "Hints: no hint available."). */
export type UpdateOutcome = 'hints_updated' | 'hints_format_error';

/** Outcome of a record whose episode was cut short by a fault (see CallRecord.error). */
export type FaultOutcome = 'env_fault';

export interface RecordError {
  readonly code: CodErrorCode;
  readonly message: string;
}

export interface CallRecord {
  readonly runId?: string;
  readonly lifecycleId: string;
  readonly packId: string;
  readonly domain: string;
  readonly rolloutIndex: number;
  /** Pack position j: the task solved (solve) or the task just summarised (update). */
  readonly position: number;
  /** The task index inside the pack's instance (differs from position under the Ralph strategies). */
  readonly task: number;
  readonly taskId: string;
  readonly episodeKind: EpisodeKind;
  /** 0-based model call within its episode (always 0 for updates). */
  readonly turn: number;
  readonly requestId: string;
  readonly seed: string;
  /** The prompt: the whole conversation the model saw. */
  readonly messages: readonly ChatMessage[];
  /** The response verbatim (the assistant turn kept in later prompts). */
  readonly response: string;
  readonly tokenIds?: readonly number[];
  readonly logprobs?: readonly number[];
  readonly promptIds?: readonly number[];
  readonly truncated?: boolean;
  /** z_j the episode ran with (solve) or the previous hints (update). */
  readonly hintBefore: string;
  /** z_{j+1} an update produced. */
  readonly hintAfter?: string;
  /** The environment's feedback on the finished task, copied to each call of its solve episode. */
  readonly feedback?: string;
  /** The episode's reward copied to each of its calls: task reward r^x_j (solve) or r^z_j (update). */
  readonly reward: number;
  readonly outcome: Outcome | UpdateOutcome | FaultOutcome;
  /** This call's response parsed (answer block for solve, hint delimiters for update). */
  readonly parseOk: boolean;
  readonly parseError?: string;
  /** Environment steps the episode took (0 for updates). */
  readonly envSteps: number;
  /** Set when the episode was cut short by a fault; such records are not training samples. */
  readonly error?: RecordError;
}

export interface LifecycleResult {
  readonly runId?: string;
  readonly lifecycleId: string;
  readonly packId: string;
  readonly domain: string;
  readonly preset: string;
  readonly strategy: PackStrategy;
  readonly rolloutIndex: number;
  readonly memory: MemoryMode;
  /** Task index per position (the pack's task sequence). */
  readonly tasks: readonly number[];
  /** r^x_j for each finished position (all S unless the lifecycle failed). */
  readonly taskRewards: number[];
  readonly outcomes: Outcome[];
  readonly envSteps: number[];
  /** r^z_j of the update after task j, j = 0..S-2 (empty when the memory mode makes no update calls). */
  readonly updateRewards: number[];
  /** Whether the update after task j parsed. */
  readonly hintParseOk: boolean[];
  /** z_0..z_{S-1}: the context each task was solved with. */
  readonly hints: string[];
  /** Every model call, in call order. */
  readonly records: CallRecord[];
  readonly error?: RecordError;
}
