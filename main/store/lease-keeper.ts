/**
 * The leases this store handle holds, each kept alive by a heartbeat timer (every third of its stale-after window).
 * A heartbeat that finds the lease taken over stops, and the next guarded write fails with 'conflict'.
 */
import { CodError } from '../base/errors.ts';
import type { StoreDb } from './db.ts';
import { DEFAULT_STALE_AFTER_MS, dropLease, takeLease, touchLease } from './lease.ts';
import { requireRun } from './runs.ts';
import { guarded, writeTx } from './tx.ts';
import { int } from './validate.ts';

export interface LeaseOptions {
  /** A holder silent this long is stale even if its pid seems alive (other host, recycled pid). Default 30 s. */
  readonly staleAfterMs?: number;
}

export interface RunLease {
  readonly runId: string;
  /** Refresh the heartbeat now; throws CodError('conflict') if another process took the lease over. */
  heartbeat(): void;
  release(): void;
}

interface Held {
  readonly token: string;
  readonly timer: NodeJS.Timeout;
}

export class LeaseKeeper {
  private readonly held = new Map<string, Held>();

  constructor(private readonly ctx: StoreDb) {}

  token(runId: string): string | undefined {
    return this.held.get(runId)?.token;
  }

  acquire(runId: string, opts: LeaseOptions = {}): RunLease {
    const staleAfterMs = int(opts.staleAfterMs ?? DEFAULT_STALE_AFTER_MS, 'acquireRunLease.staleAfterMs', 100);
    const token = writeTx(this.ctx, `acquiring the lease of run ${runId}`, (tx) => {
      requireRun(this.ctx, runId);
      return takeLease(this.ctx, tx, runId, staleAfterMs);
    });
    const timer = setInterval(() => this.beat(runId, token), Math.max(50, Math.floor(staleAfterMs / 3)));
    timer.unref(); // the trainer's own work keeps its process alive, not the heartbeat
    this.held.set(runId, { token, timer });
    return {
      runId,
      heartbeat: () => {
        if (!this.beat(runId, token)) {
          throw new CodError('conflict', 'this process lost the run lease to another trainer', runId);
        }
      },
      release: () => this.release(runId),
    };
  }

  /** True while the lease is still ours. Busy-store failures are reported and retried at the next beat. */
  private beat(runId: string, token: string): boolean {
    if (this.held.get(runId)?.token !== token) return false;
    let ours: boolean;
    try {
      ours = guarded(this.ctx, `heartbeat of run ${runId}`, () => touchLease(this.ctx, runId, token, Date.now()));
    } catch (e) {
      process.emitWarning(e instanceof Error ? e : new Error(String(e)), 'CodStoreLeaseWarning');
      return true;
    }
    if (!ours) this.forget(runId);
    return ours;
  }

  private forget(runId: string): void {
    const h = this.held.get(runId);
    if (h) clearInterval(h.timer);
    this.held.delete(runId);
  }

  /** Release the lease if this handle holds it; returns whether it did. */
  release(runId: string): boolean {
    const h = this.held.get(runId);
    if (!h) return false;
    this.forget(runId);
    guarded(this.ctx, `releasing the lease of run ${runId}`, () => dropLease(this.ctx, runId, h.token));
    return true;
  }

  /** Release every lease; one failing release does not keep the others held. Throws the first failure after. */
  releaseAll(): void {
    let first: unknown;
    for (const runId of [...this.held.keys()]) {
      try {
        this.release(runId);
      } catch (e) {
        first ??= e;
      }
    }
    if (first !== undefined) throw first;
  }
}
