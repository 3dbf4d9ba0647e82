/**
 * Assembles the compiled graphs a model needs from the transformer and an objective:
 *   forward — token log-probs / entropy (scoring),
 *   grads   — loss and one gradient per parameter (micro-batches, `cod engine grads`),
 *   step    — loss, gradients and the AdamW update in ONE run (a whole optimizer step),
 *   apply   — AdamW from accumulated gradients (the end of a micro-batched step).
 * Objectives are injected, so RL losses live with the trainer and this module knows nothing of RL.
 */
import {
  adamW,
  type AdamWHyper,
  backwardAfter,
  declareAdamWScalars,
  grad,
  Graph,
  globalNorm,
  type Value,
} from '../engine/index.ts';
import type { ModelConfig } from './config.ts';
import { tokenStatsFromHidden, type TokenStats } from './objectives.ts';
import {
  declareWeights,
  parameterSpecs,
  transformerHidden,
  type TransformerOptions,
  type WeightSource,
} from './transformer.ts';

export interface ObjectiveContext {
  readonly g: Graph;
  readonly B: number;
  readonly T: number;
  readonly tokens: TokenStats;
}

/** A loss over token statistics. `inputs` are its extra per-token / scalar feeds (declared on the graph). */
export interface Objective {
  readonly name: string;
  readonly needsEntropy: boolean;
  build(ctx: ObjectiveContext): { loss: Value; outputs: Record<string, Value> };
}

export type GraphMode = 'forward' | 'grads' | 'step';

export interface BuildOptions extends TransformerOptions {
  readonly adam?: AdamWHyper;
  /** Where the weights come from (default: every parameter a trainable graph input). */
  readonly weights?: WeightSource;
  /** Tokens per chunk of the vocabulary loss (0 = all at once). Default: lossChunkFor(vocabulary). */
  readonly lossChunk?: number;
  /** Which parameters get decoupled weight decay (default: matrices only). */
  readonly decay?: (name: string, shape: readonly number[]) => boolean;
}

export const defaultDecay = (_name: string, shape: readonly number[]): boolean => shape.length >= 2;

/**
 * Default loss chunk: about 2^25 logits (128 MB of float32) per chunk, in multiples of 16 tokens (Qwen3's 151,936 ids:
 * 208 tokens). A chunk's forward and backward hold about four such tensors; at 2^26 that was 1 GB, a constant that
 * dominated a step's peak at short contexts (a 2-layer Qwen3-0.6B-shaped LoRA step, bench-memory --child --no-arena:
 * T = 2k / 4k at 2.17 / 2.51 GB with 432-token chunks, 1.78 / 2.39 GB with 208; 3.86 GB at 8k either way).
 */
export function lossChunkFor(vocabSize: number): number {
  return Math.max(16, Math.floor(2 ** 25 / vocabSize / 16) * 16);
}

export function buildModelGraph(
  c: ModelConfig,
  B: number,
  T: number,
  mode: GraphMode,
  objective: Objective | null,
  opts: BuildOptions = {},
): Graph {
  const g = new Graph(`${mode}_${objective?.name ?? 'score'}_${B}x${T}`);
  const ids = g.input('ids', 'int64', [B, T]);
  const positions = g.input('positions', 'int64', [B, T]);
  const segments = g.input('segments', 'int64', [B, T]);
  const targets = g.input('targets', 'int64', [B, T]);
  const w = declareWeights(g, c, opts.weights ?? { kind: 'full' }, 'p.');
  const hf = transformerHidden(c, w.params, { ids, positions, segments }, opts, undefined, w.loraScale);
  const withEntropy = mode === 'forward' || (objective?.needsEntropy ?? false);
  const tokens = tokenStatsFromHidden(
    c,
    w.params,
    w.loraScale,
    hf,
    targets,
    withEntropy,
    opts.lossChunk ?? lossChunkFor(c.vocabSize),
  );

  if (mode === 'forward') {
    g.output('logp', tokens.logp);
    if (tokens.entropy) g.output('entropy', tokens.entropy);
    if (objective) {
      const { loss, outputs } = objective.build({ g, B, T, tokens });
      g.output('loss', loss);
      for (const [k, v] of Object.entries(outputs)) if (!g.outputs.some((o) => o.name === k)) g.output(k, v);
    }
    return g;
  }
  if (!objective) throw new Error(`${mode} graph needs an objective`);
  const { loss, outputs } = objective.build({ g, B, T, tokens });
  g.output('loss', loss);
  for (const [k, v] of Object.entries(outputs)) g.output(k, v);
  const specs = w.trainable.map(({ name, shape }) => ({ name, shape }));
  const pv = w.trainable.map((t) => t.value);
  // The forward pass's outputs first, then the recomputed regions' backward (remat.ts backwardAfter).
  backwardAfter([loss, ...Object.values(outputs)]);
  const grads = grad(loss, pv);
  if (mode === 'grads') {
    specs.forEach((s, i) => g.output(`grad.${s.name}`, grads[i]));
    g.output('grad_norm', globalNorm(grads));
    return g;
  }
  addAdamW(g, specs, pv, grads, opts);
  return g;
}

/** AdamW from gradients fed as inputs: the last run of a step that was split into micro-batches. */
export function buildApplyGraph(
  c: ModelConfig,
  opts: BuildOptions = {},
  specs: ReadonlyArray<{ name: string; shape: number[] }> = parameterSpecs(c),
): Graph {
  const g = new Graph('apply_adamw');
  const pv = specs.map((s) => g.input(`p.${s.name}`, 'float32', s.shape));
  const gv = specs.map((s) => g.input(`grad.${s.name}`, 'float32', s.shape));
  addAdamW(g, specs, pv, gv, opts);
  return g;
}

function addAdamW(
  g: Graph,
  specs: ReadonlyArray<{ name: string; shape: number[] }>,
  params: Value[],
  grads: Value[],
  opts: BuildOptions,
): void {
  const scalars = declareAdamWScalars(g);
  const decay = opts.decay ?? defaultDecay;
  const res = adamW(
    specs.map((s, i) => ({
      param: params[i],
      grad: grads[i],
      m: g.input(`m.${s.name}`, 'float32', s.shape),
      v: g.input(`v.${s.name}`, 'float32', s.shape),
      decay: decay(s.name, s.shape),
    })),
    opts.adam ?? { eps: 1e-8 },
    scalars,
  );
  specs.forEach((s, i) => {
    g.output(`new.p.${s.name}`, res.params[i]);
    g.output(`new.m.${s.name}`, res.m[i]);
    g.output(`new.v.${s.name}`, res.v[i]);
  });
  g.output('grad_norm', res.gradNorm);
}
