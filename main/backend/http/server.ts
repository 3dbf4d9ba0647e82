/**
 * A TrainingBackend over HTTP with the Tinker JSON wire API under /api/v1 (what `cod backend serve` runs), so any
 * Tinker-compatible client — our RemoteBackend, or another tool — can train on this machine's engine.
 *
 * Queued calls (create_model, forward, forward_backward, optim_step, save/load weights, asample, unload_model) answer
 * a request id at once; retrieve_future waits up to `futureWaitMs` for the result, then answers 408 with a try_again
 * body. Saved sampler weights come back as a tar.gz through Tinker's checkpoint archive route. Bad requests (malformed JSON, a body over `maxBodyBytes`, a schema violation, input the backend refuses before
 * queuing) get 400 with `detail`; the connection of an oversized body is closed, the server goes on serving. With an
 * API key every route but healthz wants `X-API-Key` (401 missing, 403 wrong). Without one it binds loopback only and
 * answers only Host names of this machine, so a web page cannot reach it through DNS rebinding.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create as createTar } from 'tar';
import type { z } from 'zod';
import { CodError, isCodError } from '../../base/errors.ts';
import { DEFAULT_LORA_ALPHA, type SampleSpec, type TrainingBackend, type TrainingModel } from '../backend.ts';
import { formatTinkerPath } from '../tinker-path.ts';
import * as wire from '../wire.ts';
import { FutureStore } from './futures.ts';

export interface BackendServerOptions {
  readonly backend: TrainingBackend;
  /** Default 127.0.0.1. A host other than loopback needs an API key. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly apiKey?: string;
  /** Largest request body accepted (default 64 MiB). */
  readonly maxBodyBytes?: number;
  /** How long retrieve_future holds a request open before answering 408 (default 30 s; the SDK gives up at 45 s). */
  readonly futureWaitMs?: number;
  /** One line per request (method, path, status, milliseconds). */
  readonly log?: (line: string) => void;
}

