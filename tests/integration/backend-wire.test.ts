/**
 * Wire compatibility with the Tinker API, against a real `cod backend serve` process on loopback:
 *  - every request in tests/fixtures/tinker (derived from the upstream models; README there cites them) is accepted,
 *    and every answer — the immediate one and the future's result — has the fixture's shape (keys and JSON types);
 *  - our client builds exactly the fixture request bodies;
 *  - faults: malformed JSON, a schema violation and an oversized body get 400 with `detail` and the server goes on
 *    serving; a missing key 401, a wrong key 403; work still running answers 408 with a try_again body.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datumFromSequence } from '../../main/backend/datums.ts';
import { requestBodies } from '../../main/backend/remote/requests.ts';
import { startBackendServer, type BackendProcess } from './backend-server.ts';

interface Fixture {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly request: unknown;
  readonly status: number;
  readonly response: unknown;
  readonly result?: unknown;
}

const DIR = join(import.meta.dirname, '..', 'fixtures', 'tinker');
const fixtures = new Map<string, Fixture>(
  readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Fixture]),
);
const fx = (name: string): Fixture => {
  const f = fixtures.get(name);
  if (!f) throw new Error(`no fixture ${name}`);
  return f;
};

const KEY = 'tml-test-key';
const FIX_SESSION = 'session_5d1e2b7a';
const FIX_MODEL = 'model_3f2a9c1e';
const FIX_MODEL_2 = 'model_c81d7e55';

/** A JSON value's shape: object keys (sorted) with their shapes, arrays by their first element, scalars by type. */
function shape(v: unknown): unknown {
  if (v === null) return 'null';
  if (Array.isArray(v)) return v.length === 0 ? [] : [shape(v[0])];
  if (typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, shape((v as Record<string, unknown>)[k])]),
    );
  return typeof v;
}

let server: BackendProcess;
let home: string;
/** Fixture ids → live ids. */
const live = new Map<string, string>();

function substitute(v: unknown): unknown {
  let s = JSON.stringify(v);
  for (const [from, to] of live) s = s.split(from).join(to);
  return JSON.parse(s);
}

async function send(
  method: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'x-api-key': KEY },
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body !== null && body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Polls retrieve_future until the answer is not 408. */
async function result(requestId: string): Promise<{ status: number; body: unknown }> {
  for (;;) {
    const r = await send('POST', '/api/v1/retrieve_future', { request_id: requestId, allow_metadata_only: false });
    if (r.status !== 408) return r;
  }
}

/** Sends the fixture's request (live ids in), checks the answer's and the result's shapes; returns both. */
async function exchange(name: string): Promise<{ response: Record<string, unknown>; result?: unknown }> {
  const f = fx(name);
  const r = await send(f.method, f.path, substitute(f.request));
  expect(r.status, `${name}: ${JSON.stringify(r.body)}`).toBe(f.status);
  expect(shape(r.body), name).toEqual(shape(f.response));
  const response = r.body as Record<string, unknown>;
  if (f.result === undefined) return { response };
  const done = await result(response.request_id as string);
  expect(done.status, `${name} result: ${JSON.stringify(done.body)}`).toBe(200);
  expect(shape(done.body), `${name} result`).toEqual(shape(f.result));
  return { response, result: done.body };
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'cod-backend-wire-'));
  server = await startBackendServer([
    '--api-key',
    KEY,
    '--weights',
    join(home, 'weights'),
    '--future-wait-s',
    '0.05',
    '--max-body-mb',
    '0.02',
  ]);
});

