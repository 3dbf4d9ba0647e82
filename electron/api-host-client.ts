/**
 * The Electron side of the api host (main/workers/api-host.ts, run as a utility process): requests already checked
 * against their schema are forwarded and answered by id (the one request/response layer, main/base/rpc.ts); events
 * are passed to the window; and the job commands the host asks for are started here as utility processes, their
 * lines sent back.
 */
import type { ApiErrorBody } from '../main/api/types.ts';
import { checkRequest } from '../main/api/validate.ts';
import { fromHost, type CommandProcess, type ToHost } from '../main/api/host-protocol.ts';
import type { Answer } from '../main/api/protocol.ts';
import type { ApiEvent } from '../main/api/types.ts';
import { Emitter } from '../main/base/emitter.ts';
import { RpcClient } from '../main/base/rpc.ts';
import type { ApiHandler } from './ipc.ts';

export interface HostPort {
  post(m: ToHost): void;
  onMessage(fn: (m: unknown) => void): void;
}

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

export class ApiHostClient implements ApiHandler {
  private readonly rpc: RpcClient;
  private readonly workers = new Map<number, CommandProcess>();
  private readonly events = new Emitter<ApiEvent>();

  constructor(
    private readonly port: HostPort,
    private readonly spawnWorker: (args: string[]) => CommandProcess,
  ) {
    this.rpc = new RpcClient(
      { post: (frame) => port.post(frame as ToHost) },
      {
        name: 'workbench service',
        encode: ({ id, method, params }) => ({ type: 'call', id, method, params }) satisfies ToHost,
      },
    );
    port.onMessage((raw) => this.receive(raw));
  }

  async handle(method: unknown, params: unknown): Promise<Answer> {
    try {
      // Checked here as well as in the host: a bad request never leaves the main process.
      checkRequest(method, params);
      return await this.rpc.call<Answer>(method as string, params);
    } catch (e) {
      return failed(e);
    }
  }

  onEvent(fn: (e: ApiEvent) => void): () => void {
    return this.events.on(fn);
  }

  /** The host ended: fail what is waiting instead of hanging the window. */
  hostExited(code: number | null): void {
    const e = Object.assign(new Error(`the workbench service process ended (code ${code})`), { code: 'internal' });
    this.rpc.failAll(e, { dead: true });
    for (const w of this.workers.values()) w.stop();
  }

  close(): void {
    this.port.post({ type: 'close' });
  }

  private receive(raw: unknown): void {
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
        this.workers.set(msg.wid, w);
        w.onStdoutLine((line) => this.port.post({ type: 'worker-line', wid: msg.wid, stream: 'out', line }));
        w.onStderrLine((line) => this.port.post({ type: 'worker-line', wid: msg.wid, stream: 'err', line }));
        w.onExit((e) => {
          this.workers.delete(msg.wid);
          this.port.post({ type: 'worker-exit', wid: msg.wid, code: e.code, signal: e.signal });
        });
        break;
      }
      case 'worker-stop':
        this.workers.get(msg.wid)?.stop();
        break;
      case 'ready':
        break;
    }
  }
}
