/**
 * `cod serve`: the built renderer and the api over a WebSocket, on 127.0.0.1 only. A fresh random token per
 * launch guards the api: the page gets it from the URL the command prints, the socket must present it, and the
 * Host and Origin headers must name this server (no other site, and no DNS-rebound name, can talk to it).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { LIMITS } from '../base/budget.ts';
import { CodError } from '../base/errors.ts';
import { requestFrame, SESSION_PATH, TOKEN_PARAM, WS_PATH } from '../api/protocol.ts';
import type { Workbench } from '../services/workbench.ts';
import { contentSecurityPolicy, rendererMissing, serveStatic } from './static-files.ts';

export interface ServeOptions {
  readonly workbench: Workbench;
  /** The built renderer (out/renderer). */
  readonly rendererDir: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** For tests: a fixed token instead of a random one. */
  readonly token?: string;
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
/** Largest request frame accepted (a curriculum text is the biggest legitimate one). */
const MAX_FRAME = 2 * 1024 * 1024;

function sameToken(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  if (rendererMissing(opts.rendererDir))
    throw new CodError('not_found', 'the renderer is not built; run `npm run build` first', opts.rendererDir);
  const token = opts.token ?? randomBytes(24).toString('base64url');
  let port = 0;
  const hosts = () => [`${HOST}:${port}`, `localhost:${port}`];
  const origins = () => hosts().map((h) => `http://${h}`);
  const csp = () => contentSecurityPolicy(`ws://${HOST}:${port} ws://localhost:${port}`);

  const http: Server = createServer((req, res) => {
    if (!hosts().includes(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('wrong host');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain' }).end('method not allowed');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    if (url.pathname === SESSION_PATH) {
      // Same checks as the socket's, so the page can say "token refused" rather than "server down".
      const ok =
        origins().includes(req.headers.origin ?? origins()[0]) && sameToken(url.searchParams.get(TOKEN_PARAM), token);
      res.writeHead(ok ? 204 : 403, { 'cache-control': 'no-store', 'content-type': 'text/plain' }).end();
      return;
    }
    serveStatic(opts.rendererDir, req.url ?? '/', res, csp());
  });

  // A malformed request from a client ends that client's connection, never the server: node's http answers bad
  // HTTP with 400 itself once a 'clientError' listener exists, and every socket below gets an 'error' listener.
  http.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  wss.on('error', () => undefined); // errors of the listening side are the http server's; keep them off the process
  http.on('upgrade', (req: IncomingMessage, socket, head) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const ok =
      url.pathname === WS_PATH &&
      hosts().includes(req.headers.host ?? '') &&
      origins().includes(req.headers.origin ?? '') &&
      sameToken(url.searchParams.get(TOKEN_PARAM), token);
    if (!ok) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    // Each connection holds an event subscription and its send buffer: their number is capped.
    if (wss.clients.size >= LIMITS.serveConnections) {
      const body = `too many connections to cod serve (limit ${LIMITS.serveConnections}); close another tab or client`;
      socket.write(
        `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, opts.workbench));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, HOST, () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}/?${TOKEN_PARAM}=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

/** One client: every frame is checked; calls are answered by id; events are pushed as they come. */
function attach(ws: WebSocket, workbench: Workbench): void {
  // The one socket error path: `ws` reports a frame it refuses (over maxPayload, text that is not UTF-8, an unknown
  // opcode, an unmasked client frame) as an 'error' and closes with the matching code (1009, 1007, 1002). Without a
  // listener that 'error' would be thrown and take the whole server down.
  ws.on('error', () => ws.terminate());
  // A client that stops reading would make the server buffer every event and answer for it: past the cap it is
  // dropped (a page reconnects and re-reads).
  const send = (frame: unknown): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > LIMITS.serveBufferedBytes) {
      ws.close(1008, `not reading: over ${LIMITS.serveBufferedBytes / (1024 * 1024)} MiB unsent`);
      ws.terminate();
      return;
    }
    ws.send(JSON.stringify(frame));
  };
  const unsubscribe = workbench.onEvent((event) => send({ event }));
  ws.on('close', unsubscribe);
  let inFlight = 0;
  ws.on('message', async (data, isBinary) => {
    let frame: unknown;
    try {
      frame = isBinary ? undefined : JSON.parse(data.toString());
    } catch {
      frame = undefined;
    }
    const r = requestFrame.safeParse(frame);
    if (!r.success) {
      // No id to answer to: say so once and keep the connection (the client may just be buggy).
      send({ id: -1, ok: false, error: { code: 'bad_input', message: 'malformed request frame' } });
      return;
    }
    if (inFlight >= LIMITS.serveInFlight) {
      const message = `too many requests in flight on this connection (limit ${LIMITS.serveInFlight}); wait for answers`;
      send({ id: r.data.id, ok: false, error: { code: 'conflict', message } });
      return;
    }
    inFlight++;
    try {
      const answer = await workbench.handle(r.data.method, r.data.params);
      send({ id: r.data.id, ...answer });
    } finally {
      inFlight--;
    }
  });
}
