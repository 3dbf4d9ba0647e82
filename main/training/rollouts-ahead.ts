/**
 * Rollouts running ahead of training: rollout t samples with policy version max(0, t−1−aheadSteps), so it starts as
 * soon as that version is published and overlaps the training steps still in flight. The rule is fixed, not timing
 * dependent, so a run is reproducible and resumable. Rollouts run one at a time, in step order.
 */
import type { LifecycleResult } from '../cod/records.ts';
import type { PolicyVersions } from './policy-versions.ts';

export interface Rollout {
  readonly step: number;
  /** The policy version it sampled. */
  readonly version: number;
  readonly lifecycles: LifecycleResult[];
  readonly rolloutS: number;
  readonly sampledTokens: number;
}

export interface RolloutsAheadOptions {
  /** Rollouts for steps first+1 … last. */
  readonly first: number;
  readonly last: number;
  readonly aheadSteps: number;
  readonly versions: PolicyVersions;
  /** Plays step `step`'s rollout with version `version`; `signal` aborts it when the run ends first. */
  readonly play: (step: number, version: number, signal: AbortSignal) => Promise<Rollout>;
  /** A stop was asked: start no further rollout. */
  readonly stopped: () => boolean;
}

export class RolloutsAhead {
  private readonly results = new Map<number, Promise<Rollout>>();
  private readonly settle = new Map<number, (r: Promise<Rollout>) => void>();
  private ended = false;
  /** Aborts a rollout still running when the run ends (a stop, or a failure): it is not wanted any more. */
  private readonly abort = new AbortController();
  private readonly chain: Promise<void>;

  constructor(private readonly o: RolloutsAheadOptions) {
    for (let step = o.first + 1; step <= o.last; step++)
      this.results.set(step, new Promise((resolve) => this.settle.set(step, resolve)));
    // Nothing waits on a rollout the trainer never takes (a stop): its failure is not an unhandled rejection.
    for (const p of this.results.values()) p.catch(() => undefined);
    this.chain = this.run();
  }

  /** The version rollout `step` samples. */
  version(step: number): number {
    return Math.max(0, step - 1 - this.o.aheadSteps);
  }

  private async run(): Promise<void> {
    for (let step = this.o.first + 1; step <= this.o.last; step++) {
      const version = this.version(step);
      if (!(await this.o.versions.ready(version)) || this.ended || this.o.stopped()) return;
      const played = this.o.play(step, version, this.abort.signal);
      this.settle.get(step)!(played);
      try {
        await played;
      } catch {
        return; // the trainer takes the failure with this step
      }
    }
  }

  /** Rollout `step`, once played (rejects with its failure). */
  async take(step: number): Promise<Rollout> {
    const r = this.results.get(step);
    if (!r) throw new Error(`no rollout for step ${step}`);
    return r;
  }

  /**
   * No more rollouts: the one in flight, if any, is aborted (no new lifecycle or model call starts; calls already
   * sent finish) and waited for; its outcome no longer matters.
   */
  async end(): Promise<void> {
    this.ended = true;
    this.o.versions.close();
    this.abort.abort(new Error('the run ended'));
    await this.chain;
  }
}
