/**
 * The api over the `cod serve` WebSocket. The token comes from the URL the server printed (then leaves the address
 * bar, kept for this tab only); every frame from the server is checked before it is trusted; calls made while the
 * socket is down wait for it to reconnect.
 */
import { ApiError, type ApiClient } from '../../../main/api/client.ts';
import type { MethodName, Params, Result } from '../../../main/api/methods.ts';
import { asApiEvent, eventFrame, responseFrame } from '../../../main/api/protocol.ts';
import { TOKEN_PARAM, WS_PATH } from '../../../main/api/channels.ts';
import type { ApiEvent } from '../../../main/api/types.ts';

const TOKEN_KEY = 'cod.token';

export function takeToken(loc: Location, storage: Storage): string | null {
  const url = new URL(loc.href);
  const fromUrl = url.searchParams.get(TOKEN_PARAM);
  if (fromUrl) {
    storage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete(TOKEN_PARAM);
    history.replaceState(null, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return storage.getItem(TOKEN_KEY);
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class WsClient implements ApiClient {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly queue: string[] = [];
  private readonly listeners = new Set<(e: ApiEvent) => void>();
  private readonly statusListeners = new Set<(up: boolean) => void>();
  private retryMs = 500;

  constructor(
    private readonly url: string,
    private readonly WebSocketImpl: typeof WebSocket = WebSocket,
  ) {
    this.connect();
  }

  static fromLocation(loc: Location = location): WsClient {
    const token = takeToken(loc, sessionStorage);
    if (!token) throw new ApiError({ code: 'bad_input', message: 'no access token: open the URL `cod serve` printed' });
    const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
    return new WsClient(`${proto}//${loc.host}${WS_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`);
  }

  onStatus(fn: (up: boolean) => void): () => void {
    this.statusListeners.add(fn);
    return () => this.statusListeners.delete(fn);
  }

  private connect(): void {
    const ws = new this.WebSocketImpl(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      for (const f of this.statusListeners) f(true);
      for (const frame of this.queue.splice(0)) ws.send(frame);
    };
    ws.onmessage = (m) => this.receive(String(m.data));
    ws.onclose = () => {
      for (const f of this.statusListeners) f(false);
      // Calls in flight may or may not have run: fail them rather than guess (the caller can retry).
      for (const [id, p] of this.pending) {
        p.reject(new ApiError({ code: 'io', message: 'lost the connection to the workbench server' }));
        this.pending.delete(id);
      }
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 8000);
    };
  }

  private receive(data: string): void {
    let frame: unknown;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    const ev = eventFrame.safeParse(frame);
    if (ev.success) {
      const e = asApiEvent(ev.data.event);
      for (const l of this.listeners) l(e);
      return;
    }
    const r = responseFrame.safeParse(frame);
    if (!r.success) return;
    const p = this.pending.get(r.data.id);
    if (!p) return;
    this.pending.delete(r.data.id);
    if (r.data.ok) p.resolve(r.data.result);
    else p.reject(new ApiError(r.data.error));
  }

  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    const id = this.nextId++;
    const frame = JSON.stringify({ id, method, params });
    return new Promise<Result<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      if (this.ws && this.ws.readyState === this.WebSocketImpl.OPEN) this.ws.send(frame);
      else this.queue.push(frame);
    });
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
