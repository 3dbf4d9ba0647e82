/** Token-level quantities of a causal LM over packed rows: target log-probs, entropy, cross-entropy. */
import {
  chunkSizes,
  concat,
  exp,
  gatherElements,
  logSoftmax,
  mul,
  neg,
  reduceSum,
  reshape,
  split,
  stopGradient,
  sumAll,
  type Value,
} from '../engine/index.ts';
import { loraAName, loraBName } from './adapter.ts';
import type { ModelConfig } from './config.ts';
import { headLogits, type Params, paramGetter, rematNamed } from './transformer.ts';

export interface TokenStats {
  /** [B, T] log p(target | prefix) at every column (the target is the next token). */
  readonly logp: Value;
  /** [B, T] entropy of the next-token distribution (no gradient); null when not requested. */
  readonly entropy: Value | null;
}

/** Per-row log-prob of the target [N] and (no-gradient) entropy [N] from logits [N, V] and targets [N] int64. */
function rowStats(logits: Value, targets: Value, withEntropy: boolean): { logp: Value; entropy: Value | null } {
  const N = targets.shape[0] as number;
  const logpAll = logSoftmax(logits); // [N, V]
  const logp = reshape(gatherElements(logpAll, reshape(targets, [N, 1]), 1), [N]);
  if (!withEntropy) return { logp, entropy: null };
  const lp = stopGradient(logpAll);
  return { logp, entropy: neg(reduceSum(mul(exp(lp), lp), [-1], false)) };
}

/** From logits [B*T, V] and targets [B, T] int64. */
export function tokenStats(logits: Value, targets: Value, withEntropy: boolean): TokenStats {
  const [B, T] = targets.shape as [number, number];
  const r = rowStats(logits, reshape(targets, [B * T]), withEntropy);
  return { logp: reshape(r.logp, [B, T]), entropy: r.entropy ? reshape(r.entropy, [B, T]) : null };
}

/**
 * Token statistics from the final hidden states [B*T, D], the LM head applied `chunk` tokens at a time, each chunk
 * recomputed in the backward pass: the [tokens, vocabulary] logits never exist for more than one chunk. chunk 0
 * (or >= B*T) = the whole row at once.
 */
export function tokenStatsFromHidden(
  c: ModelConfig,
  params: Params,
  loraScale: number,
  hf: Value,
  targets: Value,
  withEntropy: boolean,
  chunk: number,
): TokenStats {
  const [B, T] = targets.shape as [number, number];
  const N = B * T;
  if (chunk <= 0 || chunk >= N)
    return tokenStats(headLogits(c, paramGetter(params, loraScale), hf), targets, withEntropy);
  const flat = reshape(targets, [N]);
  const headNames = [
    c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight',
    loraAName('lm_head'),
    loraBName('lm_head'),
  ];
  const named = new Map([...params].filter(([k]) => headNames.includes(k)));
  const logps: Value[] = [];
  const ents: Value[] = [];
  // One Split of the hidden states, not a slice per chunk: a slice's gradient is zero-padded to the whole [N, D], one
  // such tensor per chunk, which onnxruntime's planner pooled (docs/engine.md, "Why the planner held memory").
  const sizes = chunkSizes(N, chunk);
  const hs = split(hf, 0, sizes);
  const ts = split(flat, 0, sizes);
  for (let k = 0, s = 0; k < sizes.length; s += sizes[k], k++) {
    const outs = rematNamed(`loss ${s}`, [hs[k], ts[k]], named, ([h, t], m) => {
      const r = rowStats(headLogits(c, paramGetter(m, loraScale), h), t, withEntropy);
      return r.entropy ? [r.logp, r.entropy] : [r.logp];
    });
    logps.push(outs[0]);
    if (withEntropy) ents.push(outs[1]);
  }
  return {
    logp: reshape(concat(logps, 0), [B, T]),
    entropy: withEntropy ? reshape(concat(ents, 0), [B, T]) : null,
  };
}

/**
 * Weighted next-token cross-entropy: -Σ w·logp. The weights carry both the loss mask and the normaliser, so
 * a step split into micro-batches still gets the exact token mean over the whole step.
 */
export function crossEntropy(logp: Value, weights: Value): Value {
  return neg(sumAll(mul(logp, weights)));
}

/** Next-token cross-entropy objective over packed rows; feeds `weights` [B, T] (mask / step token count). */
export const crossEntropyObjective = {
  name: 'xent',
  needsEntropy: false,
  build(ctx: { g: import('../engine/index.ts').Graph; B: number; T: number; tokens: TokenStats }) {
    const weights = ctx.g.input('weights', 'float32', [ctx.B, ctx.T]);
    return { loss: crossEntropy(ctx.tokens.logp, weights), outputs: {} };
  },
};
