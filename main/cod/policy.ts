/**
 * The policy interface the lifecycle runner talks to. Scripted agents and LLM policies implement it alike.
 * It takes batches so a model can serve many concurrent lifecycles' calls together (continuous batching).
 */

import type { ChatMessage, EpisodeKind } from '../base/chat.ts';
import type { CodErrorCode } from '../base/errors.ts';
import type { EpisodeEnd } from '../envs/sdk.ts';

export type { ChatMessage, EpisodeKind };

export interface PolicyRequest {
  /** Unique per model call within a run step. */
  readonly id: string;
  readonly kind: EpisodeKind;
  /** The whole conversation so far; the policy answers with the next assistant turn. */
  readonly messages: readonly ChatMessage[];
  /** Stop strings (e.g. '</answer>', the hint end delimiter); the stop string is kept in the response text. */
  readonly stop: readonly string[];
  readonly maxNewTokens: number;
  /** Which lifecycle this call belongs to: scripted agents keep per-lifecycle memory by it. */
  readonly lifecycleId: string;
  readonly domain: string;
  /** Pack position j of the task (solve) or of the task just summarised (update). */
  readonly position: number;
  /** Per-request seed so a rollout is reproducible. */
  readonly seed: string;
  /**
   * Structured public view of the observation (TaskEpisode.view()), for scripted agents only. An LLM policy
   * ignores it; it never holds hidden structure. For an update request: the summarised episode's final view.
   */
  readonly view?: Readonly<Record<string, unknown>>;
  /** Update requests only: how the summarised episode ended (for scripted agents' writeNotes). */
  readonly end?: EpisodeEnd;
  /**
   * The current context z as plain text ("Hints: null", "Hints: ..."), for scripted agents; an LLM policy reads
   * it from the messages instead. For an update request: the previous hints.
   */
  readonly hints?: string;
}

export interface PolicyResponse {
  readonly text: string;
  /** Present for model policies: response token ids and their log-probs under the sampling policy. */
  readonly tokenIds?: readonly number[];
  readonly logprobs?: readonly number[];
  readonly promptIds?: readonly number[];
  /** True when generation stopped on max tokens rather than a stop string / EOS. */
  readonly truncated?: boolean;
  /**
   * Set when this one request could not be answered (e.g. a scripted agent, which is domain code, threw): it fails
   * only the request's lifecycle. A failure of the policy as a whole is a rejected `respond` instead.
   */
  readonly error?: { readonly code: CodErrorCode; readonly message: string };
}

export interface Policy {
  readonly name: string;
  respond(batch: readonly PolicyRequest[]): Promise<PolicyResponse[]>;
  /** Optional: the runner calls it when a lifecycle ends, so per-lifecycle state can be freed. */
  endLifecycle?(lifecycleId: string): void;
}
