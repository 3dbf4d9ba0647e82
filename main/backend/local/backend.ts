/**
 * The local training backend: the workbench's own engine behind the backend API, embedded (no server, no network).
 * Each created model is a trainer worker thread (ModelRuntime: weights, Adam state, the gradient accumulator); each
 * base model has one policy worker thread (the continuous-batching Sampler) that serves every sampler weight version
 * of that base, one version at a time (WeightsGate). Calls on one model run in order; sampling runs beside them.
 *
 * Bad input is refused synchronously, before anything is queued: a method throws a CodError instead of returning a
 * promise. (`await` sees both the same way; the HTTP server turns the first into a 400.)
 */
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CodError } from '../../base/errors.ts';
import { loadCheckpoint } from '../../models/checkpoint.ts';
import { readConfigFile, toHfConfig, type ModelConfig } from '../../models/config.ts';
import { loadTokenizer, TOKENIZER_FILE } from '../../models/tokenizer/tokenizer.ts';
import { parameterSpecs } from '../../models/transformer.ts';
import type { WorkerHandle, WorkerHost } from '../compute-workers.ts';
import { packWeights, unpackTensors } from '../../models/weight-list.ts';
import { adapterSpecs, loadAdapter, type LoraSettings } from '../../models/adapter.ts';
import { loraSettingsSchema, type TrainerLoraInit } from './worker-init.ts';
import {
  loraSettingsOf,
  type CreateModelSpec,
  type SampleSpec,
  type TrainingBackend,
  type TrainingModel,
} from '../backend.ts';
import { formatTinkerPath, parseSavedPath, parseTinkerPath } from '../tinker-path.ts';
import {
  adamParams,
  CHECKPOINT_NAME,
  forwardBackwardOutput,
  optimStepResponse,
  sampleResponse,
  type AdamParams,
  type ForwardBackwardInput,
  type ForwardBackwardOutput,
  type GetInfoResponse,
  type GetServerCapabilitiesResponse,
  type OptimStepResponse,
  type SampleResponse,
} from '../wire.ts';
import { LOCAL_LOSSES } from './losses.ts';
import { checkPass } from './model-pass.ts';
import { SampleGather } from './sample-gather.ts';
import { WeightsGate } from './weights-gate.ts';
import {
  loadSamplerWeights,
  loadTrainingState,
  saveSamplerAdapter,
  saveSamplerWeights,
  saveTrainingState,
  weightsDir,
  type Weights,
} from './weights-store.ts';

/** A base model: its directory, or its directory with a PEFT adapter applied (sampled as base + adapter). */
export type LocalBaseModel = string | { readonly dir: string; readonly adapter: string };

export interface LocalBackendOptions {
  /** Base models by name (what create_model's base_model and sample's base_model name). */
  readonly models: Readonly<Record<string, LocalBaseModel>>;
  /** Where save_weights and save_weights_for_sampler write (ROOT/<model_id>/…). */
  readonly weightsRoot: string;
  readonly workers: WorkerHost;
  /** onnxruntime intra-op threads per trainer / sampler worker (default 1 each). */
  readonly trainThreads?: number;
  readonly sampleThreads?: number;
  /** Most tokens (rows × width) in one engine run of forward / forward_backward (default 4096). */
  readonly microBatchTokens?: number;
  /** Recompute each decoder layer's activations in the backward pass (default off). */
  readonly recomputeLayers?: boolean;
  /** Sampler weight versions kept in memory besides on disk (default 4). */
  readonly samplerCache?: number;
  /** Most samples in one sample call (default 64). */
  readonly maxSamples?: number;
  /**
   * Sample calls arriving within this many ms of each other share a sampler batch (default 0: those of one tick).
   * A server sets it, so a client's concurrent requests are batched as they would be in process (sample-gather.ts).
   */
  readonly sampleGatherMs?: number;
}

interface SampleResult {
  readonly tokenIds: number[];
  readonly logprobs: number[];
  readonly finish: string;
}

const samplerStateSchema = z.strictObject({
  format: z.literal('cod-backend-sampler/1'),
  baseModel: z.string(),
  /** A LoRA model's sampler weights: the adapter's settings (the directory is a PEFT adapter). */
  lora: loraSettingsSchema.optional(),
});
type SamplerState = z.infer<typeof samplerStateSchema>;
const SAMPLER_STATE = 'backend-sampler.json';