afterAll(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('Tinker wire API of cod backend serve', () => {
  it('accepts every fixture request and answers in the fixture shapes', async () => {
    await exchange('healthz');
    await exchange('get_server_capabilities');
    live.set(FIX_SESSION, (await exchange('create_session')).response.session_id as string);
    await exchange('session_heartbeat');
    const created = await exchange('create_model');
    live.set(FIX_MODEL, created.response.model_id as string);
    expect((created.result as { model_id: string }).model_id).toBe(created.response.model_id);
    await exchange('get_info');

    // The first pass compiles the model's graphs, far longer than the 50 ms the server holds a poll: 408 + try_again.
    const f = fx('forward');
    const queued = await send('POST', f.path, substitute(f.request));
    const early = await send('POST', '/api/v1/retrieve_future', {
      request_id: (queued.body as { request_id: string }).request_id,
      allow_metadata_only: false,
    });
    expect(early.status).toBe(408);
    expect(shape(early.body)).toEqual(shape(fx('retrieve_future.try_again').response));
    expect(shape((await result((queued.body as { request_id: string }).request_id)).body)).toEqual(shape(f.result));

    const ce = await exchange('forward_backward.cross_entropy');
    await exchange('forward_backward.importance_sampling');
    await exchange('forward_backward.ppo');
    await exchange('optim_step');
    const sampler = await exchange('save_weights_for_sampler');
    expect((sampler.result as { path: string }).path).toBe(`tinker://${live.get(FIX_MODEL)}/sampler_weights/step-1`);
    const sampled = (await exchange('asample')).result as {
      sequences: Array<{ tokens: number[]; logprobs: number[] }>;
    };
    expect(sampled.sequences).toHaveLength(2);
    for (const s of sampled.sequences) {
      expect(s.tokens.length).toBeGreaterThan(0);
      expect(s.tokens.length).toBeLessThanOrEqual(4);
      expect(s.logprobs).toHaveLength(s.tokens.length);
    }
    await exchange('asample.base_model');
    await exchange('save_weights');

    // load_weights goes into a fresh model, as its first call.
    const second = await send('POST', '/api/v1/create_model', substitute(fx('create_model').request));
    live.set(FIX_MODEL_2, (second.body as { model_id: string }).model_id);
    await result((second.body as { request_id: string }).request_id);
    await exchange('load_weights');
    await exchange('unload_model');

    // retrieve_future of a finished request answers its result again.
    live.set('"request_id":"4"', `"request_id":"${ce.response.request_id as string}"`);
    await exchange('retrieve_future');
  });

  it('reports a request that fails in the backend as a failed future (200, error + category)', async () => {
    const session = (await send('POST', '/api/v1/create_session', { tags: [], sdk_version: 'x' })).body as {
      session_id: string;
    };
    const m = await send('POST', '/api/v1/create_model', { session_id: session.session_id, base_model: 'builtin' });
    const modelId = (m.body as { model_id: string }).model_id;
    await result((m.body as { request_id: string }).request_id);
    const q = await send('POST', '/api/v1/load_weights', {
      model_id: modelId,
      seq_id: 1,
      path: `tinker://${modelId}/weights/never-saved`,
      optimizer: true,
    });
    expect(q.status).toBe(200);
    const failed = await result((q.body as { request_id: string }).request_id);
    expect(failed.status).toBe(200);
    expect(shape(failed.body)).toEqual(shape(fx('retrieve_future.failed').response));
    expect(failed.body).toMatchObject({ category: 'user', error: expect.stringMatching(/never-saved/) });
    // The same seq_id with another body is a conflict; with the same body, the same future.
    const again = await send('POST', '/api/v1/load_weights', {
      model_id: modelId,
      seq_id: 1,
      path: `tinker://${modelId}/weights/never-saved`,
      optimizer: true,
    });
    expect((again.body as { request_id: string }).request_id).toBe((q.body as { request_id: string }).request_id);
  });

  it('refuses bad requests with 400 + detail and keeps serving', async () => {
    const bad = fx('error.bad_request');
    const r = await send(bad.method, bad.path, substitute(bad.request));
    expect(r.status).toBe(400);
    expect(shape(r.body)).toEqual(shape(bad.response));
    expect((r.body as { detail: string }).detail).toMatch(/data/);

    const malformed = await send('POST', '/api/v1/forward_backward', '{"model_id": ');
    expect(malformed.status).toBe(400);
    expect((malformed.body as { detail: string }).detail).toMatch(/not valid JSON/);

    // Input the backend refuses before queuing: a target per token is required.
    const datum = datumFromSequence({ tokens: [1, 2, 3, 4] });
    datum.loss_fn_inputs.target_tokens.data.pop();
    datum.loss_fn_inputs.target_tokens.shape = [2];
    const misaligned = await send('POST', '/api/v1/forward_backward', {
      model_id: live.get(FIX_MODEL),
      forward_backward_input: { data: [datum], loss_fn: 'cross_entropy' },
    });
    expect(misaligned.status).toBe(400);
    expect((misaligned.body as { detail: string }).detail).toMatch(/2 values for 3 model_input tokens/);

    const unknownLoss = await send('POST', '/api/v1/forward_backward', {
      model_id: live.get(FIX_MODEL),
      forward_backward_input: { data: [datumFromSequence({ tokens: [1, 2, 3] })], loss_fn: 'cispo' },
    });
    expect(unknownLoss.status).toBe(400);
    expect((unknownLoss.body as { detail: string }).detail).toMatch(/cispo.*not implemented/);

    // A LoRA model (the engine's adapters on the frozen base): created in the fixture's shapes, and get_info says so.
    const lora = await exchange('create_model.lora');
    const loraInfo = await send('POST', '/api/v1/get_info', { model_id: lora.response.model_id });
    expect(loraInfo.status).toBe(200);
    expect(loraInfo.body).toMatchObject({ is_lora: true, lora_rank: 8 });
    expect(shape(loraInfo.body)).toEqual(shape({ ...(fx('get_info').response as object), lora_rank: 8 }));

    const huge = {
      model_id: live.get(FIX_MODEL),
      forward_backward_input: {
        data: [datumFromSequence({ tokens: Array.from({ length: 6000 }, (_, i) => i % 500) })],
        loss_fn: 'cross_entropy',
      },
    };
    const over = await send('POST', '/api/v1/forward_backward', huge);
    expect(over.status).toBe(400);
    expect((over.body as { detail: string }).detail).toMatch(/exceeds the limit of 20972 bytes/);

    expect((await send('GET', '/api/v1/healthz', null)).status).toBe(200);
    const info = await send('POST', '/api/v1/get_info', { model_id: live.get(FIX_MODEL) });
    expect(info.status).toBe(200);
  });

  it('wants the API key: 401 without, 403 wrong', async () => {
    const missing = fx('error.missing_key');
    const r1 = await send(missing.method, missing.path, missing.request, {});
    expect(r1.status).toBe(401);
    expect(r1.body).toEqual(missing.response);
    const wrong = fx('error.wrong_key');
    const r2 = await send(wrong.method, wrong.path, wrong.request, { 'x-api-key': 'tml-wrong' });
    expect(r2.status).toBe(403);
    expect(r2.body).toEqual(wrong.response);
    // healthz is a probe: open.
    expect((await send('GET', '/api/v1/healthz', null, {})).status).toBe(200);
  });
});

describe('our client sends the fixture request bodies', () => {
  const tokens = [1, 42, 77, 105, 300, 12];
  const ceDatum = datumFromSequence({ tokens, weights: [0, 0, 0, 1, 1, 1] });
  const rlDatum = datumFromSequence({
    tokens,
    logprobs: [0, 0, 0, -1.2, -0.7, -2.3],
    advantages: [0, 0, 0, 0.5, 0.5, 0.5],
  });
  const path = `tinker://${FIX_MODEL}`;
  const cases: Array<[string, unknown]> = [
    ['create_session', requestBodies.createSession(['cod'])],
    ['session_heartbeat', requestBodies.sessionHeartbeat(FIX_SESSION)],
    ['create_model', requestBodies.createModel(FIX_SESSION, 0, 'builtin', undefined)],
    [
      'create_model.lora',
      requestBodies.createModel(FIX_SESSION, 1, 'builtin', {
        rank: 8,
        alpha: 32,
        seed: 0,
        targets: { attn: true, mlp: true, unembed: true },
      }),
    ],
    ['get_info', requestBodies.getInfo(FIX_MODEL)],
    ['forward', requestBodies.forward(FIX_MODEL, 1, { data: [ceDatum], loss_fn: 'cross_entropy' })],
    [
      'forward_backward.cross_entropy',
      requestBodies.forwardBackward(FIX_MODEL, 2, { data: [ceDatum], loss_fn: 'cross_entropy' }),
    ],
    [
      'forward_backward.importance_sampling',
      requestBodies.forwardBackward(FIX_MODEL, 3, { data: [rlDatum], loss_fn: 'importance_sampling' }),
    ],
    [
      'forward_backward.ppo',
      requestBodies.forwardBackward(FIX_MODEL, 4, {
        data: [rlDatum],
        loss_fn: 'ppo',
        loss_fn_config: { clip_low_threshold: 0.8, clip_high_threshold: 1.2 },
      }),
    ],
    [
      'optim_step',
      requestBodies.optimStep(FIX_MODEL, 5, {
        learning_rate: 1e-4,
        beta1: 0.9,
        beta2: 0.95,
        eps: 1e-12,
        weight_decay: 0,
        grad_clip_norm: 1,
      }),
    ],
    ['save_weights_for_sampler', requestBodies.saveWeightsForSampler(FIX_MODEL, 6, 'step-1')],
    [
      'asample',
      requestBodies.asample({
        prompt: [1, 42, 77],
        params: { max_tokens: 4, seed: 7, stop: [5], temperature: 1, top_k: -1, top_p: 1 },
        numSamples: 2,
        modelPath: `${path}/sampler_weights/step-1`,
      }),
    ],
    [
      'asample.base_model',
      requestBodies.asample({
        prompt: [1, 42, 77],
        params: { max_tokens: 4, temperature: 0.7, top_k: 50, top_p: 0.9 },
        numSamples: 1,
        baseModel: 'builtin',
      }),
    ],
    ['save_weights', requestBodies.saveWeights(FIX_MODEL, 7, 'step-1')],
    ['load_weights', requestBodies.loadWeights(FIX_MODEL_2, 1, `${path}/weights/step-1`, true)],
    ['unload_model', requestBodies.unloadModel(FIX_MODEL_2)],
    ['retrieve_future', requestBodies.retrieveFuture('4')],
  ];
  for (const [name, body] of cases)
    it(name, () => {
      expect(body).toEqual(fx(name).request);
    });
});
