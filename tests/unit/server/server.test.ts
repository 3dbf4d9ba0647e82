/**
 * `cod serve`'s server on loopback with a real workbench over a real store, and the renderer's own WebSocket client
 * (renderer/src/api/ws-client.ts) talking to it: calls answered by id, errors with their located issues, store
 * changes pushed as events, the token and Origin checks, and a lost connection failing the call in flight.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { WebSocket as NodeWebSocket, WebSocketServer } from 'ws';
import type { ApiEvent } from '../../../main/api/types.ts';
import { LIMITS } from '../../../main/base/budget.ts';
import { serve, type RunningServer } from '../../../main/server/server.ts';
import { createWorkbench, type Workbench } from '../../../main/services/workbench.ts';
import { openStore } from '../../../main/store/index.ts';
import { ApiError } from '../../../renderer/src/api/index.ts';
import { WsClient } from '../../../renderer/src/api/ws-client.ts';
import { tempDir } from '../../support/temp.ts';

let home: string;
let wb: Workbench;
let server: RunningServer;
const clients: WsClient[] = [];

/** The `ws` client with the Origin header a page served by this server sends (Node's WebSocket sends none). */
function browserLike(origin: string): typeof WebSocket {
  return class extends NodeWebSocket {
    constructor(url: string) {
      super(url, { origin });
    }
  } as unknown as typeof WebSocket;
}

function client(token = server.token): WsClient {
  const url = `ws://127.0.0.1:${server.port}/api?token=${token}`;
  const c = new WsClient(url, browserLike(`http://127.0.0.1:${server.port}`));
  clients.push(c);
  return c;
}

beforeEach(async () => {
  home = tempDir('server');
  const renderer = path.join(home, 'renderer');
  mkdirSync(renderer);
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>cod</title>');
  wb = createWorkbench({ codHome: home, followIntervalMs: 50 });
  server = await serve({ workbench: wb, rendererDir: renderer, port: 0 });
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await server.close();
  wb.close();
});