interface BaseModel {
  readonly name: string;
  readonly dir: string;
  readonly config: ModelConfig;
  /** What ends generation: config.json's eos_token_id and the tokenizer's eos token (as vLLM stops on both). */
  readonly eosIds: readonly number[];
  /** A base registered with an adapter: sampling it samples base + adapter; it cannot be trained. */
  readonly adapter?: { readonly dir: string; readonly settings: LoraSettings };
}

/** The tensors a model of `config` trains and publishes: every parameter, or a LoRA adapter's. */
function trainableSpecs(config: ModelConfig, lora: LoraSettings | undefined) {
  return lora ? adapterSpecs(config, lora) : parameterSpecs(config);
}

/** Sampler workers are per base and per LoRA shape (an adapter's settings fix its tensors and its graphs). */
function poolKey(base: string, lora: LoraSettings | undefined): string {
  return lora ? `${base}#lora:${lora.rank}:${lora.alpha}:${[...lora.targets].sort().join(',')}` : base;
}

/** A sampler worker for one base model and the weight versions it has been given, numbered on first use. */
class SamplerPool {
  private readonly versions = new Map<string, number>();
  private readonly keys = new Map<number, string>();
  private next = 1;
  private readonly gate: WeightsGate;
  readonly gather: SampleGather<unknown, SampleResult>;

  constructor(
    readonly worker: WorkerHandle,
    baseKey: string,
    load: (key: string) => Promise<Weights>,
    gatherMs: number,
  ) {
    this.versions.set(baseKey, 0);
    this.keys.set(0, baseKey);
    this.gate = new WeightsGate(0, async (version) => {
      const w = packWeights(await load(this.keys.get(version)!));
      await worker.call('setWeights', { version, weights: w.list }, w.transfer);
    });
    this.gather = new SampleGather((key, reqs) => {
      const call = this.run(key, () => worker.call<SampleResult[]>('sample', reqs));
      this.inFlight.add(call);
      void call.finally(() => this.inFlight.delete(call)).catch(() => undefined);
      return call;
    }, gatherMs);
  }

  private readonly inFlight = new Set<Promise<unknown>>();

  /**
   * Stops the worker. Sampling still running is cancelled first (it rejects at the sampler's next chunk) and waited
   * for, at most `waitMs`: ending a thread inside an onnxruntime run can abort the whole process.
   */
  async close(waitMs = 30_000): Promise<void> {
    if (this.inFlight.size > 0) {
      await this.worker.call('cancel', null).catch(() => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => (timer = setTimeout(r, waitMs)))]);
      clearTimeout(timer);
    }
    await this.worker.close();
  }

  /** Runs `fn` while the worker holds the weights named `key`. */
  private run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let v = this.versions.get(key);
    if (v === undefined) {
      v = this.next++;
      this.versions.set(key, v);
      this.keys.set(v, key);
    }
    return this.gate.run(v, fn);
  }

  /** `key` now names other weights: its next use loads them afresh. */
  forget(key: string): void {
    this.versions.delete(key);
  }
}

export class LocalBackend implements TrainingBackend {
  readonly name = 'local';
  readonly losses = LOCAL_LOSSES;
  private readonly bases = new Map<string, Promise<BaseModel>>();
  private readonly pools = new Map<string, Promise<SamplerPool>>();
  private readonly models = new Map<string, LocalModel>();
  /** Sampler weights by tinker path: their base model, and (for the most recent few) the weights themselves. */
  private readonly samplerBase = new Map<string, SamplerState | Promise<SamplerState>>();
  private readonly samplerCache = new Map<string, Weights>();
  private closed = false;

  constructor(private readonly o: LocalBackendOptions) {
    for (const [name, m] of Object.entries(o.models))
      if (!CHECKPOINT_NAME.test(name))
        throw new CodError('bad_config', `model name '${name}' must be letters, digits, _ and -`, 'models');
      else if (!existsSync(typeof m === 'string' ? m : m.dir))
        throw new CodError('not_found', 'model directory not found', typeof m === 'string' ? m : m.dir);
      else if (typeof m !== 'string' && !existsSync(m.adapter))
        throw new CodError('not_found', 'adapter directory not found', m.adapter);
  }

  /** A base model's directory; throws at once for a name this backend does not have. */
  private baseDir(name: string): string {
    const m = Object.hasOwn(this.o.models, name) ? this.o.models[name] : undefined;
    if (!m)
      throw new CodError(
        'not_found',
        `no base model '${name}' (this backend has ${Object.keys(this.o.models).join(', ')})`,
        'base_model',
      );
    return typeof m === 'string' ? m : m.dir;
  }

