/**
 * Request/response over a port: numbered requests, one reply each, matched by id. Every transport of the workbench
 * uses it — worker threads (workers/), the Electron main process and its api host (electron/api-host-client.ts), the
 * page and `cod serve` over a WebSocket (renderer/src/api/ws-client.ts), a plugin sandbox's stdio
 * (envs/sandbox/process.ts). A transport supplies how a request is framed and routes each reply it receives to
 * `settle` (or, where it judges replies itself, to `resolve` / `reject`). Pure TS: the renderer uses it too.
 */
import { z } from 'zod';
import { CodError, type CodErrorCode } from './errors.ts';

export interface RpcRequest {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

/** What a failed call reports: a CodError's code, message and where. */
export interface RpcErrorBody {
  readonly code: string;
  readonly message: string;
  readonly where?: string;
}

export type RpcReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: RpcErrorBody };

const errorBody = z.object({ code: z.string(), message: z.string(), where: z.string().optional() });
const requestFrame = z.object({ id: z.number().int().nonnegative(), method: z.string(), params: z.unknown() });
const replyFrame = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: errorBody }),
]);

/** A frame in the default reply shape, checked, or undefined for anything else (events, logs, another protocol). */
export function parseReply(frame: unknown): RpcReply | undefined {
  const r = replyFrame.safeParse(frame);
  return r.success ? r.data : undefined;
}

/** Where frames go out: a worker's port, a process's channel or stdin, a socket. */
export interface Port {
  post(frame: unknown, transfer?: readonly ArrayBuffer[]): void;
}

/** Where frames come in. */
export interface InPort {
  onMessage(listener: (frame: unknown) => void): void;
}

/** A thread's message port or a Worker (Node's postMessage / on('message') shape) as a Port. */
export function messagePort(p: {
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (m: unknown) => void): unknown;
}): Port & InPort {
  return { post: (m, t) => p.postMessage(m, t), onMessage: (fn) => void p.on('message', fn) };
}

const CODES: ReadonlySet<string> = new Set<CodErrorCode>([
  'bad_input',
  'bad_config',
  'bad_checkpoint',
  'not_found',
  'unsupported',
  'conflict',
  'env_fault',
  'io',
  'internal',
]);

/** The error a failed reply becomes by default: a CodError (an unknown code reads as 'internal'). */
export function replyError(body: RpcErrorBody, name?: string): CodError {
  const code = CODES.has(body.code) ? (body.code as CodErrorCode) : 'internal';
  return new CodError(code, body.message, name ?? body.where);
}

export interface RpcClientOptions {
  /** Names the other side in its errors (e.g. 'policy worker'). */
  readonly name: string;
  /** The frame that carries a request (default: the request itself). */
  readonly encode?: (req: RpcRequest) => unknown;
  /** The error a failed reply becomes (default: replyError). */
  readonly toError?: (body: RpcErrorBody) => Error;
  /** The error a call that timed out is rejected with; the transport may also act on it (stop the process). */
  readonly onTimeout?: (call: WaitingCall, ms: number) => Error;
}

export interface WaitingCall {
  readonly id: number;
  readonly method: string;
}

export interface CallOptions {
  readonly transfer?: readonly ArrayBuffer[];
  /** Reject the call when no reply came within this long (default: wait). */
  readonly timeoutMs?: number;
}

interface Pending extends WaitingCall {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** The calling side. */
export class RpcClient {
  private next = 1;
  private readonly pending = new Map<number, Pending>();
  private dead: Error | undefined;

  constructor(
    private readonly port: Port,
    private readonly opts: RpcClientOptions,
  ) {}

  call<T>(method: string, params: unknown, opts: CallOptions = {}): Promise<T> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const p: Pending = { id, method, resolve: resolve as (v: unknown) => void, reject, timer: undefined };
      if (opts.timeoutMs !== undefined) {
        const ms = opts.timeoutMs;
        p.timer = setTimeout(() => {
          if (!this.pending.delete(id)) return;
          const call = { id, method };
          reject(
            this.opts.onTimeout?.(call, ms) ??
              new CodError('internal', `${method} got no reply within ${ms} ms`, this.opts.name),
          );
        }, ms);
      }
      this.pending.set(id, p);
      try {
        this.port.post(
          this.opts.encode ? this.opts.encode({ id, method, params }) : { id, method, params },
          opts.transfer,
        );
      } catch (e) {
        this.take(id);
        reject(e);
      }
    });
  }

  /** Settles the call `reply` answers; false when no call waits for that id (a late or stray reply). */
  settle(reply: RpcReply): boolean {
    if (reply.ok) return this.resolve(reply.id, reply.result);
    return this.reject(
      reply.id,
      this.opts.toError ? this.opts.toError(reply.error) : replyError(reply.error, this.opts.name),
    );
  }

  resolve(id: number, value: unknown): boolean {
    const p = this.take(id);
    p?.resolve(value);
    return p !== undefined;
  }

  reject(id: number, error: unknown): boolean {
    const p = this.take(id);
    p?.reject(error);
    return p !== undefined;
  }

  /** The calls waiting for a reply, oldest first. */
  waiting(): WaitingCall[] {
    return [...this.pending.values()].map(({ id, method }) => ({ id, method }));
  }

  /**
   * Rejects every waiting call with `error` (the port went down). `dead`: the other side is gone for good, so later
   * calls are refused with the same error instead of being sent.
   */
  failAll(error: Error, opts: { dead?: boolean } = {}): void {
    if (opts.dead) this.dead = error;
    for (const id of [...this.pending.keys()]) this.take(id)?.reject(error);
  }

  private take(id: number): Pending | undefined {
    const p = this.pending.get(id);
    if (!p) return undefined;
    this.pending.delete(id);
    if (p.timer !== undefined) clearTimeout(p.timer);
    return p;
  }
}

/** A handler's result, with buffers to transfer instead of copy. */
export interface Served {
  readonly result: unknown;
  readonly transfer?: readonly ArrayBuffer[];
}
export type Handler = (params: unknown) => Promise<Served> | Served;

/**
 * The serving side, over a port in the default frames. Requests are handled concurrently (a policy worker's sampler
 * batches concurrent calls); callers that need ordering await each reply. A frame that is not a request is ignored
 * rather than crashing the server; a handler's error is answered as its CodError code and message.
 */
export function serveRpc(port: Port & InPort, handlers: Readonly<Record<string, Handler>>): void {
  port.onMessage((frame) => {
    const r = requestFrame.safeParse(frame);
    if (!r.success) return;
    const { id, method, params } = r.data;
    void (async () => {
      const h = Object.hasOwn(handlers, method) ? handlers[method] : undefined;
      try {
        if (!h) throw new CodError('bad_input', `unknown method '${method}'`, 'rpc');
        const out = await h(params);
        port.post({ id, ok: true, result: out.result } satisfies RpcReply, out.transfer);
      } catch (e) {
        const code = e instanceof CodError ? e.code : 'internal';
        const message = e instanceof Error ? e.message : String(e);
        port.post({ id, ok: false, error: { code, message } } satisfies RpcReply);
      }
    })();
  });
}