export interface RunningBackendServer {
  /** http://host:port (the API is under /api/v1). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const JSON_ONLY = 'the body must be JSON (protobuf bodies are not supported)';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function statusOf(e: CodError): number {
  return e.code === 'not_found' ? 404 : e.code === 'internal' || e.code === 'io' ? 500 : 400;
}

function sameKey(given: string, key: string): boolean {
  // Hash both so the comparison is constant-time whatever their lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(key).digest();
  return timingSafeEqual(a, b);
}

function zodDetail(err: z.ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => `${i.path.length > 0 ? i.path.join('.') : 'body'}: ${i.message}`)
    .join('; ');
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body);
  if (!r.success) throw new HttpError(400, zodDetail(r.error));
  return r.data;
}

/** Reads the body as JSON within the size limit. */
function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > limit)
      return reject(new HttpError(400, `request body of ${declared} bytes exceeds the limit of ${limit} bytes`));
    const type = String(req.headers['content-type'] ?? '');
    if (type.toLowerCase().includes('protobuf'))
      return reject(new HttpError(400, `unsupported content-type '${type}': ${JSON_ONLY}`));
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new HttpError(400, `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text.length === 0 ? {} : JSON.parse(text));
      } catch (e) {
        reject(new HttpError(400, `body is not valid JSON: ${(e as Error).message}`));
      }
    });
    req.on('error', reject);
  });
}

/**
 * A checkpoint archive route: `training_runs/ID/checkpoints/CHECKPOINT/archive|download`, CHECKPOINT being
 * `sampler_weights/NAME` (the Tinker SDK's ParsedCheckpointTinkerPath.checkpoint_id) or `NAME` (SkyRL's form).
 */
const ARCHIVE_ROUTE =
  /^training_runs\/([^/]+)\/checkpoints\/(?:(weights|sampler_weights)\/)?([^/]+)\/(archive|download)$/;

/** Saved weights to delete (the Tinker SDK's delete_checkpoint): `training_runs/ID/checkpoints/KIND/NAME`. */
const CHECKPOINT_ROUTE = /^training_runs\/([^/]+)\/checkpoints\/(weights|sampler_weights)\/([^/]+)$/;

/** An answer that is not JSON: a redirect, or a stream of bytes. */
interface RawReply {
  readonly raw: true;
  readonly status: number;
  readonly headers: Record<string, string>;
  /** Writes the body and ends the response (after the status and headers went out). */
  readonly send?: (res: ServerResponse) => Promise<void>;
}

interface ModelEntry {
  readonly sessionId: string;
  model: TrainingModel | null;
  readonly ready: Promise<TrainingModel>;
}

export async function serveBackend(o: BackendServerOptions): Promise<RunningBackendServer> {
  const host = o.host ?? '127.0.0.1';
  const loopback = LOOPBACK.has(host);
  if (!loopback && !o.apiKey)
    throw new CodError('bad_config', `serving on ${host} (not loopback) needs an API key (--api-key)`, 'host');
  const limit = o.maxBodyBytes ?? 64 * 1024 * 1024;
  const waitMs = o.futureWaitMs ?? 30_000;
  const backend = o.backend;
  const futures = new FutureStore();
  const sessions = new Map<string, { heartbeats: number; last: number }>();
  const models = new Map<string, ModelEntry>();
  let port = 0;

  const session = (id: string): void => {
    if (!sessions.has(id)) throw new HttpError(404, `Session not found: ${id}`);
  };
  const entry = (id: string): ModelEntry => {
    const e = models.get(id);
    if (!e) throw new HttpError(404, `Model not found: ${id}`);
    return e;
  };
  /** Calls `fn` on the model now if it exists, else once its creation finishes. */
  const onModel = <T>(e: ModelEntry, fn: (m: TrainingModel) => Promise<T>): Promise<T> =>
    e.model ? fn(e.model) : e.ready.then(fn);
  /** Starts a queued call; the answer is the future's handle. */
  const queue = (
    modelId: string | null,
    endpoint: string,
    seqId: number | null | undefined,
    body: unknown,
    work: () => Promise<unknown>,
  ) => {
    const f = futures.submit(modelId, seqId == null ? null : { endpoint, seqId, body: JSON.stringify(body) }, work);
    return { request_id: f.id, model_id: f.modelId };
  };

  const post: Record<string, (body: unknown) => Promise<unknown> | unknown> = {
    create_session(body) {
      parse(wire.createSessionRequest, body);
      const id = `session_${randomBytes(4).toString('hex')}`;
      sessions.set(id, { heartbeats: 0, last: Date.now() });
      return { type: 'create_session', info_message: null, warning_message: null, error_message: null, session_id: id };
    },
    session_heartbeat(body) {
      const r = parse(wire.sessionHeartbeatRequest, body);
      session(r.session_id);
      const s = sessions.get(r.session_id)!;
      s.heartbeats++;
      s.last = Date.now();
      return { type: 'session_heartbeat' };
    },
    create_model(body) {
      const r = parse(wire.createModelRequest, body);
      session(r.session_id);
      const modelId = `model_${randomBytes(4).toString('hex')}`;
      const lora = r.lora_config
        ? {
            rank: r.lora_config.rank,
            alpha: DEFAULT_LORA_ALPHA,
            seed: r.lora_config.seed ?? 0,
            targets: {
              attn: r.lora_config.train_attn,
              mlp: r.lora_config.train_mlp,
              unembed: r.lora_config.train_unembed,
            },
          }
        : undefined;
      let ready!: Promise<TrainingModel>;
      const answer = queue(null, 'create_model', null, body, () => {
        ready = backend.createModel({ baseModel: r.base_model, modelId, ...(lora ? { lora } : {}) });
        return ready.then((m) => ({ model_id: m.modelId, type: 'create_model' }));
      });
      const e: ModelEntry = { sessionId: r.session_id, model: null, ready };
      models.set(modelId, e);
      ready.then(
        (m) => (e.model = m),
        () => models.delete(modelId),
      );
      return { request_id: answer.request_id, model_id: modelId };
    },
    async get_info(body) {
      const r = parse(wire.getInfoRequest, body);
      const info = await entry(r.model_id).ready;
      return { lora_rank: null, is_lora: false, ...(await info.info()) };
    },
    unload_model(body) {
      const r = parse(wire.unloadModelRequest, body);
      const e = entry(r.model_id);
      models.delete(r.model_id);
      return queue(r.model_id, 'unload_model', null, body, () =>
        onModel(e, async (m) => {
          await m.close();
          return { model_id: r.model_id, type: 'unload_model' };
        }),
      );
    },
    forward(body) {
      const r = parse(wire.forwardRequest, body);
      const e = entry(r.model_id);
      return queue(r.model_id, 'forward', r.seq_id, body, () => onModel(e, (m) => m.forward(r.forward_input)));
    },
    forward_backward(body) {
      const r = parse(wire.forwardBackwardRequest, body);
      const e = entry(r.model_id);
      return queue(r.model_id, 'forward_backward', r.seq_id, body, () =>
        onModel(e, (m) => m.forwardBackward(r.forward_backward_input)),
      );
    },
    optim_step(body) {
      const r = parse(wire.optimStepRequest, body);
      const e = entry(r.model_id);
      return queue(r.model_id, 'optim_step', r.seq_id, body, () => onModel(e, (m) => m.optimStep(r.adam_params)));
    },
    save_weights(body) {
      const r = parse(wire.saveWeightsRequest, body);
      const e = entry(r.model_id);
      const name = r.path ?? `weights-${Date.now()}`;
      return queue(r.model_id, 'save_weights', r.seq_id, body, () =>
        onModel(e, async (m) => ({ path: (await m.saveWeights(name)).path, type: 'save_weights' })),
      );
    },
    save_weights_for_sampler(body) {
      const r = parse(wire.saveWeightsForSamplerRequest, body);
      const e = entry(r.model_id);
      if (r.sampling_session_seq_id != null)
        throw new HttpError(400, 'sampling sessions are not supported: give `path` and sample with its model_path');
      const name = r.path ?? `sampler-${Date.now()}`;
      return queue(r.model_id, 'save_weights_for_sampler', r.seq_id, body, () =>
        onModel(e, async (m) => ({
          path: (await m.saveWeightsForSampler(name)).path,
          type: 'save_weights_for_sampler',
          sampling_session_id: null,
        })),
      );
    },
    load_weights(body) {
      const r = parse(wire.loadWeightsRequest, body);
      if (!r.model_id) throw new HttpError(400, 'Missing model_id (create the model first, then load into it)');
      const modelId = r.model_id;
      const e = entry(modelId);
      return queue(modelId, 'load_weights', r.seq_id, body, () =>
        onModel(e, async (m) => {
          await m.loadWeights(r.path, { optimizer: r.optimizer });
          return { path: r.path, model_id: modelId, type: 'load_weights' };
        }),
      );
    },
    asample(body) {
      const r = parse(wire.sampleRequest, body);
      if (r.sampling_session_id != null)
        throw new HttpError(400, 'sampling sessions are not supported: give model_path or base_model');
      if (r.prompt_logprobs || r.topk_prompt_logprobs > 0)
        throw new HttpError(400, 'prompt_logprobs are not supported by this backend');
      const spec: SampleSpec = {
        prompt: r.prompt.chunks.flatMap((c) => c.tokens),
        params: r.sampling_params,
        numSamples: r.num_samples,
        ...(r.model_path != null ? { modelPath: r.model_path } : {}),
        ...(r.base_model != null ? { baseModel: r.base_model } : {}),
      };
      return queue(null, 'asample', null, body, async () => {
        const out = await backend.sample(spec);
        return {
          ...out,
          prompt_logprobs: out.prompt_logprobs ?? null,
          topk_prompt_logprobs: out.topk_prompt_logprobs ?? null,
        };
      });
    },
  };

  /**
   * Tinker's checkpoint archive (SkyRL's shape): `archive` answers 302 to `download`, which streams the sampler
   * weights' files as a tar.gz (fetched from the backend into a scratch directory, removed afterwards).
   */
  async function archive(m: RegExpExecArray): Promise<RawReply> {
    const [, modelId, kind, name, action] = m;
    if (kind === 'weights')
      throw new HttpError(400, 'only sampler weights (tinker://ID/sampler_weights/NAME) can be downloaded');
    const path = formatTinkerPath({ modelId, kind: 'sampler_weights', name });
    const here = `/api/v1/training_runs/${modelId}/checkpoints/sampler_weights/${name}`;
    if (action === 'archive') {
      const expires = new Date(Date.now() + 3_600_000).toUTCString();
      return { raw: true, status: 302, headers: { location: `${here}/download`, expires, 'content-length': '0' } };
    }
    // The files first, so a missing checkpoint is still a 404 with detail; the scratch copy goes once sent.
    const scratch = await mkdtemp(join(tmpdir(), 'cod-archive-'));
    const dir = join(scratch, name);
    try {
      await backend.downloadCheckpoint(path, dir);
    } catch (e) {
      await rm(scratch, { recursive: true, force: true });
      throw e;
    }
    return {
      raw: true,
      status: 200,
      headers: {
        'content-type': 'application/gzip',
        'content-disposition': `attachment; filename="${modelId}_${name}.tar.gz"`,
      },
      async send(res) {
        try {
          const files = await readdir(dir);
          await new Promise<void>((resolve, reject) => {
            const tar = createTar({ gzip: true, cwd: dir, portable: true }, files);
            tar.on('error', reject);
            res.on('error', reject);
            res.on('close', () => resolve());
            tar.pipe(res);
          });
        } finally {
          await rm(scratch, { recursive: true, force: true });
        }
      },
    };
  }

  async function route(req: IncomingMessage): Promise<[number, unknown] | RawReply> {
    if (loopback && !o.apiKey) {
      const h = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      if (!LOOPBACK.has(h)) throw new HttpError(421, `this server answers only loopback host names, not '${h}'`);
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (!path.startsWith('/api/v1/')) throw new HttpError(404, `no route ${path}`);
    const name = path.slice('/api/v1/'.length);
    if (req.method === 'GET' && name === 'healthz') return [200, { status: 'ok' }];
    if (o.apiKey) {
      const key = req.headers['x-api-key'];
      if (typeof key !== 'string' || key === '') throw new HttpError(401, 'Missing API key');
      if (!sameKey(key, o.apiKey)) throw new HttpError(403, 'Invalid API key');
    }
    if (req.method === 'GET' && name === 'get_server_capabilities') return [200, await backend.capabilities()];
    const archiveRoute = req.method === 'GET' ? ARCHIVE_ROUTE.exec(name) : null;
    if (archiveRoute) return await archive(archiveRoute);
    const deleteRoute = req.method === 'DELETE' ? CHECKPOINT_ROUTE.exec(name) : null;
    if (deleteRoute) {
      const [, modelId, kind, checkpoint] = deleteRoute;
      await backend.deleteCheckpoint(
        formatTinkerPath({ modelId, kind: kind as 'weights' | 'sampler_weights', name: checkpoint }),
      );
      return [200, null];
    }
    if (req.method === 'POST' && name === 'retrieve_future') {
      const r = parse(wire.futureRetrieveRequest, await readJson(req, limit));
      const outcome = await futures.wait(r.request_id, waitMs);
      if (outcome === undefined) throw new HttpError(404, `Future not found: ${r.request_id}`);
      if (outcome === null) return [408, { type: 'try_again', request_id: r.request_id, queue_state: 'active' }];
      return [200, outcome.ok ? outcome.value : outcome.failure];
    }
    const handler = req.method === 'POST' && Object.hasOwn(post, name) ? post[name] : undefined;
    if (!handler)
      throw new HttpError(
        req.method === 'POST' || req.method === 'GET' || req.method === 'DELETE' ? 404 : 405,
        `no route ${req.method} ${path}`,
      );
    return [200, await handler(await readJson(req, limit))];
  }

  const http = createServer((req, res) => {
    const t0 = performance.now();
    const reply = (status: number, body: unknown, close = false): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        ...(close ? { connection: 'close' } : {}),
      });
      res.end(text);
      o.log?.(`${req.method} ${req.url} ${status} ${(performance.now() - t0).toFixed(0)}ms`);
    };
    const rawReply = async (r: RawReply): Promise<void> => {
      res.writeHead(r.status, r.headers);
      if (r.send) await r.send(res).catch((e: unknown) => res.destroy(e instanceof Error ? e : new Error(String(e))));
      else res.end();
      o.log?.(`${req.method} ${req.url} ${r.status} ${(performance.now() - t0).toFixed(0)}ms`);
    };
    route(req)
      .then((r) => (Array.isArray(r) ? reply(r[0], r[1]) : rawReply(r)))
      .then(
        () => undefined,
        (e: unknown) => {
          if (e instanceof HttpError) {
            // A body that was cut off is not drained: answer and drop the connection.
            const oversized = /exceeds the limit/.test(e.message);
            reply(e.status, { detail: e.message }, oversized);
            if (oversized) res.on('finish', () => req.destroy());
          } else if (isCodError(e)) reply(statusOf(e), { detail: e.message });
          else reply(500, { detail: `internal error: ${e instanceof Error ? e.message : String(e)}` });
        },
      );
  });
  http.requestTimeout = 0; // retrieve_future holds requests open on purpose

  await new Promise<void>((resolve, reject) => {
    http.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new CodError('conflict', `port ${o.port} on ${host} is in use; pick another with --port or use --port 0`)
          : e,
      ),
    );
    http.listen(o.port ?? 0, host, () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}`,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
      await backend.close();
    },
  };
}