  /** The base model's config (read once). */
  private base(name: string): Promise<BaseModel> {
    const dir = this.baseDir(name);
    let b = this.bases.get(name);
    if (!b) {
      b = (async () => {
        const config = await readConfigFile(join(dir, 'config.json'));
        const tokenizerEos = existsSync(join(dir, TOKENIZER_FILE)) ? (await loadTokenizer(dir)).eosTokenId : undefined;
        const eosIds = [
          ...new Set([...(config.eosTokenId ?? []), ...(tokenizerEos !== undefined ? [tokenizerEos] : [])]),
        ];
        const m = this.o.models[name];
        // The adapter is read whole against the base now: one that does not fit fails here, not mid-sampling.
        const adapter =
          typeof m === 'string'
            ? undefined
            : { dir: m.adapter, settings: (await loadAdapter(m.adapter, config)).settings };
        return { name, dir, config, eosIds, ...(adapter ? { adapter } : {}) };
      })();
      this.bases.set(name, b);
    }
    return b;
  }

  async capabilities(): Promise<GetServerCapabilitiesResponse> {
    const names = Object.keys(this.o.models);
    const configs = await Promise.all(names.map((n) => this.base(n)));
    return {
      supported_models: configs.map((b) => ({
        model_name: b.name,
        max_context_length: b.config.maxPositionEmbeddings,
      })),
    };
  }

  createModel(spec: CreateModelSpec): Promise<TrainingModel> {
    this.checkOpen();
    this.baseDir(spec.baseModel);
    const modelId = spec.modelId ?? `model_${randomBytes(4).toString('hex')}`;
    if (!CHECKPOINT_NAME.test(modelId) || this.models.has(modelId))
      throw new CodError('bad_input', `model id '${modelId}' is malformed or taken`, 'model_id');
    const specLora = spec.lora;
    const fresh = specLora ? loraSettingsOf(specLora) : undefined;
    return (async () => {
      const base = await this.base(spec.baseModel);
      if (base.adapter)
        throw new CodError(
          'unsupported',
          `base model '${base.name}' is served with an adapter for sampling only; it cannot be trained`,
          'base_model',
        );
      const common = {
        hfConfig: toHfConfig(base.config),
        threads: this.o.trainThreads ?? 1,
        microBatchTokens: this.o.microBatchTokens ?? 4096,
        ...(this.o.recomputeLayers ? { recomputeLayers: true } : {}),
      };
      let worker: WorkerHandle;
      let lora: LoraSettings | undefined;
      if (specLora && fresh) {
        // A given adapter is read (and checked against the base) here, for its settings and a clear error.
        lora = specLora.adapter ? (await loadAdapter(specLora.adapter, base.config)).settings : fresh;
        const init: TrainerLoraInit = {
          modelDir: base.dir,
          settings: { rank: lora.rank, alpha: lora.alpha, targets: [...lora.targets] },
          seed: specLora.seed,
          init: specLora.init ?? 'zero-b',
          ...(specLora.adapter ? { adapter: specLora.adapter } : {}),
        };
        worker = await this.o.workers.start('trainer', { ...common, lora: init });
      } else {
        const w = packWeights((await loadCheckpoint(base.dir)).weights);
        worker = await this.o.workers.start('trainer', { ...common, weights: w.list });
      }
      const model = new LocalModel(this, modelId, base, worker, lora);
      this.models.set(model.modelId, model);
      return model;
    })();
  }

  model(id: string): LocalModel | undefined {
    return this.models.get(id);
  }

  forget(id: string): void {
    this.models.delete(id);
  }

  get weightsRoot(): string {
    return this.o.weightsRoot;
  }

  /** Registers sampler weights under `path` (memory, and disk for later or for another process). */
  async publishSampler(path: string, base: BaseModel, weights: Weights, lora?: LoraSettings): Promise<void> {
    const dir = weightsDir(this.o.weightsRoot, parseTinkerPath(path, 'sampler_weights'));
    if (lora) await saveSamplerAdapter(dir, base.dir, base.config, lora, weights);
    else await saveSamplerWeights(dir, base.dir, base.config, weights);
    const state: SamplerState = {
      format: 'cod-backend-sampler/1',
      baseModel: base.name,
      ...(lora ? { lora: { rank: lora.rank, alpha: lora.alpha, targets: [...lora.targets] } } : {}),
    };
    await writeFile(join(dir, SAMPLER_STATE), JSON.stringify(state));
    this.samplerBase.set(path, state);
    this.remember(path, weights);
    // A name saved again holds new weights: drop the version the workers had for it.
    for (const p of this.pools.values()) void p.then((pool) => pool.forget(path)).catch(() => undefined);
  }

