/**
 * The remote backend: the backend API spoken to any Tinker-compatible server over its JSON wire API — skyrl-tx,
 * hosted Tinker, `cod backend serve`. (TuFT takes forward_backward as protobuf only; see docs/backends.md.)
 * A session is opened at the first create_model and kept alive with heartbeats (servers unload the models of a
 * silent session); each model numbers its training calls with seq_id so retries are deduplicated by the server.
 */
import type { z } from 'zod';
import { CodError } from '../../base/errors.ts';
import {
  DEFAULT_LORA_ALPHA,
  loraGroupsOf,
  type CreateModelSpec,
  type SampleSpec,
  type TrainingBackend,
  type TrainingModel,
} from '../backend.ts';
import { parseSavedPath } from '../tinker-path.ts';
import * as wire from '../wire.ts';
import { downloadArchive } from './archive.ts';
import { requestBodies } from './requests.ts';
import { Transport, type TransportOptions } from './transport.ts';

export interface RemoteBackendOptions extends Omit<TransportOptions, 'apiKey'> {
  /** Default: $TINKER_API_KEY. */
  readonly apiKey?: string;
  /** Session heartbeat period (default 10 s). */
  readonly heartbeatMs?: number;
  readonly tags?: readonly string[];
}

function parsed<T extends z.ZodType>(schema: T, body: unknown, server: string, what: string): z.output<T> {
  const r = schema.safeParse(body);
  if (!r.success)
    throw new CodError(
      'internal',
      `backend ${server} answered ${what} with an unexpected body: ${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`,
    );
  return r.data;
}

export class RemoteBackend implements TrainingBackend {
  readonly name: string;
  /** What the server's wire API names; which of them it implements, only the server knows (docs/backends.md). */
  readonly losses = wire.LOSS_FNS;
  readonly transport: Transport;
  private session: Promise<string> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private modelSeq = 0;
  private readonly models = new Set<RemoteModel>();

  constructor(private readonly o: RemoteBackendOptions) {
    const apiKey = o.apiKey ?? process.env.TINKER_API_KEY;
    this.transport = new Transport({ ...o, ...(apiKey ? { apiKey } : {}) });
    this.name = this.transport.baseUrl;
  }

  async capabilities(): Promise<wire.GetServerCapabilitiesResponse> {
    const body = await this.transport.ok('GET', 'get_server_capabilities', undefined, 'get_server_capabilities', true);
    return parsed(wire.getServerCapabilitiesResponse, body, this.name, 'get_server_capabilities');
  }

  private sessionId(): Promise<string> {
    if (!this.session) {
      this.session = (async () => {
        const body = await this.transport.ok(
          'POST',
          'create_session',
          requestBodies.createSession(this.o.tags ?? ['cod']),
          'create_session',
          false,
        );
        const id = parsed(wire.createSessionResponse, body, this.name, 'create_session').session_id;
        this.heartbeat = setInterval(() => {
          this.transport
            .call('POST', 'session_heartbeat', requestBodies.sessionHeartbeat(id), 'session_heartbeat', true)
            .catch((e: unknown) => this.o.onRetry?.(`session_heartbeat failed: ${(e as Error).message}`));
        }, this.o.heartbeatMs ?? 10_000);
        this.heartbeat.unref();
        return id;
      })();
      this.session.catch(() => (this.session = null));
    }
    return this.session;
  }

  async createModel(spec: CreateModelSpec): Promise<TrainingModel> {
    if (spec.lora && spec.lora.alpha !== DEFAULT_LORA_ALPHA)
      throw new CodError(
        'unsupported',
        `remote services fix LoRA alpha at ${DEFAULT_LORA_ALPHA}; got ${spec.lora.alpha}`,
        'lora.alpha',
      );
    // The wire's lora_config has target groups, a seed and rank only.
    if (spec.lora?.modules && !loraGroupsOf(spec.lora.modules))
      throw new CodError(
        'unsupported',
        `remote services adapt whole groups of modules (attention q/k/v/o_proj, MLP gate/up/down_proj, lm_head); got ${spec.lora.modules.join(', ')}`,
        'lora.targets',
      );
    if (spec.lora?.init && spec.lora.init !== 'zero-b')
      throw new CodError(
        'unsupported',
        `remote services start adapters with B = 0; got init ${spec.lora.init}`,
        'lora.init',
      );
    if (spec.lora?.adapter)
      throw new CodError(
        'unsupported',
        'a remote service cannot start from a local adapter directory (--adapter); train it on the local backend',
        'lora.adapter',
      );
    const session = await this.sessionId();
    const body = requestBodies.createModel(session, this.modelSeq++, spec.baseModel, spec.lora);
    const f = parsed(
      wire.untypedApiFuture,
      await this.transport.ok('POST', 'create_model', body, 'create_model', false),
      this.name,
      'create_model',
    );
    const result = parsed(
      wire.createModelResponse,
      await this.transport.result(f.request_id, 'create_model'),
      this.name,
      'create_model',
    );
    const model = new RemoteModel(this, result.model_id, spec.baseModel);
    this.models.add(model);
    return model;
  }

