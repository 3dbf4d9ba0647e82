/**
 * The server's futures: every queued call gets a request id at once and its result later, fetched with
 * retrieve_future. A retried call (same model, endpoint and seq_id, same body) gets the same future instead of
 * running twice — what makes clients' retries of POSTs safe; the same seq_id with another body is a conflict.
 * Finished futures are kept up to a bound, oldest forgotten first.
 */
import { CodError, isCodError } from '../../base/errors.ts';
import type { RequestFailedResponse } from '../wire.ts';

type Outcome = { ok: true; value: unknown } | { ok: false; failure: RequestFailedResponse };

interface Entry {
  readonly id: string;
  readonly modelId: string | null;
  readonly seqKey: string | null;
  outcome: Outcome | null;
  readonly done: Promise<void>;
}

/** Errors from bad requests are the user's; the rest (I/O, bugs, a crashed worker) the server's. */
export function failureOf(e: unknown): RequestFailedResponse {
  const message = e instanceof Error ? e.message : String(e);
  const user = isCodError(e) && e.code !== 'internal' && e.code !== 'io';
  return { error: message, category: user ? 'user' : 'server' };
}

export class FutureStore {
  private next = 1;
  private readonly entries = new Map<string, Entry>();
  private readonly bySeq = new Map<string, { id: string; body: string }>();
  private finished: string[] = [];

  constructor(private readonly keep = 4096) {}

  /**
   * Starts `work` as a new future, or returns the one already made for this (model, endpoint, seq_id). `work` runs
   * synchronously up to its first await, so a bad request it throws at once propagates here (and becomes a 400).
   */
  submit(
    modelId: string | null,
    dedupe: { endpoint: string; seqId: number; body: string } | null,
    work: () => Promise<unknown>,
  ): { id: string; modelId: string | null } {
    const seqKey = dedupe && modelId ? `${modelId}\u0000${dedupe.endpoint}\u0000${dedupe.seqId}` : null;
    if (seqKey) {
      const prior = this.bySeq.get(seqKey);
      if (prior) {
        if (prior.body !== dedupe!.body)
          throw new CodError('conflict', `seq_id ${dedupe!.seqId} was already used for another request`, 'seq_id');
        return { id: prior.id, modelId };
      }
    }
    const started = work();
    const id = String(this.next++);
    const entry: Entry = {
      id,
      modelId,
      seqKey,
      outcome: null,
      done: started.then(
        (value) => {
          entry.outcome = { ok: true, value };
        },
        (e: unknown) => {
          entry.outcome = { ok: false, failure: failureOf(e) };
        },
      ),
    };
    void entry.done.then(() => this.retire(id));
    this.entries.set(id, entry);
    if (seqKey) this.bySeq.set(seqKey, { id, body: dedupe!.body });
    return { id, modelId };
  }

  private retire(id: string): void {
    this.finished.push(id);
    while (this.finished.length > this.keep) {
      const old = this.entries.get(this.finished.shift()!);
      if (!old) continue;
      this.entries.delete(old.id);
      if (old.seqKey) this.bySeq.delete(old.seqKey);
    }
  }

  /** The outcome, waiting at most `waitMs`; null when still running; undefined when there is no such future. */
  async wait(id: string, waitMs: number): Promise<Outcome | null | undefined> {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (!e.outcome) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([e.done, new Promise<void>((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    }
    return e.outcome;
  }

  /** Waits for every future still running (shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.entries.values()].map((e) => e.done));
  }
}
