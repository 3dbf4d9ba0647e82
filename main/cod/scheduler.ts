/**
 * Continuous batching of model calls across concurrent lifecycles. Each lifecycle awaits its own calls; the
 * scheduler gathers the pending calls of all active lifecycles and sends them to `policy.respond` together, so a
 * rollout step is not paced by its slowest lifecycle: a batch leaves as soon as every running lifecycle is waiting
 * on the model, or `maxBatch` calls are queued, or the first queued call has waited `gatherMs` (a slow environment
 * never holds the others back for longer than that).
 */
import { CodError } from '../base/errors.ts';
import type { Policy, PolicyRequest, PolicyResponse } from './policy.ts';

export interface SchedulerOptions {
  /** Most calls per `respond` batch. */
  readonly maxBatch: number;
  /** Longest a queued call waits for company before its batch leaves anyway (ms). */
  readonly gatherMs: number;
  /** Batches one policy may have in flight at once (1 for a single model instance). */
  readonly maxInFlight: number;
}

export const DEFAULT_SCHEDULER: SchedulerOptions = { maxBatch: 64, gatherMs: 2, maxInFlight: 1 };

interface Pending {
  readonly request: PolicyRequest;
  readonly resolve: (r: PolicyResponse) => void;
  readonly reject: (e: unknown) => void;
}

interface Lane {
  readonly policy: Policy;
  readonly queue: Pending[];
  inFlight: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  timerFired: boolean;
}

export interface SchedulerStats {
  readonly batches: number;
  readonly calls: number;
  readonly largestBatch: number;
}

function checkResponses(policy: Policy, batch: readonly Pending[], res: unknown): PolicyResponse[] {
  if (!Array.isArray(res) || res.length !== batch.length)
    throw new CodError(
      'internal',
      `policy '${policy.name}' returned ${Array.isArray(res) ? res.length : 'no'} responses for ${batch.length} requests`,
    );
  for (const r of res) {
    if (typeof r !== 'object' || r === null || typeof (r as PolicyResponse).text !== 'string')
      throw new CodError('internal', `policy '${policy.name}' returned a response without text`);
  }
  return res as PolicyResponse[];
}

export class CallScheduler {
  private readonly opts: SchedulerOptions;
  private readonly lanes = new Map<Policy, Lane>();
  private active = 0;
  /** Calls queued or in flight; each belongs to a distinct running lifecycle. */
  private waiting = 0;
  private failure: unknown;
  private batches = 0;
  private calls = 0;
  private largest = 0;

  constructor(opts: Partial<SchedulerOptions> = {}) {
    const o = { ...DEFAULT_SCHEDULER, ...opts };
    if (!Number.isInteger(o.maxBatch) || o.maxBatch < 1)
      throw new CodError('bad_config', `must be a positive integer, got ${o.maxBatch}`, 'maxBatch');
    if (!Number.isInteger(o.maxInFlight) || o.maxInFlight < 1)
      throw new CodError('bad_config', `must be a positive integer, got ${o.maxInFlight}`, 'maxInFlight');
    if (!Number.isFinite(o.gatherMs) || o.gatherMs < 0)
      throw new CodError('bad_config', `must be a non-negative number, got ${o.gatherMs}`, 'gatherMs');
    this.opts = o;
  }

  /** A lifecycle starts running (it may now submit calls). */
  enter(): void {
    this.active++;
  }

  /** A lifecycle ended: nobody needs to wait for its calls any more. */
  leave(): void {
    this.active--;
    this.pump();
  }

  /** Stop: queued and future calls reject with `err` (in-flight batches still deliver). */
  abort(err: unknown): void {
    if (this.failure === undefined) this.failure = err;
    for (const lane of this.lanes.values()) {
      if (lane.timer) clearTimeout(lane.timer);
      lane.timer = undefined;
      for (const p of lane.queue.splice(0)) {
        this.waiting--;
        p.reject(err);
      }
    }
  }

  stats(): SchedulerStats {
    return { batches: this.batches, calls: this.calls, largestBatch: this.largest };
  }

  call(policy: Policy, request: PolicyRequest): Promise<PolicyResponse> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    let lane = this.lanes.get(policy);
    if (!lane) {
      lane = { policy, queue: [], inFlight: 0, timer: undefined, timerFired: false };
      this.lanes.set(policy, lane);
    }
    const l = lane;
    return new Promise<PolicyResponse>((resolve, reject) => {
      l.queue.push({ request, resolve, reject });
      this.waiting++;
      this.pump();
    });
  }

  private pump(): void {
    for (const lane of this.lanes.values()) {
      while (lane.queue.length > 0 && lane.inFlight < this.opts.maxInFlight) {
        const ready = lane.queue.length >= this.opts.maxBatch || this.waiting >= this.active || lane.timerFired;
        if (!ready) {
          this.arm(lane);
          break;
        }
        this.dispatch(lane);
      }
    }
  }

  private arm(lane: Lane): void {
    if (lane.timer) return;
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      lane.timerFired = true;
      this.pump();
    }, this.opts.gatherMs);
  }

  private dispatch(lane: Lane): void {
    // A full queue leaves as one full batch. Otherwise, with several batches allowed in flight (one per policy
    // worker), the queued calls are shared out evenly over the free slots: 48 lifecycles in lockstep would leave as
    // one batch and keep one worker busy, the others idle.
    const free = this.opts.maxInFlight - lane.inFlight;
    const n = lane.queue.length >= this.opts.maxBatch ? this.opts.maxBatch : Math.ceil(lane.queue.length / free);
    const batch = lane.queue.splice(0, n);
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = undefined;
    lane.timerFired = false;
    lane.inFlight++;
    this.batches++;
    this.calls += batch.length;
    this.largest = Math.max(this.largest, batch.length);
    Promise.resolve()
      .then(() => lane.policy.respond(batch.map((p) => p.request)))
      .then(
        (res) => {
          let checked: PolicyResponse[];
          try {
            checked = checkResponses(lane.policy, batch, res);
          } catch (e) {
            this.settle(lane, batch);
            for (const p of batch) p.reject(e);
            return;
          }
          this.settle(lane, batch);
          batch.forEach((p, i) => p.resolve(checked[i]));
        },
        (e: unknown) => {
          this.settle(lane, batch);
          for (const p of batch) p.reject(e);
        },
      )
      .finally(() => this.pump());
  }

  private settle(lane: Lane, batch: readonly Pending[]): void {
    lane.inFlight--;
    this.waiting -= batch.length;
  }
}