  async sample(spec: SampleSpec): Promise<wire.SampleResponse> {
    const body = requestBodies.asample({
      prompt: spec.prompt,
      params: spec.params,
      numSamples: spec.numSamples ?? 1,
      ...(spec.modelPath != null ? { modelPath: spec.modelPath } : {}),
      ...(spec.baseModel != null ? { baseModel: spec.baseModel } : {}),
    });
    // Sampling is seeded and has no side effect, so a retried asample is harmless.
    const f = parsed(
      wire.untypedApiFuture,
      await this.transport.ok('POST', 'asample', body, 'asample', true),
      this.name,
      'asample',
    );
    return parsed(wire.sampleResponse, await this.transport.result(f.request_id, 'asample'), this.name, 'asample');
  }

  downloadCheckpoint(path: string, dir: string): Promise<void> {
    return downloadArchive(this.transport, path, dir);
  }

  async deleteCheckpoint(path: string): Promise<void> {
    const p = parseSavedPath(path);
    const what = `delete_checkpoint ${path}`;
    const r = await this.transport.call(
      'DELETE',
      `training_runs/${p.modelId}/checkpoints/${p.kind}/${p.name}`,
      undefined,
      what,
      true,
    );
    // Already gone (404) is what was asked.
    if (r.status >= 300 && r.status !== 404)
      throw new CodError(
        r.status >= 500 ? 'internal' : 'bad_input',
        `backend ${this.name} refused ${what}: HTTP ${r.status}`,
      );
  }

  forget(m: RemoteModel): void {
    this.models.delete(m);
  }

  async close(): Promise<void> {
    for (const m of [...this.models]) await m.close().catch(() => undefined);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}

export class RemoteModel implements TrainingModel {
  private seq = 1;
  private closed = false;

  constructor(
    private readonly backend: RemoteBackend,
    readonly modelId: string,
    readonly baseModel: string,
  ) {}

  private get t(): Transport {
    return this.backend.transport;
  }

  /** A queued training call: POST (retried safely, it carries a seq_id), then its result. */
  private async queued<T extends z.ZodType>(
    endpoint: string,
    body: (seqId: number) => unknown,
    schema: T,
  ): Promise<z.output<T>> {
    if (this.closed) throw new CodError('conflict', `model ${this.modelId} is closed`, 'model_id');
    const what = `${endpoint} on ${this.modelId}`;
    const f = parsed(
      wire.untypedApiFuture,
      await this.t.ok('POST', endpoint, body(this.seq++), what, true),
      this.backend.name,
      what,
    );
    return parsed(schema, await this.t.result(f.request_id, what), this.backend.name, what);
  }

  async info(): Promise<wire.GetInfoResponse> {
    const body = await this.t.ok('POST', 'get_info', requestBodies.getInfo(this.modelId), 'get_info', true);
    return parsed(wire.getInfoResponse, body, this.backend.name, 'get_info');
  }

  forward(input: wire.ForwardBackwardInput): Promise<wire.ForwardBackwardOutput> {
    return this.queued('forward', (s) => requestBodies.forward(this.modelId, s, input), wire.forwardBackwardOutput);
  }

  forwardBackward(input: wire.ForwardBackwardInput): Promise<wire.ForwardBackwardOutput> {
    return this.queued(
      'forward_backward',
      (s) => requestBodies.forwardBackward(this.modelId, s, input),
      wire.forwardBackwardOutput,
    );
  }

  optimStep(adam: wire.AdamParams): Promise<wire.OptimStepResponse> {
    return this.queued('optim_step', (s) => requestBodies.optimStep(this.modelId, s, adam), wire.optimStepResponse);
  }

  async saveWeights(name: string): Promise<{ path: string }> {
    const r = await this.queued(
      'save_weights',
      (s) => requestBodies.saveWeights(this.modelId, s, name),
      wire.saveWeightsResponse,
    );
    return { path: r.path };
  }

  async saveWeightsForSampler(name: string): Promise<{ path: string }> {
    const r = await this.queued(
      'save_weights_for_sampler',
      (s) => requestBodies.saveWeightsForSampler(this.modelId, s, name),
      wire.saveWeightsForSamplerResponse,
    );
    if (!r.path) throw new CodError('internal', `backend ${this.backend.name} returned no path for sampler weights`);
    return { path: r.path };
  }

  async loadWeights(path: string, opts: { optimizer: boolean }): Promise<void> {
    await this.queued(
      'load_weights',
      (s) => requestBodies.loadWeights(this.modelId, s, path, opts.optimizer),
      wire.loadWeightsResponse,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.backend.forget(this);
    // A server that is gone has nothing to unload (and would take every retry to say so).
    if (this.t.unreachable) return;
    const what = `unload_model ${this.modelId}`;
    const f = parsed(
      wire.untypedApiFuture,
      await this.t.ok('POST', 'unload_model', requestBodies.unloadModel(this.modelId), what, true),
      this.backend.name,
      what,
    );
    await this.t.result(f.request_id, what);
  }
}
