/**
 * Policy versions on the backend: version v is the weights after v training steps, published with
 * save_weights_for_sampler and sampled by that path (version 0 is the base model itself). Rollouts wait for the
 * version they sample; the trainer keeps the versions rollouts still need and the ones a checkpoint records.
 */
import type { TrainingModel } from '../backend/backend.ts';
import { CodError } from '../base/errors.ts';
import type { SamplingTarget } from './backend-policy.ts';

export class PolicyVersions {
  private readonly targets = new Map<number, SamplingTarget>();
  private readonly waiting = new Map<number, Array<(published: boolean) => void>>();
  private closed = false;

  constructor(
    private readonly model: TrainingModel,
    baseModel: string,
    /** The versions a checkpoint recorded (resuming); a new run starts with version 0, the base model. */
    restored?: ReadonlyMap<number, SamplingTarget>,
  ) {
    if (restored) for (const [v, target] of restored) this.targets.set(v, target);
    else this.targets.set(0, { baseModel });
  }

  /** What version `v` samples from; it must have been published and kept. */
  target(v: number): SamplingTarget {
    const t = this.targets.get(v);
    if (!t) throw new CodError('internal', `policy version ${v} is not kept`, 'trainer');
    return t;
  }

  /** The model's current weights as version `v`. */
  async publish(v: number): Promise<void> {
    const { path } = await this.model.saveWeightsForSampler(`v${v}`);
    this.targets.set(v, { modelPath: path });
    for (const wake of this.waiting.get(v) ?? []) wake(true);
    this.waiting.delete(v);
  }

  /** Resolves true once version `v` is published, false if the run ends first. */
  ready(v: number): Promise<boolean> {
    if (this.targets.has(v)) return Promise.resolve(true);
    if (this.closed) return Promise.resolve(false);
    return new Promise((resolve) => this.waiting.set(v, [...(this.waiting.get(v) ?? []), resolve]));
  }

  /** Forgets versions below `v` (no rollout or checkpoint will sample them again). */
  keepFrom(v: number): void {
    for (const k of [...this.targets.keys()]) if (k < v) this.targets.delete(k);
  }

  /** The kept versions from `from` to `to` (what a checkpoint at step `to` records). */
  kept(from: number, to: number): Map<number, SamplingTarget> {
    return new Map([...this.targets].filter(([v]) => v >= from && v <= to).sort((a, b) => a[0] - b[0]));
  }

  /** The run ends: whoever waits for a version that will not come stops waiting. */
  close(): void {
    this.closed = true;
    for (const list of this.waiting.values()) for (const wake of list) wake(false);
    this.waiting.clear();
  }
}
