/**
 * `cod serve` survives malformed WebSocket frames (issue 19): a frame over the 2 MB cap, a text frame that is not
 * UTF-8 and a frame with an unknown opcode each close that one connection, and the server keeps serving: a fresh
 * connection's api call is answered afterwards. Frames are written on a raw TCP socket (tests/e2e/raw-websocket.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { openRaw } from './raw-websocket.ts';
import { startServe, tempHome, type Served } from './serve.ts';

let served: Served;
let wsUrl: string;
let origin: string;

beforeAll(async () => {
  served = await startServe(tempHome('frames'));
  const page = new URL(served.url);
  origin = page.origin;
  wsUrl = `${page.origin}/api?token=${page.searchParams.get('token')}`;
});

afterAll(async () => {
  await served?.stop();
});

/** One api call over a well-behaved client: the server is up and answering. */
async function callRunsList(): Promise<unknown> {
  const ws = new WebSocket(wsUrl.replace(/^http/, 'ws'), { origin });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const answer = await new Promise<{ id: number; ok: boolean }>((resolve) => {
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString()) as { id?: number; ok: boolean };
      if (m.id === 7) resolve(m as { id: number; ok: boolean });
    });
    ws.send(JSON.stringify({ id: 7, method: 'runs.list' }));
  });
  ws.close();
  return answer;
}

describe('cod serve and malformed WebSocket frames', () => {
  it.each([
    ['a text frame over the 2 MB cap', 0x1, Buffer.alloc(3 * 1024 * 1024, 0x61)],
    ['a text frame that is not UTF-8', 0x1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['a frame with an unknown opcode', 0x3, Buffer.from('{}')],
  ])('%s closes that connection and the server keeps serving', async (_name, opcode, payload) => {
    const raw = await openRaw(wsUrl, origin);
    raw.send(opcode, payload);
    await raw.closed;
    expect(served.proc.exitCode).toBeNull();
    expect(await callRunsList()).toMatchObject({ id: 7, ok: true });
  });
});