  private remember(key: string, w: Weights): void {
    this.samplerCache.delete(key);
    this.samplerCache.set(key, w);
    while (this.samplerCache.size > (this.o.samplerCache ?? 4))
      this.samplerCache.delete(this.samplerCache.keys().next().value as string);
  }

  private async samplerWeights(key: string, base: BaseModel): Promise<Weights> {
    const hit = this.samplerCache.get(key);
    if (hit) return hit;
    const w = key.startsWith('base:')
      ? base.adapter
        ? (await loadAdapter(base.adapter.dir, base.config)).weights
        : (await loadCheckpoint(base.dir)).weights
      : await loadSamplerWeights(weightsDir(this.o.weightsRoot, parseTinkerPath(key, 'sampler_weights')), base.config);
    this.remember(key, w);
    return w;
  }

  /**
   * Which base model (and LoRA shape) a sampler path belongs to (memory, else its directory's record). One read per
   * path, shared by every call waiting on it, so calls made together still reach the sampler together.
   */
  private samplerBaseOf(path: string): SamplerState | Promise<SamplerState> {
    const known = this.samplerBase.get(path);
    if (known) return known;
    const read = (async () => {
      const dir = weightsDir(this.o.weightsRoot, parseTinkerPath(path, 'sampler_weights', 'model_path'));
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(join(dir, SAMPLER_STATE), 'utf8'));
      } catch {
        throw new CodError('not_found', `no sampler weights at ${path}`, 'model_path');
      }
      return samplerStateSchema.parse(raw);
    })();
    this.samplerBase.set(path, read);
    read.then(
      (st) => this.samplerBase.set(path, st),
      () => this.samplerBase.delete(path),
    );
    return read;
  }

  /**
   * The sampler worker of a base and LoRA shape. Its first weights: the base's own (or the adapter it is registered
   * with), or for a LoRA shape of a plain base a fresh zero-B adapter (key `init:…`, which nothing samples by name).
   */
  private pool(base: BaseModel, lora: LoraSettings | undefined): Promise<SamplerPool> {
    const key = poolKey(base.name, lora);
    let p = this.pools.get(key);
    if (!p) {
      const settings = base.adapter?.settings ?? lora;
      const first = base.adapter || !lora ? `base:${base.name}` : `init:${key}`;
      p = this.o.workers
        .start('policy', {
          modelDir: base.dir,
          threads: this.o.sampleThreads ?? 1,
          temperature: 1,
          ...(settings
            ? {
                lora: {
                  settings: { rank: settings.rank, alpha: settings.alpha, targets: [...settings.targets] },
                  ...(base.adapter ? { adapter: base.adapter.dir } : {}),
                },
              }
            : {}),
        })
        .then(
          (worker) => new SamplerPool(worker, first, (k) => this.samplerWeights(k, base), this.o.sampleGatherMs ?? 0),
        );
      this.pools.set(key, p);
    }
    return p;
  }

  sample(spec: SampleSpec): Promise<SampleResponse> {
    this.checkOpen();
    const n = spec.numSamples ?? 1;
    const max = this.o.maxSamples ?? 64;
    if (!(Number.isInteger(n) && n >= 1 && n <= max))
      throw new CodError('bad_input', `must be 1..${max}, got ${n}`, 'num_samples');
    const p = spec.params;
    if (p.max_tokens == null) throw new CodError('bad_input', 'max_tokens is required', 'sampling_params.max_tokens');
    if ((spec.modelPath == null) === (spec.baseModel == null))
      throw new CodError('bad_input', 'give exactly one of model_path and base_model', 'sample');
    if (spec.prompt.length === 0) throw new CodError('bad_input', 'the prompt has no tokens', 'prompt');
    if (spec.modelPath != null) parseTinkerPath(spec.modelPath, 'sampler_weights', 'model_path');
    else this.baseDir(spec.baseModel!);
    const stop = p.stop == null ? [] : typeof p.stop === 'string' ? [p.stop] : p.stop;
    const stopStrings = stop.filter((s): s is string => typeof s === 'string');
    const stopTokens = stop.filter((s): s is number => typeof s === 'number');
    if (stopStrings.some((s) => s.length === 0))
      throw new CodError('bad_input', 'stop strings must not be empty', 'sampling_params.stop');
    const seed = p.seed ?? randomInt(0, 2 ** 31 - 1);
    return (async () => {
      const saved = spec.modelPath != null ? await this.samplerBaseOf(spec.modelPath) : undefined;
      const base = await this.base(saved?.baseModel ?? spec.baseModel!);
      const V = base.config.vocabSize;
      const bad = spec.prompt.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= V);
      if (bad >= 0)
        throw new CodError('bad_input', `token id ${spec.prompt[bad]} out of vocabulary [0, ${V})`, `prompt[${bad}]`);
      if (spec.prompt.length >= base.config.maxPositionEmbeddings)
        throw new CodError(
          'bad_input',
          `prompt of ${spec.prompt.length} tokens leaves no room in the context of ${base.config.maxPositionEmbeddings}`,
          'prompt',
        );
      const key = spec.modelPath ?? `base:${base.name}`;
      const pool = await this.pool(base, saved ? saved.lora : base.adapter?.settings);
      const eosIds = [...new Set([...stopTokens, ...base.eosIds])];
      const reqs = Array.from({ length: n }, (_, i) => ({
        promptIds: [...spec.prompt],
        maxNewTokens: p.max_tokens!,
        temperature: p.temperature,
        topK: p.top_k > 0 ? p.top_k : 0,
        topP: p.top_p,
        seed: `${seed}:${i}`,
        stop: stopStrings,
        eosIds,
      }));
      const results = await pool.gather.submit({ key, seed, prompt: spec.prompt, reqs });
      return sampleResponse.parse({
        sequences: results.map((r) => ({
          stop_reason: r.finish === 'eos' || r.finish === 'stop' ? 'stop' : 'length',
          tokens: r.tokenIds,
          logprobs: r.logprobs,
        })),
      });
    })();
  }

  downloadCheckpoint(path: string, dir: string): Promise<void> {
    const src = weightsDir(this.o.weightsRoot, parseTinkerPath(path, 'sampler_weights', 'path'));
    if (existsSync(dir)) throw new CodError('conflict', 'the download directory already exists', dir);
    return (async () => {
      if (!existsSync(join(src, SAMPLER_STATE)))
        throw new CodError('not_found', `no sampler weights at ${path}`, 'path');
      await mkdir(dir, { recursive: true });
      // Everything but the backend's own record: what remains is the HF model directory it saved.
      await cp(src, dir, { recursive: true, filter: (f) => !f.endsWith(`/${SAMPLER_STATE}`) });
    })();
  }

  deleteCheckpoint(path: string): Promise<void> {
    const p = parseSavedPath(path);
    return (async () => {
      if (p.kind === 'sampler_weights') {
        this.samplerCache.delete(path);
        for (const pool of this.pools.values()) void pool.then((x) => x.forget(path)).catch(() => undefined);
      }
      await rm(weightsDir(this.o.weightsRoot, p), { recursive: true, force: true });
    })();
  }

  private checkOpen(): void {
    if (this.closed) throw new CodError('conflict', 'the backend is closed', 'backend');
  }

  async close(): Promise<void> {
    this.closed = true;
    const models = [...this.models.values()];
    this.models.clear();
    for (const m of models) await m.close();
    for (const p of this.pools.values()) await (await p.catch(() => null))?.close();
    this.pools.clear();
  }
}

