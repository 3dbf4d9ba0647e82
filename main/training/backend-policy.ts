/**
 * The lifecycle runner's Policy on a training backend: each request's conversation is rendered with the model's
 * chat template (generation prompt on), sampled with backend.sample — from a published sampler path (a policy
 * version) or a base model — and answered with the text, the response ids with their log-probs (the raw policy's,
 * temperature 1: what the trainer scores) and the prompt ids. Rollouts, the trainer's evals, `cod eval` and
 * `cod compare` all play through it, so none of them cares where the model lives. Concurrent requests are batched by
 * the backend's sampler.
 */
import { createHash } from 'node:crypto';
import type { TrainingBackend } from '../backend/backend.ts';
import type { SampledSequence } from '../backend/wire.ts';
import { CodError, isCodError } from '../base/errors.ts';
import type { Policy, PolicyRequest, PolicyResponse } from '../cod/policy.ts';
import type { ChatModel } from '../models/model-dir.ts';

/** What to sample from: saved sampler weights (tinker://…/sampler_weights/NAME) or a base model by name. */
export type SamplingTarget = { readonly modelPath: string } | { readonly baseModel: string };

export interface BackendPolicyOptions {
  readonly name?: string;
  /** Sampling temperature (default 1). */
  readonly temperature?: number;
}

/** A request's seed string as the integer the wire's `seed` takes (31 bits, stable across processes). */
export function requestSeed(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32BE(0) >>> 1;
}

export class BackendPolicy implements Policy {
  readonly name: string;

  constructor(
    private readonly backend: TrainingBackend,
    private readonly chat: ChatModel,
    private readonly target: SamplingTarget,
    private readonly opts: BackendPolicyOptions = {},
  ) {
    this.name = opts.name ?? ('modelPath' in target ? target.modelPath : target.baseModel);
  }

  respond(batch: readonly PolicyRequest[]): Promise<PolicyResponse[]> {
    return Promise.all(batch.map((r) => this.one(r)));
  }

  private async one(r: PolicyRequest): Promise<PolicyResponse> {
    if (r.messages.length === 0) throw new CodError('bad_input', 'request has no messages', `request ${r.id}`);
    const prompt = this.chat.renderer.renderChat(r.messages, { addGenerationPrompt: true }).ids;
    let seq: SampledSequence;
    try {
      const out = await this.backend.sample({
        prompt,
        params: {
          max_tokens: r.maxNewTokens,
          seed: requestSeed(r.seed),
          stop: r.stop.length > 0 ? [...r.stop] : null,
          temperature: this.opts.temperature ?? 1,
          top_k: -1,
          top_p: 1,
        },
        numSamples: 1,
        ...this.target,
      });
      seq = out.sequences[0];
    } catch (e) {
      // A request the backend refuses (a prompt past the context, say) fails its own lifecycle, not the rollout.
      if (isCodError(e) && e.code === 'bad_input') return { text: '', error: { code: e.code, message: e.message } };
      throw e;
    }
    if (!seq || !seq.logprobs || seq.logprobs.length !== seq.tokens.length)
      throw new CodError(
        'internal',
        `backend ${this.backend.name} answered a sample without one log-prob per token`,
        `request ${r.id}`,
      );
    return {
      text: this.text(seq.tokens, r.stop),
      tokenIds: seq.tokens,
      logprobs: seq.logprobs,
      promptIds: prompt,
      truncated: seq.stop_reason === 'length',
    };
  }

  /** The response text: an end-of-turn token is generated (and scored) but not text; text ends after a stop string. */
  private text(tokens: readonly number[], stop: readonly string[]): string {
    const eos = tokens.length > 0 && this.chat.eosIds.includes(tokens[tokens.length - 1]);
    const text = this.chat.tokenizer.decode(eos ? tokens.slice(0, -1) : tokens);
    if (eos) return text;
    let end = Infinity;
    for (const s of stop) {
      const at = text.indexOf(s);
      if (at >= 0) end = Math.min(end, at + s.length);
    }
    return end < Infinity ? text.slice(0, end) : text;
  }
}
