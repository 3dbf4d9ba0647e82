/**
 * RemoteBackend against a real `cod backend serve` process on loopback:
 *  - the same calls give bit-identical results through the server as through the in-process LocalBackend (same
 *    base model, same data, same seeds): losses, log-probs, grad norm, samples, and the weights after a step;
 *  - faults are reported naming the server and the call: no server, a refused key, a server killed mid-call.
 */
import { mkdtemp, rm } from 'node:fs/promises';
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
    const remote = new RemoteBackend({ baseUrl: doomed.url, attempts: 3 });
    const m = await remote.createModel({ baseModel: 'builtin' });
    // A long first pass (graph compile + 3000 tokens); the client is holding a retrieve_future when the server dies.
    const long = Array.from({ length: 3000 }, (_, i) => (i * 7) % 500);
    const pending = m.forwardBackward({ data: [datumFromSequence({ tokens: long })], loss_fn: 'cross_entropy' });
    const outcome = pending.then(
      () => null,
      (e: Error) => e,
    );
    await new Promise((r) => setTimeout(r, 300));
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
});
