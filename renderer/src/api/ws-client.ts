/**
 * The api over the `cod serve` WebSocket. The token comes from the URL the server printed (then leaves the address
 * bar, kept for this tab only); every frame from the server is checked before it is trusted; calls made while the
 * socket is down wait for it to reconnect. Calls are matched with their answers by the one request/response layer
 * (main/base/rpc.ts).
 */
import { ApiError, type ApiClient } from '../../../main/api/client.ts';
import type { MethodName, Params, Result } from '../../../main/api/methods.ts';
import { asApiEvent, eventFrame, responseFrame } from '../../../main/api/protocol.ts';
import { TOKEN_PARAM, WS_PATH } from '../../../main/api/channels.ts';
import type { ApiEvent } from '../../../main/api/types.ts';
import { Emitter } from '../../../main/base/emitter.ts';
import { RpcClient } from '../../../main/base/rpc.ts';

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

export class WsClient implements ApiClient {
  private ws: WebSocket | null = null;
  /** Frames sent while the socket is down wait here for it to come back. */
  private readonly queue: string[] = [];
  private readonly rpc: RpcClient;
  private readonly events = new Emitter<ApiEvent>();
  private readonly status = new Emitter<boolean>();
  private retryMs = 500;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly WebSocketImpl: typeof WebSocket = WebSocket,
  ) {
    this.rpc = new RpcClient(
      {
        post: (frame) => {
          const text = JSON.stringify(frame);
          if (this.ws && this.ws.readyState === this.WebSocketImpl.OPEN) this.ws.send(text);
          else this.queue.push(text);
        },
      },
      // The server's error body (with a curriculum's located issues) becomes the ApiError the caller sees.
      { name: 'workbench server', toError: (body) => new ApiError(body) },
    );
    this.connect();
  }

  static fromLocation(loc: Location = location): WsClient {
    const token = takeToken(loc, sessionStorage);
    if (!token) throw new ApiError({ code: 'bad_input', message: 'no access token: open the URL `cod serve` printed' });
    const proto = loc.protocol === 'https:' ? 'wss:' : 'ws:';
    return new WsClient(`${proto}//${loc.host}${WS_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`);
  }

  onStatus(fn: (up: boolean) => void): () => void {
    return this.status.on(fn);
  }

  private connect(): void {
    const ws = new this.WebSocketImpl(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.retryMs = 500;
      this.status.emit(true);
      for (const frame of this.queue.splice(0)) ws.send(frame);
    };
    ws.onmessage = (m) => this.receive(String(m.data));
    ws.onclose = () => {
      this.status.emit(false);
      // Calls in flight may or may not have run: fail them rather than guess (the caller can retry).
      this.rpc.failAll(new ApiError({ code: 'io', message: 'lost the connection to the workbench server' }));
      if (this.closed) return;
      setTimeout(() => this.connect(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 8000);
    };
  }

  /** Stop for good: no reconnecting; calls in flight fail, later ones are refused (a page never needs this). */
  close(): void {
    this.closed = true;
    this.rpc.failAll(new ApiError({ code: 'io', message: 'the client was closed' }), { dead: true });
    this.ws?.close();
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
      this.events.emit(asApiEvent(ev.data.event));
      return;
    }
    const r = responseFrame.safeParse(frame);
    if (!r.success) return;
    this.rpc.settle(r.data);
  }

  call<M extends MethodName>(method: M, params: Params<M>): Promise<Result<M>> {
    return this.rpc.call<Result<M>>(method, params);
  }

  onEvent(listener: (e: ApiEvent) => void): () => void {
    return this.events.on(listener);
  }
}
