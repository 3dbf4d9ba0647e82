/**
 * The trainer's own settings: the curriculum's `training:` section checked against this schema, with the method's
 * defaults (cod-method.md §4) except where a small model needs otherwise (learning rate: see resources/curricula).
 */
import { z } from 'zod';
import { CodError } from '../base/errors.ts';

const returns = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('mean') }),
  z.strictObject({ kind: z.literal('window'), window: z.number().int().positive() }),
  z.strictObject({ kind: z.literal('discounted'), gamma: z.number().min(0).max(1) }),
]);

export const trainerConfigSchema = z.strictObject({
  steps: z.number().int().positive().default(50),
  seed: z.number().int().nonnegative().default(0),
  /** Adam: lr constant, betas, decoupled weight decay, global-norm clipping. */
  lr: z.number().positive().default(1e-6),
  beta1: z.number().min(0).lt(1).default(0.9),
  beta2: z.number().min(0).lt(1).default(0.999),
  weightDecay: z.number().nonnegative().default(0.01),
  gradClip: z.number().positive().default(1.0),
  temperature: z.number().positive().default(1.0),
  /** Loss: REC one-side (no importance weight) or PPO-clip with the ratio; eps_high 0.28 = DAPO clip-higher. */
  loss: z.enum(['rec', 'ppo']).default('rec'),
  epsLow: z.number().min(0).max(1).default(0.2),
  epsHigh: z.number().min(0).default(0.2),
  kl: z.enum(['k1', 'k2', 'k3']).optional(),
  klCoef: z.number().nonnegative().default(0),
  aggregation: z.enum(['token_mean', 'dr_grpo']).default('token_mean'),
  returns: returns.default({ kind: 'mean' }),
  stdNormalize: z.boolean().default(false),
  filterZeroVariance: z.boolean().default(false),
  redWeight: z.boolean().default(true),
  /** Rollouts may run this many steps ahead of training (0 = strictly on-policy, no overlap). */
  aheadSteps: z.number().int().nonnegative().default(1),
  /** Samples more than this many policy versions old at training time are dropped. */
  maxStaleness: z.number().int().nonnegative().default(20),
  /** Token budget of one micro-batch (rows × width) of the local backend's engine runs. */
  microBatchTokens: z.number().int().positive().default(4096),
  /** Most datum tokens in one forward / forward_backward request to the backend (a bigger step is split). */
  tokensPerRequest: z.number().int().positive().default(32768),
  /** Pack each solve episode into one sequence (false: one sequence per model call; identical log-probs). */
  packEpisodes: z.boolean().default(true),
  saveEvery: z.number().int().positive().default(10),
  evalEvery: z.number().int().positive().optional(),
  /** Intra-op threads of the local backend's sampler and trainer workers. */
  rolloutThreads: z.number().int().positive().default(1),
  trainThreads: z.number().int().positive().default(1),
  /** Recompute each decoder layer's activations in the backward pass (less memory for large models, ~1/3 slower). */
  recomputeLayers: z.boolean().default(false),
});

export type TrainerConfig = z.output<typeof trainerConfigSchema>;

export function parseTrainerConfig(raw: unknown, where = 'training'): TrainerConfig {
  const r = trainerConfigSchema.safeParse(raw ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const path = issue.path.length ? `${where}.${issue.path.join('.')}` : where;
    throw new CodError('bad_config', issue.message, path);
  }
  if (r.data.kl && r.data.klCoef === 0)
    throw new CodError('bad_config', 'a KL estimator needs klCoef > 0', `${where}.klCoef`);
  return r.data;
}
