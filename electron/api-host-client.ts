/**
 * The Electron side of the api host (main/workers/api-host.ts, run as a utility process): requests already checked
 * against their schema are forwarded and answered by id; events are passed to the window; and the `cod` workers the
 * host asks for are started here as utility processes (the WorkerHost interface), their lines sent back.
 */
import { checkRequest } from '../main/api/validate.ts';
import { fromHost, type ToHost } from '../main/api/host-protocol.ts';
import type { Answer } from '../main/api/protocol.ts';
import type { ApiEvent } from '../main/api/types.ts';
import type { ApiHandler } from './ipc.ts';

/** How a spawned `cod` worker looks from here (UtilityWorkerHost provides it). */
export interface SpawnedWorker {
  onStdoutLine(fn: (l: string) => void): void;
  onStderrLine(fn: (l: string) => void): void;
  onExit(fn: (e: { code: number | null; signal: string | null }) => void): void;
  stop(): void;
}

export interface HostPort {
  post(m: ToHost): void;
  onMessage(fn: (m: unknown) => void): void;
}

export class ApiHostClient implements ApiHandler {
  private nextId = 0;
  private readonly pending = new Map<number, (a: Answer) => void>();
  private readonly workers = new Map<number, SpawnedWorker>();
  private readonly listeners = new Set<(e: ApiEvent) => void>();

  constructor(
    private readonly port: HostPort,
    private readonly spawnWorker: (args: string[]) => SpawnedWorker,
  ) {
    port.onMessage((raw) => this.receive(raw));
  }

  async handle(method: unknown, params: unknown): Promise<Answer> {
    try {
      // Checked here as well as in the host: a bad request never leaves the main process.
      checkRequest(method, params);
    } catch (e) {
      const err = e as { code: string; message: string; where?: string };
      return { ok: false, error: { code: err.code, message: err.message, ...(err.where ? { where: err.where } : {}) } };
    }
    const id = this.nextId++;
    return new Promise<Answer>((resolve) => {
      this.pending.set(id, resolve);
      this.port.post({ type: 'call', id, method: method as string, params });
    });
  }

  onEvent(fn: (e: ApiEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The host ended: fail what is waiting instead of hanging the window. */
  hostExited(code: number | null): void {
    for (const [id, resolve] of this.pending) {
      resolve({
        ok: false,
        error: { code: 'internal', message: `the workbench service process ended (code ${code})` },
      });
      this.pending.delete(id);
    }
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
      case 'answer': {
        const resolve = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        resolve?.(msg.answer as Answer);
        break;
      }
      case 'event':
        for (const l of this.listeners) l(msg.event as ApiEvent);
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
