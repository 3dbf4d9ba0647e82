/** Token-level quantities of a causal LM over packed rows: target log-probs, entropy, cross-entropy. */
import {
  exp,
  gatherElements,
  logSoftmax,
  mul,
  neg,
  reduceSum,
  reshape,
  stopGradient,
  sumAll,
  type Value,
} from '../engine/index.ts';

export interface TokenStats {
  /** [B, T] log p(target | prefix) at every column (the target is the next token). */
  readonly logp: Value;
  /** [B, T] entropy of the next-token distribution (no gradient); null when not requested. */
  readonly entropy: Value | null;
}

/** From logits [B*T, V] and targets [B, T] int64. */
export function tokenStats(logits: Value, targets: Value, withEntropy: boolean): TokenStats {
  const [B, T] = targets.shape as [number, number];
  const logpAll = logSoftmax(logits); // [N, V]
  const picked = gatherElements(logpAll, reshape(targets, [B * T, 1]), 1); // [N, 1]
  const logp = reshape(picked, [B, T]);
  let entropy: Value | null = null;
  if (withEntropy) {
    const lp = stopGradient(logpAll);
    entropy = reshape(neg(reduceSum(mul(exp(lp), lp), [-1], false)), [B, T]);
  }
  return { logp, entropy };
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
