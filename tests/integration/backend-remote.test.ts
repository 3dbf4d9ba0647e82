/**
 * RemoteBackend against a real `cod backend serve` process on loopback:
 *  - the same calls give bit-identical results through the server as through the in-process LocalBackend (same
 *    base model, same data, same seeds): losses, log-probs, grad norm, samples, and the weights after a step;
 *  - faults are reported naming the server and the call: no server, a refused key, a server killed mid-call;
 *  - a checkpoint archive is unpacked safely: links are dropped, an archive with a path outside the destination is
 *    refused whole, and the API key does not follow a redirect to another host.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrainingBackend } from '../../main/backend/backend.ts';
import { datumFromSequence } from '../../main/backend/datums.ts';
import { LocalBackend } from '../../main/backend/local/backend.ts';
import { RemoteBackend } from '../../main/backend/remote/client.ts';
import type { AdamParams } from '../../main/backend/wire.ts';
import { loadCheckpoint } from '../../main/models/checkpoint.ts';
import { ThreadWorkerHost } from '../../main/workers/host.ts';
import { startBackendServer, type BackendProcess } from './backend-server.ts';

const BUILTIN = join(import.meta.dirname, '..', '..', 'resources', 'models', 'builtin');
let home: string;
let server: BackendProcess;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'cod-backend-remote-'));
  server = await startBackendServer(['--weights', join(home, 'served'), '--future-wait-s', '1']);
});

afterAll(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

const tokens = [3, 40, 41, 300, 17, 256, 9, 88, 12, 5];
const data = [
  datumFromSequence({ tokens, weights: tokens.map((_, t) => (t >= 4 ? 1 : 0)) }),
  datumFromSequence({ tokens: tokens.slice(2), weights: tokens.slice(2).map((_, t) => (t >= 3 ? 0.5 : 0)) }),
];
const adam: AdamParams = {
  learning_rate: 1e-3,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weight_decay: 0.01,
  grad_clip_norm: 1,
};

/** One step and the things it reports, through any backend. */
async function run(b: TrainingBackend) {
  const m = await b.createModel({ baseModel: 'builtin' });
  const fwd = await m.forward({ data, loss_fn: 'cross_entropy' });
  const fb = await m.forwardBackward({ data, loss_fn: 'cross_entropy' });
  const step = await m.optimStep(adam);
  const { path } = await m.saveWeightsForSampler('after-1');
  const sample = await b.sample({
    prompt: tokens.slice(0, 4),
    params: { max_tokens: 6, seed: 11, temperature: 1, top_k: -1, top_p: 1 },
    numSamples: 3,
    modelPath: path,
  });
  const saved = await m.saveWeights('w1');
  await m.close();
  return { fwd, fb, step, sample, modelId: m.modelId, saved };
}