describe('the server and the WebSocket client', () => {
  it('answers calls by id, concurrently', async () => {
    const c = client();
    const [runs, info, presets] = await Promise.all([
      c.call('runs.list', {}),
      c.call('app.info', {}),
      c.call('curricula.list', {}),
    ]);
    expect(runs).toEqual([]);
    expect(info.storePath).toBe(path.join(home, 'runs.db'));
    expect(presets.length).toBeGreaterThan(0);
  });

  it('rejects a failed call with the ApiError the server sent, located issues included', async () => {
    const c = client();
    const e = await c
      .call('curricula.save', { name: 'bad', text: 'name: bad\ntrain:\n  domains: []\n' })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe('bad_config');
    expect((e as ApiError).issues?.[0]).toMatchObject({ line: 3, field: 'train.domains' });
    const u = await c.call('runs.get', { runId: 'nosuchrun' }).catch((x: unknown) => x);
    expect((u as ApiError).code).toBe('not_found');
  });

  it('pushes a store change made by another process as an event', async () => {
    const c = client();
    await c.call('runs.list', {}); // connected
    const seen = new Promise<ApiEvent>((resolve) => c.onEvent(resolve));
    const other = openStore(path.join(home, 'runs.db'));
    try {
      other.createRun({ name: 'elsewhere', config: {}, seeds: [0], codeVersion: 'test', runDir: home });
    } finally {
      other.close();
    }
    expect(await seen).toMatchObject({ type: 'rows', table: 'runs', op: 'insert' });
  });

  it('refuses a socket without the token or from another origin', async () => {
    const refused = (url: string, origin: string) =>
      new Promise<number>((resolve) => {
        const ws = new NodeWebSocket(url, { origin });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => resolve(101));
      });
    const here = `http://127.0.0.1:${server.port}`;
    expect(await refused(`ws://127.0.0.1:${server.port}/api?token=wrong`, here)).toBe(403);
    expect(await refused(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, 'http://evil.example')).toBe(403);
  });

  it('answers a malformed frame with one error and keeps the connection', async () => {
    const ws = new NodeWebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, {
      origin: `http://127.0.0.1:${server.port}`,
    });
    await new Promise((r) => ws.once('open', r));
    const next = () => new Promise<unknown>((r) => ws.once('message', (d) => r(JSON.parse(String(d)))));
    ws.send('not json');
    expect(await next()).toMatchObject({ id: -1, ok: false, error: { code: 'bad_input' } });
    ws.send(JSON.stringify({ id: 5, method: 'runs.list', params: {} }));
    expect(await next()).toEqual({ id: 5, ok: true, result: [] });
    ws.close();
  });

  it('fails the call in flight when the connection is lost, and sends calls made while down once back', async () => {
    // A server that drops the connection on the first request it gets, then answers normally.
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    let dropped = false;
    wss.on('connection', (ws) =>
      ws.on('message', (d) => {
        if (!dropped) {
          dropped = true;
          ws.terminate();
          return;
        }
        const { id } = JSON.parse(String(d)) as { id: number };
        ws.send(JSON.stringify({ id, ok: true, result: [] }));
      }),
    );
    await new Promise((r) => wss.once('listening', r));
    const c = new WsClient(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/api`, browserLike('x'));
    clients.push(c);
    const down = new Promise<void>((resolve) => c.onStatus((up) => void (up ? undefined : resolve())));
    await expect(c.call('runs.list', {})).rejects.toThrow(/lost the connection/);
    await down;
    // Made while the socket is down: queued, sent on reconnect, answered.
    expect(await c.call('runs.list', {})).toEqual([]);
    c.close();
    await new Promise((r) => wss.close(r));
  });

  it('caps connections: one over the limit is refused with 503 naming it, and a slot frees when one closes', async () => {
    const origin = `http://127.0.0.1:${server.port}`;
    const url = `ws://127.0.0.1:${server.port}/api?token=${server.token}`;
    const open = (): Promise<NodeWebSocket> =>
      new Promise((resolve, reject) => {
        const ws = new NodeWebSocket(url, { origin });
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => reject(new Error(`${res.statusCode} ${body}`)));
        });
        ws.once('error', reject);
      });
    const held: NodeWebSocket[] = [];
    for (let i = 0; i < LIMITS.serveConnections; i++) held.push(await open());
    await expect(open()).rejects.toThrow(
      `503 too many connections to cod serve (limit ${LIMITS.serveConnections}); close another tab or client`,
    );
    const closed = new Promise((r) => held[0].once('close', r));
    held[0].close();
    await closed;
    await new Promise((r) => setTimeout(r, 50)); // the server sees the close
    const again = await open();
    for (const ws of [...held.slice(1), again]) ws.close();
  });

  it('caps the requests one connection has in flight: the excess is answered at once, the rest served', async () => {
    const ws = new NodeWebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, {
      origin: `http://127.0.0.1:${server.port}`,
    });
    await new Promise((r) => ws.once('open', r));
    const n = LIMITS.serveInFlight * 3;
    const answers = new Map<number, { ok: boolean; error?: { code: string; message: string } }>();
    const all = new Promise<void>((resolve) =>
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { id?: number; ok: boolean };
        if (typeof m.id === 'number') answers.set(m.id, m as { ok: boolean });
        if (answers.size === n) resolve();
      }),
    );
    // All in one burst: the server reads them before it has answered any.
    for (let id = 1; id <= n; id++) ws.send(JSON.stringify({ id, method: 'runs.list', params: {} }));
    await all;
    const refused = [...answers.values()].filter((a) => !a.ok);
    expect(refused.length).toBeGreaterThan(0);
    expect(n - refused.length).toBeGreaterThanOrEqual(LIMITS.serveInFlight);
    for (const a of refused)
      expect(a.error).toEqual({
        code: 'conflict',
        message: `too many requests in flight on this connection (limit ${LIMITS.serveInFlight}); wait for answers`,
      });
    // The connection still serves.
    const later = new Promise<{ ok: boolean }>((resolve) =>
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString()) as { id?: number; ok: boolean };
        if (m.id === n + 1) resolve(m);
      }),
    );
    ws.send(JSON.stringify({ id: n + 1, method: 'runs.list', params: {} }));
    expect(await later).toMatchObject({ ok: true });
    ws.close();
  });
});
