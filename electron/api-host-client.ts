/**
 * The Electron side of the api host (main/workers/api-host.ts, run as a utility process): requests already checked
 * against their schema are forwarded and answered by id (the one request/response layer, main/base/rpc.ts); events
 * are passed to the window; and the job commands the host asks for are started here as utility processes, their
 * lines sent back.
 *
 * The host is supervised: when it dies, the calls waiting on it fail at once with one line saying so, later calls
 * fail the same way (never hang) until a new host has started and said it is ready, and the job commands the dead
 * host owned are stopped (SIGTERM: a trainer marks its run 'stopped'). A call the host leaves unanswered fails after
 * LIMITS.hostCallMs.
 */
import type { ApiErrorBody } from '../main/api/types.ts';
import { checkRequest } from '../main/api/validate.ts';
import { fromHost, type CommandProcess, type ToHost } from '../main/api/host-protocol.ts';
import type { Answer } from '../main/api/protocol.ts';
import type { ApiEvent } from '../main/api/types.ts';
import { LIMITS } from '../main/base/budget.ts';
import { CodError } from '../main/base/errors.ts';
import { Emitter } from '../main/base/emitter.ts';
import { RpcClient } from '../main/base/rpc.ts';
import type { ApiHandler } from './ipc.ts';

export interface HostPort {
  post(m: ToHost): void;
  onMessage(fn: (m: unknown) => void): void;
}

/** One started host process: its port, and its end. */
export interface HostConnection extends HostPort {
  onExit(fn: (code: number | null) => void): void;
}

export interface ApiHostClientOptions {
  /** A call unanswered this long fails (default LIMITS.hostCallMs). */
  readonly callTimeoutMs?: number;
  /** Wait before restarting a dead host (default LIMITS.hostRestartMs), doubled for each quick death in a row. */
  readonly restartMs?: number;
  /** Quick deaths in a row after which the host is left down (default LIMITS.hostRestarts). */
  readonly maxRestarts?: number;
}

/** A host that lived at least this long before dying was not crash-looping: the next restart waits the base delay. */
const QUICK_DEATH_MS = 10_000;

/** A failure of the channel itself (not of a call), as the answer the window gets. */
function failed(e: unknown): Answer {
  const err = e as Partial<ApiErrorBody>;
  return {
    ok: false,
    error: {
      code: typeof err.code === 'string' ? err.code : 'internal',
      message: e instanceof Error ? e.message : String(e),
      ...(typeof err.where === 'string' ? { where: err.where } : {}),
    },
  };
}

/** One host process and the job commands started for it. */
interface Generation {
  readonly conn: HostConnection;
  readonly workers: Map<number, CommandProcess>;
  readonly startedAt: number;
}

export class ApiHostClient implements ApiHandler {
  private readonly rpc: RpcClient;
  private readonly events = new Emitter<ApiEvent>();
  private readonly callTimeoutMs: number;
  private readonly restartMs: number;
  private readonly maxRestarts: number;
  private gen!: Generation;
  /** Why calls fail now (the host died and is not back yet), or null while it serves. */
  private down: CodError | null = null;
  private quickDeaths = 0;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(
    private readonly startHost: () => HostConnection,
    private readonly spawnWorker: (args: string[]) => CommandProcess,
    opts: ApiHostClientOptions = {},
  ) {
    this.callTimeoutMs = opts.callTimeoutMs ?? LIMITS.hostCallMs;
    this.restartMs = opts.restartMs ?? LIMITS.hostRestartMs;
    this.maxRestarts = opts.maxRestarts ?? LIMITS.hostRestarts;
    this.rpc = new RpcClient(
      { post: (frame) => this.gen.conn.post(frame as ToHost) },
      {
        name: 'workbench service',
        encode: ({ id, method, params }) => ({ type: 'call', id, method, params }) satisfies ToHost,
        onTimeout: (call, ms) =>
          new CodError('internal', `the workbench service did not answer ${call.method} within ${ms / 1000} s`),
      },
    );
    this.start();
  }

  async handle(method: unknown, params: unknown): Promise<Answer> {
    try {
      // Checked here as well as in the host: a bad request never leaves the main process.
      checkRequest(method, params);
      if (this.down) throw this.down;
      return await this.rpc.call<Answer>(method as string, params, { timeoutMs: this.callTimeoutMs });
    } catch (e) {
      return failed(e);
    }
  }

  onEvent(fn: (e: ApiEvent) => void): () => void {
    return this.events.on(fn);
  }

  /** True while a host serves (false from its death until a new one is ready). */
  get serving(): boolean {
    return this.down === null;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.down = new CodError('internal', 'the workbench service is closing');
    this.rpc.failAll(this.down);
    try {
      this.gen.conn.post({ type: 'close' });
    } catch {
      // the host is already gone (it died and was not restarted yet)
    }
  }

  private start(): void {
    const g: Generation = { conn: this.startHost(), workers: new Map(), startedAt: Date.now() };
    this.gen = g;
    g.conn.onMessage((raw) => {
      if (this.gen === g) this.receive(g, raw);
    });
    g.conn.onExit((code) => this.exited(g, code));
  }

  /** The host ended: fail what is waiting instead of hanging the window, stop its jobs, and start a new one. */
  private exited(g: Generation, code: number | null): void {
    if (this.gen !== g) return;
    for (const w of g.workers.values()) w.stop();
    g.workers.clear();
    if (this.closed) return;
    this.quickDeaths = Date.now() - g.startedAt < QUICK_DEATH_MS ? this.quickDeaths + 1 : 1;
    const giveUp = this.quickDeaths > this.maxRestarts;
    this.down = new CodError(
      'internal',
      giveUp
        ? `the workbench service process ended (code ${code}) ${this.quickDeaths} times in a row; restart the app`
        : `the workbench service process ended (code ${code}); it is being restarted, try again in a moment`,
    );
    this.rpc.failAll(this.down);
    if (giveUp) return;
    const delay = this.restartMs * 2 ** (this.quickDeaths - 1);
    this.restartTimer = setTimeout(() => {
      if (!this.closed) this.start();
    }, delay);
  }

  private receive(g: Generation, raw: unknown): void {
    const m = fromHost.safeParse(raw);
    if (!m.success) return;
    const msg = m.data;
    switch (msg.type) {
      case 'answer':
        // The host's answer (ok or a failed call) is the call's result: the window gets it as it is.
        this.rpc.resolve(msg.id, msg.answer);
        break;
      case 'event':
        this.events.emit(msg.event as ApiEvent);
        break;
      case 'worker-start': {
        const w = this.spawnWorker(msg.args);
        g.workers.set(msg.wid, w);
        // A worker's lines and exit go to the host that started it, never to its successor (wids restart at 0).
        const post = (m: ToHost): void => {
          if (this.gen === g && this.down === null) g.conn.post(m);
        };
        w.onStdoutLine((line) => post({ type: 'worker-line', wid: msg.wid, stream: 'out', line }));
        w.onStderrLine((line) => post({ type: 'worker-line', wid: msg.wid, stream: 'err', line }));
        w.onExit((e) => {
          g.workers.delete(msg.wid);
          post({ type: 'worker-exit', wid: msg.wid, code: e.code, signal: e.signal });
        });
        break;
      }
      case 'worker-stop':
        g.workers.get(msg.wid)?.stop();
        break;
      case 'ready':
        if (!this.closed) this.down = null;
        break;
    }
  }
}
