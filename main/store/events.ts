/**
 * Live updates. onRows: this process's own commits, delivered right after COMMIT. follow: every process's commits,
 * by polling the change feed (what the UI server uses to see the trainer's rows). Events only say which rows are
 * new; readers re-read what they show, so a missed or repeated event never shows wrong data.
 */
import { Emitter } from '../base/emitter.ts';
import type { ChangeBatch, RowsEvent } from './types.ts';

export type RowsListener = (ev: RowsEvent) => void;

export class RowsEmitter {
  /**
   * The rows are already committed, so a failing listener must not look like a failed commit to the writer:
   * its error becomes a process warning and the other listeners still run.
   */
  private readonly rows = new Emitter<RowsEvent>((e) =>
    process.emitWarning(e instanceof Error ? e : new Error(String(e)), 'CodStoreListenerWarning'),
  );

  on(listener: RowsListener): () => void {
    return this.rows.on(listener);
  }

  emit(events: readonly RowsEvent[]): void {
    for (const ev of events) this.rows.emit(ev);
  }
}

export interface FollowOptions {
  /** Poll period (default 250 ms). */
  readonly intervalMs?: number;
  /** Start after this version (default: now, i.e. only changes from here on). */
  readonly fromVersion?: number;
  /** Poll failures (e.g. the store busy past its timeout); the next tick tries again. */
  readonly onError?: (e: unknown) => void;
  /**
   * The follower fell behind the feed's retention and some changes were pruned before it read them: re-read what
   * it shows. Without it, RunStore.follow reports every run's tables as updated (a repeated event is harmless).
   */
  readonly onMissed?: () => void;
}

/**
 * Poll `changesSince` and call `listener` for each change any process committed. The timer is unref'd so it never
 * keeps a process alive on its own. Returns stop().
 */
export function followChanges(
  poll: (version: number) => ChangeBatch,
  startVersion: number,
  listener: RowsListener,
  opts: FollowOptions = {},
): () => void {
  let version = startVersion;
  const report = (e: unknown): void => {
    if (opts.onError) opts.onError(e);
    else process.emitWarning(e instanceof Error ? e : new Error(String(e)), 'CodStoreFollowWarning');
  };
  const tick = (): void => {
    let batch: ChangeBatch;
    do {
      try {
        batch = poll(version);
      } catch (e) {
        report(e); // e.g. busy past the timeout: the next tick asks again from the same version
        return;
      }
      version = batch.version;
      if (batch.missed) {
        try {
          opts.onMissed?.();
        } catch (e) {
          report(e);
        }
      }
      for (const ev of batch.changes) {
        try {
          listener(ev);
        } catch (e) {
          report(e);
        }
      }
    } while (batch.changes.length > 0);
  };
  const timer = setInterval(tick, opts.intervalMs ?? 250);
  timer.unref();
  return () => clearInterval(timer);
}
