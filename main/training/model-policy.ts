/**
 * A model as the lifecycle runner's Policy: each request's conversation is rendered with the checkpoint's chat
 * template (generation prompt on), sampled by the shared continuous-batching Sampler, and answered with the text,
 * the response token ids with their log-probs (temperature-1 policy log-probs, what the trainer recomputes) and
 * the prompt ids. Concurrent `respond` calls of many lifecycles share the sampler's slots.
 */
import { CodError } from '../base/errors.ts';
import type { ChatRenderer } from '../models/chat-template/render.ts';
import type { Sampler } from '../models/sampler/sampler.ts';
import type { Policy, PolicyRequest, PolicyResponse } from '../cod/policy.ts';

export interface ModelPolicyOptions {
  readonly name?: string;
  readonly temperature?: number;
  readonly topK?: number;
  readonly topP?: number;
  /** End-of-turn ids (default: the tokenizer's eos id). */
  readonly eosIds?: readonly number[];
}

export class ModelPolicy implements Policy {
  readonly name: string;
  private readonly eosIds: readonly number[];

  constructor(
    private readonly sampler: Sampler,
    private readonly renderer: ChatRenderer,
    private readonly opts: ModelPolicyOptions = {},
  ) {
    this.name = opts.name ?? 'model';
    const eos = opts.eosIds ?? (renderer.tokenizer.eosTokenId !== undefined ? [renderer.tokenizer.eosTokenId] : []);
    this.eosIds = eos;
  }

  async respond(batch: readonly PolicyRequest[]): Promise<PolicyResponse[]> {
    const prompts = batch.map((r) => {
      if (r.messages.length === 0) throw new CodError('bad_input', 'request has no messages', `request ${r.id}`);
      return this.renderer.renderChat(r.messages, { addGenerationPrompt: true }).ids;
    });
    const results = await this.sampler.generate(
      batch.map((r, i) => ({
        promptIds: prompts[i],
        maxNewTokens: r.maxNewTokens,
        temperature: this.opts.temperature ?? 1,
        topK: this.opts.topK ?? 0,
        topP: this.opts.topP ?? 1,
        seed: r.seed,
        stop: r.stop,
        eosIds: this.eosIds,
      })),
    );
    return results.map((res, i) => {
      // The end-of-turn token is part of what the model generated (the trainer scores it) but not of the text.
      const text = res.finish === 'eos' ? this.renderer.tokenizer.decode(res.tokenIds.slice(0, -1)) : (res.text ?? '');
      return {
        text,
        tokenIds: res.tokenIds,
        logprobs: res.logprobs,
        promptIds: prompts[i],
        truncated: res.finish === 'length' || res.finish === 'context',
      };
    });
  }
}
