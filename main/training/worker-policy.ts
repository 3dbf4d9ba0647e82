/** The lifecycle runner's Policy, served by a policy worker (sampling happens on the worker's thread). */
import type { Policy, PolicyRequest, PolicyResponse } from '../cod/policy.ts';
import type { WorkerHandle } from '../backend/compute-workers.ts';

export class WorkerPolicy implements Policy {
  readonly name = 'model';
  constructor(private readonly worker: WorkerHandle) {}

  respond(batch: readonly PolicyRequest[]): Promise<PolicyResponse[]> {
    // Structured clone keeps only data: strip what scripted agents alone read (views hold no secrets, but are big).
    const plain = batch.map(({ view: _v, end: _e, hints: _h, ...r }) => r);
    return this.worker.call<PolicyResponse[]>('respond', plain);
  }
}
