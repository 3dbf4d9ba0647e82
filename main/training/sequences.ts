/**
 * Training sequences from a rollout's samples. Every model call of a solve episode sees the whole episode so far
 * with earlier assistant turns verbatim, so the episode is ONE token sequence — the last call's prompt and
 * response — with the loss mask over each call's response tokens (cod-method.md §2, ours): identical log-probs,
 * the prompt paid once. The packing is done on token ids, not text: call i+1's prompt ids must start with call i's
 * prompt + response ids. Where a sampled response is not the tokenizer's canonical encoding of its own text, that
 * prefix breaks; such an episode falls back to one sequence per call (exact either way) and is counted.
 */
import { CodError } from '../base/errors.ts';
import type { EpisodeKind } from '../cod/policy.ts';
import type { CallRecord } from '../cod/records.ts';

export interface PgSample {
  readonly record: CallRecord;
  readonly advantage: number;
}

export interface TrainSequence {
  readonly lifecycleId: string;
  readonly kind: EpisodeKind;
  readonly position: number;
  readonly ids: number[];
  /** Per token (same length as ids); token 0 never counts. */
  readonly mask: number[];
  readonly advantages: number[];
  /** The behaviour policy's log-prob of each response token (sampler), 0 elsewhere. */
  readonly oldLogp: number[];
  /** Model calls packed into this sequence. */
  readonly calls: number;
}

export interface SequenceBuild {
  readonly sequences: TrainSequence[];
  /** Episodes that could not be packed into one sequence (non-canonical token prefix). */
  readonly fallbackEpisodes: number;
  readonly episodes: number;
}

function callTokens(r: CallRecord): {
  prompt: readonly number[];
  response: readonly number[];
  logp: readonly number[];
} {
  if (!r.promptIds || !r.tokenIds || !r.logprobs)
    throw new CodError('bad_input', 'a training sample needs prompt ids, response ids and log-probs', r.requestId);
  if (r.logprobs.length !== r.tokenIds.length)
    throw new CodError(
      'bad_input',
      `${r.tokenIds.length} response ids but ${r.logprobs.length} log-probs`,
      r.requestId,
    );
  if (r.promptIds.length === 0) throw new CodError('bad_input', 'empty prompt', r.requestId);
  return { prompt: r.promptIds, response: r.tokenIds, logp: r.logprobs };
}

function startsWith(a: readonly number[], prefix: readonly number[]): boolean {
  if (prefix.length > a.length) return false;
  for (let i = 0; i < prefix.length; i++) if (a[i] !== prefix[i]) return false;
  return true;
}

/** One sequence holding the given calls in order, or null when a call's prompt does not extend the previous. */
function packEpisode(calls: readonly PgSample[]): TrainSequence | null {
  const ids: number[] = [];
  const mask: number[] = [];
  const advantages: number[] = [];
  const oldLogp: number[] = [];
  for (const { record, advantage } of calls) {
    const t = callTokens(record);
    if (!startsWith(t.prompt, ids)) return null;
    for (let i = ids.length; i < t.prompt.length; i++) {
      ids.push(t.prompt[i]);
      mask.push(0);
      advantages.push(0);
      oldLogp.push(0);
    }
    t.response.forEach((id, i) => {
      ids.push(id);
      mask.push(1);
      advantages.push(advantage);
      oldLogp.push(t.logp[i]);
    });
  }
  const r0 = calls[0].record;
  return {
    lifecycleId: r0.lifecycleId,
    kind: r0.episodeKind,
    position: r0.position,
    ids,
    mask,
    advantages,
    oldLogp,
    calls: calls.length,
  };
}

/**
 * Samples (one per model call, each carrying its episode's advantage) to training sequences, episode by episode
 * in first-seen order. Calls with no response tokens carry no loss and are skipped.
 */
export function buildSequences(samples: readonly PgSample[], opts: { packEpisodes?: boolean } = {}): SequenceBuild {
  const episodes = new Map<string, PgSample[]>();
  for (const s of samples) {
    if (!s.record.tokenIds || s.record.tokenIds.length === 0) continue;
    const r = s.record;
    const key = `${r.lifecycleId}\u0000${r.episodeKind}\u0000${r.position}`;
    const list = episodes.get(key) ?? [];
    list.push(s);
    episodes.set(key, list);
  }
  const sequences: TrainSequence[] = [];
  let fallbackEpisodes = 0;
  for (const calls of episodes.values()) {
    calls.sort((a, b) => a.record.turn - b.record.turn);
    const packed = opts.packEpisodes === false ? null : packEpisode(calls);
    if (packed) {
      sequences.push(packed);
      continue;
    }
    if (opts.packEpisodes !== false) fallbackEpisodes++;
    for (const c of calls) sequences.push(packEpisode([c])!);
  }
  return { sequences, fallbackEpisodes, episodes: episodes.size };
}
