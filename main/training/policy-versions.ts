/**
 * Policy versions on the backend: version v is the weights after v training steps, published with
 * save_weights_for_sampler and sampled by that path (version 0 is the base model itself). Rollouts wait for the
 * version they sample; the trainer keeps the versions rollouts still need and the ones the latest checkpoint names
 * (a resume samples them), and frees the others on the backend.
 */
import type { TrainingModel } from '../backend/backend.ts';
import { CodError } from '../base/errors.ts';
import type { SamplingTarget } from './backend-policy.ts';

export class PolicyVersions {
  private readonly targets = new Map<number, SamplingTarget>();
  private readonly waiting = new Map<number, Array<(published: boolean) => void>>();
  private closed = false;
  /** Sampler paths the latest checkpoint names. */
  private pinned = new Set<string>();

  constructor(
    private readonly model: TrainingModel,
    baseModel: string,
    /** Frees saved sampler weights no one will sample again (best effort). */
    private readonly free: (path: string) => Promise<void>,
    /** The versions a checkpoint recorded (resuming); a new run starts with version 0, the base model. */
    restored?: ReadonlyMap<number, SamplingTarget>,
  ) {
    if (restored) for (const [v, target] of restored) this.targets.set(v, target);
    else this.targets.set(0, { baseModel });
    this.pinned = pathsOf(this.targets);
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

  /** Forgets versions below `v` (no rollout will sample them); frees those the latest checkpoint does not name. */
  async keepFrom(v: number): Promise<void> {
    for (const [k, t] of [...this.targets]) {
      if (k >= v) continue;
      this.targets.delete(k);
      if ('modelPath' in t && !this.pinned.has(t.modelPath)) await this.free(t.modelPath);
    }
  }

  /** A new checkpoint names `kept`: those stay; what the previous one named and nothing needs now is freed. */
  async pin(kept: ReadonlyMap<number, SamplingTarget>): Promise<void> {
    const next = pathsOf(kept);
    const live = pathsOf(this.targets);
    for (const p of this.pinned) if (!next.has(p) && !live.has(p)) await this.free(p);
    this.pinned = next;
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

function pathsOf(targets: ReadonlyMap<number, SamplingTarget>): Set<string> {
  return new Set([...targets.values()].flatMap((t) => ('modelPath' in t ? [t.modelPath] : [])));
}
