/**
 * Request/response over a message port (a worker thread's parentPort, a utility process's port): numbered
 * requests, one reply each, errors carried as CodError code + message. Messages are checked on arrival — a
 * worker is a boundary like any other.
 */
import { CodError, type CodErrorCode } from '../base/errors.ts';

export interface PortLike {
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (m: unknown) => void): unknown;
}

interface RequestMsg {
  readonly id: number;
  readonly method: string;
  readonly payload: unknown;
}
type ReplyMsg =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly code: CodErrorCode; readonly message: string };

/** A handler's reply, with buffers to transfer instead of copy. */
export interface Reply {
  readonly result: unknown;
  readonly transfer?: readonly ArrayBuffer[];
}
export type Handler = (payload: unknown) => Promise<Reply> | Reply;

function isRequest(m: unknown): m is RequestMsg {
  const o = m as RequestMsg | null;
  return typeof o === 'object' && o !== null && Number.isInteger(o.id) && typeof o.method === 'string';
}

function isReply(m: unknown): m is ReplyMsg {
  const o = m as ReplyMsg | null;
  return typeof o === 'object' && o !== null && Number.isInteger(o.id) && typeof o.ok === 'boolean';
}

/**
 * Worker side. Requests are handled concurrently (a policy worker's sampler batches concurrent calls); callers
 * that need ordering await each reply before the next request.
 */
export function serveRpc(port: PortLike, handlers: Readonly<Record<string, Handler>>): void {
  port.on('message', (m) => {
    void (async () => {
      if (!isRequest(m)) return; // not ours: ignore rather than crash the worker
      const h = Object.hasOwn(handlers, m.method) ? handlers[m.method] : undefined;
      try {
        if (!h) throw new CodError('bad_input', `unknown worker method '${m.method}'`, 'rpc');
        const r = await h(m.payload);
        port.postMessage({ id: m.id, ok: true, result: r.result } satisfies ReplyMsg, r.transfer);
      } catch (e) {
        const code = e instanceof CodError ? e.code : 'internal';
        const message = e instanceof CodError ? e.message : e instanceof Error ? e.message : String(e);
        port.postMessage({ id: m.id, ok: false, code, message } satisfies ReplyMsg);
      }
    })();
  });
}

/** Caller side. `fail` rejects everything pending (the worker died). */
export class RpcClient {
  private next = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private dead: Error | undefined;

  constructor(
    private readonly port: PortLike,
    private readonly name: string,
  ) {
    port.on('message', (m) => {
      if (!isReply(m)) return;
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new CodError(m.code, m.message, this.name));
    });
  }

  call<T>(method: string, payload: unknown, transfer?: readonly ArrayBuffer[]): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.port.postMessage({ id, method, payload } satisfies RequestMsg, transfer);
    });
  }

  fail(e: Error): void {
    this.dead = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