describe('RemoteBackend over cod backend serve', () => {
  it('gives the in-process backend’s results bit for bit', async () => {
    const local = new LocalBackend({
      models: { builtin: BUILTIN },
      weightsRoot: join(home, 'local'),
      workers: new ThreadWorkerHost(),
    });
    const remote = new RemoteBackend({ baseUrl: `${server.url}/api/v1` });
    try {
      const a = await run(local);
      const b = await run(remote);
      expect(b.fwd).toEqual(a.fwd);
      expect(b.fb).toEqual(a.fb);
      expect(b.step).toEqual(a.step);
      expect(b.sample.sequences).toEqual(a.sample.sequences);
      // The weights after the step, as each backend saved them.
      const wa = await loadCheckpoint(join(home, 'local', a.modelId, 'weights', 'w1'));
      const wb = await loadCheckpoint(join(home, 'served', b.modelId, 'weights', 'w1'));
      for (const [name, x] of wa.weights)
        expect(Buffer.from(wb.weights.get(name)!.buffer).equals(Buffer.from(x.buffer)), name).toBe(true);
      expect(b.saved.path).toBe(`tinker://${b.modelId}/weights/w1`);
    } finally {
      await local.close();
      await remote.close();
    }
  });

  it('names the server when nothing listens there', async () => {
    const stopped = await startBackendServer(['--weights', join(home, 'gone')]);
    await stopped.stop();
    const remote = new RemoteBackend({ baseUrl: stopped.url, attempts: 2 });
    await expect(remote.capabilities()).rejects.toThrow(
      new RegExp(`backend ${stopped.url} is unreachable during get_server_capabilities: connection refused`),
    );
  });

  it('names the server when it refuses the key', async () => {
    const keyed = await startBackendServer(['--weights', join(home, 'keyed'), '--api-key', 'tml-right']);
    try {
      const remote = new RemoteBackend({ baseUrl: keyed.url, apiKey: 'tml-wrong' });
      await expect(remote.createModel({ baseModel: 'builtin' })).rejects.toThrow(
        new RegExp(`backend ${keyed.url} refused the API key \\(HTTP 403: Invalid API key\\)`),
      );
      const good = new RemoteBackend({ baseUrl: keyed.url, apiKey: 'tml-right' });
      const caps = await good.capabilities();
      expect(caps.supported_models[0].model_name).toBe('builtin');
    } finally {
      await keyed.stop();
    }
  });

  it('reports a server killed in the middle of a call', async () => {
    const doomed = await startBackendServer(['--weights', join(home, 'doomed'), '--future-wait-s', '30']);
    // The server is killed once it has accepted forward_backward as a future (not after a fixed sleep, which a
    // loaded machine can outlast before the POST is even answered).
    let accepted: () => void = () => {};
    const futureAccepted = new Promise<void>((r) => (accepted = r));
    const remote = new RemoteBackend({
      baseUrl: doomed.url,
      attempts: 3,
      onFuture: (what) => {
        if (what.startsWith('forward_backward')) accepted();
      },
    });
    const m = await remote.createModel({ baseModel: 'builtin' });
    // A long first pass (graph compile + 3000 tokens); the client is holding a retrieve_future when the server dies.
    const long = Array.from({ length: 3000 }, (_, i) => (i * 7) % 500);
    const pending = m.forwardBackward({ data: [datumFromSequence({ tokens: long })], loss_fn: 'cross_entropy' });
    const outcome = pending.then(
      () => null,
      (e: Error) => e,
    );
    await futureAccepted;
    await doomed.kill();
    const err = await outcome;
    console.log(`killed server: ${err?.message}`);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(
      new RegExp(`backend ${doomed.url} (is unreachable|disappeared) during forward_backward`),
    );
    expect(err!.message).toMatch(/request \d+/);
    await remote.close();
  });

  it('unpacks a checkpoint archive safely: no links, nothing outside; the key stays with the server', async () => {
    // A plain tar written by hand (ustar headers), so it can hold what a hostile server would send.
    const entry = (name: string, body: string, type = '0', link = ''): Buffer => {
      const h = Buffer.alloc(512);
      const data = Buffer.from(body);
      h.write(name, 0);
      h.write('0000644\0', 100);
      h.write('0000000\0', 108);
      h.write('0000000\0', 116);
      h.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124);
      h.write('00000000000\0', 136);
      h.write(type, 156);
      h.write(link, 157);
      h.write('ustar\0' + '00', 257);
      h.fill(' ', 148, 156);
      let sum = 0;
      for (const b of h) sum += b;
      h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
      return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
    };
    const tarOf = (...entries: Buffer[]) => gzipSync(Buffer.concat([...entries, Buffer.alloc(1024)]));
    let archive = tarOf(entry('ckpt/config.json', '{"ok":true}'), entry('ckpt/link', '', '2', '/etc/passwd'));
    const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
    const storage = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/gzip' }).end(archive);
    });
    await new Promise<void>((r) => storage.listen(0, '127.0.0.1', r));
    // 'localhost' is another origin than 127.0.0.1: the signed URL of a storage service elsewhere.
    const signed = `http://localhost:${(storage.address() as AddressInfo).port}/signed/archive.tar.gz`;
    const api = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(302, { location: signed }).end();
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const remote = new RemoteBackend({
      baseUrl: `http://127.0.0.1:${(api.address() as AddressInfo).port}`,
      apiKey: 'tml-k',
    });
    const out = join(home, 'unpacked', 'step-1');
    const hostile = join(home, 'unpacked', 'step-2');
    try {
      await remote.downloadCheckpoint('tinker://model_1/sampler_weights/v1', out);
      expect(readdirSync(out)).toEqual(['config.json']);
      expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('{"ok":true}');
      expect(seen.map((r) => r.url)).toEqual([
        '/api/v1/training_runs/model_1/checkpoints/sampler_weights/v1/archive',
        '/signed/archive.tar.gz',
      ]);
      expect(seen[0].headers['x-api-key']).toBe('tml-k');
      expect(seen[1].headers['x-api-key']).toBeUndefined();
      await expect(remote.downloadCheckpoint('tinker://model_1/sampler_weights/v1', out)).rejects.toThrow(
        /already exists/,
      );
      // A path that climbs out of the destination: the archive is refused whole, nothing is left behind.
      archive = tarOf(entry('ckpt/config.json', '{}'), entry('ckpt/../../escaped.txt', 'outside'));
      await expect(remote.downloadCheckpoint('tinker://model_1/sampler_weights/v2', hostile)).rejects.toThrow(
        /is not a readable tar archive: .*'\.\.'/,
      );
    } finally {
      api.close();
      storage.close();
    }
    expect(readdirSync(join(home, 'unpacked'))).toEqual(['step-1']);
    expect(existsSync(join(home, 'escaped.txt'))).toBe(false);
  });
});