export class LocalModel implements TrainingModel {
  private queue: Promise<unknown> = Promise.resolve();
  /** Calls made on this model (load_weights is allowed only while this is 0). */
  private calls = 0;
  private closed = false;

  constructor(
    private readonly backend: LocalBackend,
    readonly modelId: string,
    private readonly base: BaseModel,
    private readonly worker: WorkerHandle,
    /** A LoRA model's adapter settings (absent: a full fine-tune). */
    readonly lora?: LoraSettings,
  ) {}

  /** The tensors this model trains: every parameter, or its adapter's. */
  private get specs() {
    return trainableSpecs(this.base.config, this.lora);
  }

  get baseModel(): string {
    return this.base.name;
  }

  /** Runs `fn` after every earlier call on this model. */
  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new CodError('conflict', `model ${this.modelId} is closed`, 'model_id');
    this.calls++;
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async info(): Promise<GetInfoResponse> {
    return {
      type: 'get_info',
      model_data: { arch: this.base.config.architecture, model_name: this.base.name, tokenizer_id: this.base.name },
      model_id: this.modelId,
      is_lora: this.lora !== undefined,
      ...(this.lora ? { lora_rank: this.lora.rank } : {}),
      model_name: this.base.name,
    };
  }

  forward(input: ForwardBackwardInput): Promise<ForwardBackwardOutput> {
    checkPass(this.base.config, input);
    return this.enqueue(async () => forwardBackwardOutput.parse(await this.worker.call('forward', input)));
  }

