/**
 * The one request/response layer (main/base/rpc.ts) and the event emitter, over real message ports (a
 * worker_threads MessageChannel): calls matched by id out of order, errors carried as CodError codes, transfers,
 * timeouts, a dead port, stray replies ignored.
 */
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Emitter } from '../../../main/base/emitter.ts';
import { CodError } from '../../../main/base/errors.ts';
import { messagePort, parseReply, RpcClient, serveRpc } from '../../../main/base/rpc.ts';

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

function connected(handlers: Parameters<typeof serveRpc>[1]): RpcClient {
  const ch = new MessageChannel();
  channels.push(ch);
  serveRpc(messagePort(ch.port2), handlers);
  const port = messagePort(ch.port1);
  const client = new RpcClient(port, { name: 'test worker' });
  port.onMessage((m) => {
    const r = parseReply(m);
    if (r) client.settle(r);
  });
  return client;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RpcClient over serveRpc', () => {
  it('matches concurrent calls with their replies, whatever order they finish in', async () => {
    const client = connected({
      echo: async (p) => {
        const { v, ms } = p as { v: number; ms: number };
        await sleep(ms);
        return { result: v * 2 };
      },
    });
    const out = await Promise.all([
      client.call('echo', { v: 1, ms: 40 }),
      client.call('echo', { v: 2, ms: 0 }),
      client.call('echo', { v: 3, ms: 20 }),
    ]);
    expect(out).toEqual([2, 4, 6]);
    expect(client.waiting()).toEqual([]);
  });

  it("rejects with the handler's CodError code, and names the other side", async () => {
    const client = connected({
      bad: () => {
        throw new CodError('bad_input', 'no such thing', 'field');
      },
      boom: () => {
        throw new Error('kaput');
      },
    });
    const e = await client.call('bad', null).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CodError);
    expect((e as CodError).code).toBe('bad_input');
    expect((e as CodError).message).toBe('test worker: field: no such thing');
    const f = await client.call('boom', null).catch((x: unknown) => x);
    expect((f as CodError).code).toBe('internal');
    const g = await client.call('nope', null).catch((x: unknown) => x);
    expect((g as CodError).message).toMatch(/unknown method 'nope'/);
  });

  it('transfers buffers instead of copying them', async () => {
    const client = connected({
      sum: (p) => ({ result: new Float32Array(p as ArrayBuffer).reduce((a, b) => a + b, 0) }),
    });
    const buf = new Float32Array([1, 2, 3]).buffer;
    expect(await client.call('sum', buf, { transfer: [buf] })).toBe(6);
    expect(buf.byteLength).toBe(0); // moved to the other side
  });

  it('times a call out, and a late reply for it is ignored', async () => {
    const client = connected({ slow: async () => (await sleep(80), { result: 'late' }) });
    await expect(client.call('slow', null, { timeoutMs: 10 })).rejects.toThrow(/slow got no reply within 10 ms/);
    await sleep(120);
    expect(client.waiting()).toEqual([]);
  });

  it('a dead port fails what waits and refuses later calls with the same error', async () => {
    const client = connected({ hang: () => new Promise<never>(() => {}) });
    const pending = client.call('hang', null);
    expect(client.waiting().map((w) => w.method)).toEqual(['hang']);
    const gone = new CodError('internal', 'the worker exited');
    client.failAll(gone, { dead: true });
    await expect(pending).rejects.toBe(gone);
    await expect(client.call('hang', null)).rejects.toBe(gone);
  });

  it('settle says whether a call waited for the reply; malformed frames are not replies', () => {
    const client = new RpcClient({ post: () => {} }, { name: 'x' });
    expect(client.settle({ id: 99, ok: true, result: 1 })).toBe(false);
    expect(parseReply({ id: 1, ok: 'yes' })).toBeUndefined();
    expect(parseReply({ event: 'x' })).toBeUndefined();
    expect(parseReply({ id: 1, ok: false, error: { code: 'io', message: 'm' } })).toEqual({
      id: 1,
      ok: false,
      error: { code: 'io', message: 'm' },
    });
  });
});

describe('Emitter', () => {
  it('calls listeners in order until they unsubscribe', () => {
    const e = new Emitter<number>();
    const seen: string[] = [];
    const off = e.on((v) => seen.push(`a${v}`));
    e.on((v) => seen.push(`b${v}`));
    e.emit(1);
    off();
    e.emit(2);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
    expect(e.size).toBe(1);
  });

  it('with an error sink, a throwing listener does not keep the event from the others', () => {
    const errors: unknown[] = [];
    const e = new Emitter<number>((err) => errors.push(err));
    const seen: number[] = [];
    e.on(() => {
      throw new Error('listener bug');
    });
    e.on((v) => seen.push(v));
    e.emit(7);
    expect(seen).toEqual([7]);
    expect(String(errors[0])).toMatch(/listener bug/);
    // Without one, the error reaches the caller as from a plain call.
    const plain = new Emitter<number>();
    plain.on(() => {
      throw new Error('propagates');
    });
    expect(() => plain.emit(1)).toThrow(/propagates/);
  });
});
