/** Model calls and lifecycles as the run store keeps them (training steps and evals alike). */
import type { CallRecord, LifecycleResult } from '../cod/records.ts';
import type { LifecycleInput, SampleInput } from '../store/types.ts';

/**
 * A lifecycle's store row. `key`: its key in the store (evals add the checkpoint step). A failed lifecycle did not
 * reach every position: its rewards are padded with null to the pack size, so every row has one per position.
 */
export function lifecycleRow(
  l: LifecycleResult,
  key: string,
  where: Pick<LifecycleInput, 'split' | 'suite' | 'checkpointStep'>,
): LifecycleInput {
  return {
    id: key,
    packId: l.packId,
    domain: l.domain,
    rolloutIndex: l.rolloutIndex,
    ...where,
    rewards: l.tasks.map((_, k) => (k < l.taskRewards.length ? l.taskRewards[k] : null)),
    updateRewards: l.updateRewards,
    hints: l.hints,
    ...(l.error ? { error: `${l.error.code}: ${l.error.message}` } : {}),
  };
}

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
    feedback: r.feedback ?? null,
  };
}
