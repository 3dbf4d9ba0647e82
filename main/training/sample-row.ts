/** A model call as the run store keeps it (training steps and evals alike). */
import type { CallRecord } from '../cod/records.ts';
import type { SampleInput } from '../store/types.ts';

export interface SampleCredit {
  readonly advantage: number;
  readonly return: number;
}

/** `lifecycleKey`: the lifecycle's key in the store (evals add the checkpoint step); credit only for training samples. */
export function sampleRow(r: CallRecord, lifecycleKey: string = r.lifecycleId, credit?: SampleCredit): SampleInput {
  return {
    lifecycleId: lifecycleKey,
    position: r.position,
    kind: r.episodeKind,
    turn: r.turn,
    messages: r.messages,
    response: r.response,
    ...(r.promptIds ? { promptIds: r.promptIds } : {}),
    ...(r.tokenIds ? { responseIds: r.tokenIds } : {}),
    ...(r.logprobs ? { logprobs: r.logprobs } : {}),
    ...(credit && r.tokenIds ? { advantages: r.tokenIds.map(() => credit.advantage) } : {}),
    reward: r.reward,
    return: credit?.return ?? null,
    advantage: credit?.advantage ?? null,
    outcome: r.outcome,
    hintBefore: r.hintBefore,
    hintAfter: r.hintAfter ?? null,
  };
}
