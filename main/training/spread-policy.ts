/**
 * One Policy over several policy workers of the same model: each batch the lifecycle scheduler sends goes to the
 * worker with the fewest requests in flight, so with the scheduler allowed one batch in flight per worker
 * (`maxInFlight`), every worker samples at once. Samples depend only on their request seeds (the sampler draws per
 * sequence), so which worker answers a request does not change what it answers.
 */
import type { Policy, PolicyRequest, PolicyResponse } from '../cod/policy.ts';

export class SpreadPolicy implements Policy {
  private readonly load: number[];

  constructor(
    readonly name: string,
    private readonly parts: readonly Policy[],
  ) {
    this.load = parts.map(() => 0);
  }

  async respond(batch: readonly PolicyRequest[]): Promise<PolicyResponse[]> {
    let i = 0;
    for (let j = 1; j < this.load.length; j++) if (this.load[j] < this.load[i]) i = j;
    this.load[i] += batch.length;
    try {
      return await this.parts[i].respond(batch);
    } finally {
      this.load[i] -= batch.length;
    }
  }

  endLifecycle(lifecycleId: string): void {
    for (const p of this.parts) p.endLifecycle?.(lifecycleId);
  }
}