  forwardBackward(input: ForwardBackwardInput): Promise<ForwardBackwardOutput> {
    checkPass(this.base.config, input);
    return this.enqueue(async () => forwardBackwardOutput.parse(await this.worker.call('forwardBackward', input)));
  }

  optimStep(adam: AdamParams): Promise<OptimStepResponse> {
    const a = adamParams.parse(adam);
    return this.enqueue(async () => optimStepResponse.parse(await this.worker.call('optimStep', a)));
  }

  saveWeights(name: string): Promise<{ path: string }> {
    const path = formatTinkerPath({ modelId: this.modelId, kind: 'weights', name: checkName(name) });
    return this.enqueue(async () => {
      const st = await this.worker.call<{ weights: unknown; m: unknown; v: unknown; step: number }>('state', null);
      const specs = this.specs;
      await saveTrainingState(
        weightsDir(this.backend.weightsRoot, parseTinkerPath(path, 'weights')),
        this.base.name,
        this.base.dir,
        {
          config: this.base.config,
          weights: unpackTensors(specs, st.weights, 'state'),
          optimizer: {
            step: st.step,
            m: unpackTensors(specs, st.m, 'state m'),
            v: unpackTensors(specs, st.v, 'state v'),
          },
          ...(this.lora ? { lora: this.lora } : {}),
        },
      );
      return { path };
    });
  }

  saveWeightsForSampler(name: string): Promise<{ path: string }> {
    const path = formatTinkerPath({ modelId: this.modelId, kind: 'sampler_weights', name: checkName(name) });
    return this.enqueue(async () => {
      const w = unpackTensors(this.specs, await this.worker.call('weights', null), 'weights');
      await this.backend.publishSampler(path, this.base, w, this.lora);
      return { path };
    });
  }

  loadWeights(path: string, opts: { optimizer: boolean }): Promise<void> {
    if (this.calls > 0)
      throw new CodError(
        'conflict',
        `load_weights is allowed only as a model's first call (model ${this.modelId} has had ${this.calls}); create a new model to load into`,
        'load_weights',
      );
    const dir = weightsDir(this.backend.weightsRoot, parseTinkerPath(path, 'weights'));
    return this.enqueue(async () => {
      const st = await loadTrainingState(dir, this.base.config);
      const shape = (lora: LoraSettings | undefined) =>
        lora
          ? `a LoRA adapter (rank ${lora.rank}, alpha ${lora.alpha}, ${[...lora.targets].sort().join(' ')})`
          : 'a full fine-tune';
      if (shape(st.lora) !== shape(this.lora))
        throw new CodError(
          'bad_checkpoint',
          `saved weights are ${shape(st.lora)} but model ${this.modelId} is ${shape(this.lora)}`,
          path,
        );
      const want = parameterSpecs(this.base.config);
      const got = parameterSpecs(st.config);
      if (JSON.stringify(want) !== JSON.stringify(got))
        throw new CodError(
          'bad_checkpoint',
          `saved weights of base '${st.baseModel}' do not fit model ${this.modelId} (base '${this.base.name}')`,
          path,
        );
      const w = packWeights(st.weights);
      const m = packWeights(st.optimizer.m);
      const v = packWeights(st.optimizer.v);
      await this.worker.call(
        'loadState',
        { weights: w.list, optimizer: opts.optimizer ? { step: st.optimizer.step, m: m.list, v: v.list } : null },
        [...w.transfer, ...m.transfer, ...v.transfer],
      );
    });
  }

  /** The gradients accumulated since the last optim_step (inspection; not part of the wire API). */
  async accumulatedGrads(): Promise<Weights> {
    await this.queue;
    const list = await this.worker.call<Array<[string, Float32Array]>>('grads', null);
    return new Map(list);
  }

  /** The current weights (inspection; not part of the wire API). */
  async weights(): Promise<Weights> {
    await this.queue;
    return unpackTensors(this.specs, await this.worker.call('weights', null), 'weights');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    this.backend.forget(this.modelId);
    await this.worker.close();
  }
}

function checkName(name: string): string {
  if (!CHECKPOINT_NAME.test(name))
    throw new CodError('bad_input', `'${name}' must be one path segment of letters, digits, _ and -`, 'path');
  return name;
}
