/** The per-step metrics the store keeps and the UI charts (issue 5 §5), from a rollout and its training step. */
import { lifecycleMetrics } from '../cod/metrics.ts';
import type { LifecycleResult } from '../cod/records.ts';
import type { UpdateStats } from './policy-update.ts';

export interface StepTimes {
  readonly rolloutS: number;
  readonly trainS: number;
  readonly idleS: number;
  readonly wallS: number;
}

export interface StepExtras {
  readonly redTemperature: number | null;
  readonly staleness: number;
  readonly droppedSamples: number;
  readonly fallbackEpisodes: number;
  readonly sampledTokens: number;
}

export function stepMetrics(
  lifecycles: readonly LifecycleResult[],
  train: UpdateStats | null,
  extras: StepExtras,
  t: StepTimes,
): Record<string, number> {
  const m = lifecycleMetrics(lifecycles);
  const out: Record<string, number> = {};
  const put = (k: string, v: number | null | undefined): void => {
    if (v !== null && v !== undefined && Number.isFinite(v)) out[k] = v;
  };
  for (const p of m.positions) {
    put(`reward/pos${p.position}`, p.reward.mean);
    put(`format_errors/pos${p.position}`, p.formatErrorRate);
  }
  put('reward/mean', m.meanReward);
  const n = m.positions.reduce((a, p) => a + p.n, 0);
  put('format_error_rate', n ? m.positions.reduce((a, p) => a + p.formatErrorRate * p.n, 0) / n : null);
  put('hint/parse_rate', m.hintParseRate);
  put('hint/chars', m.meanHintChars);
  put('update_reward', m.updateReward);
  put('env_steps', m.meanEnvSteps);
  put('failed_lifecycles', m.failedLifecycles);
  put('red_temperature', extras.redTemperature);
  put('staleness', extras.staleness);
  put('dropped_samples', extras.droppedSamples);
  put('packing_fallback_episodes', extras.fallbackEpisodes);
  if (train) {
    put('loss', train.loss);
    put('clipped_fraction', train.clippedFraction);
    put('entropy', train.entropy);
    put('grad_norm', train.gradNorm);
    put('kl', train.kl);
    put('train_tokens', train.tokens);
    put('recheck_tokens', train.recheckTokens);
    put('response_tokens', train.responseTokens);
    put('throughput/train_tokens_per_s', t.trainS > 0 ? train.tokens / t.trainS : null);
    put('time/forward_s', train.seconds.forward);
    put('time/forward_backward_s', train.seconds.forwardBackward);
    put('time/optim_step_s', train.seconds.optimStep);
  }
  put('throughput/sampled_tokens_per_s', t.rolloutS > 0 ? extras.sampledTokens / t.rolloutS : null);
  put('throughput/lifecycles_per_s', t.wallS > 0 ? lifecycles.length / t.wallS : null);
  put('time/rollout_s', t.rolloutS);
  put('time/train_s', t.trainS);
  put('time/idle_s', t.idleS);
  return out;
}
