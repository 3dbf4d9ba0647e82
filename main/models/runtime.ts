/**
 * A model's weights and optimizer state in host memory, plus the compiled onnxruntime sessions that train and
 * score it. Sessions are cached per (graph kind, objective, rows x width) bucket.
 */
import {
  emitModelWithData,
  EngineSession,
  type HostTensor,
  type ProviderName,
  providersFromEnv,
  download,
} from '../engine/index.ts';
import { adapterSpecs, type LoraAdapter, type LoraSettings } from './adapter.ts';
import type { ModelConfig } from './config.ts';
import { buildApplyGraph, buildModelGraph, type BuildOptions, type GraphMode, type Objective } from './graphs.ts';
import type { PackedBatch } from './packing.ts';
import { externalFolderOf, parameterSpecs, type LoraBase, type WeightSource } from './transformer.ts';

export interface RuntimeOptions extends Omit<BuildOptions, 'weights'> {
  readonly providers?: readonly ProviderName[];
  readonly threads?: number;
  /** Compiled sessions kept (least recently used are released). */
  readonly maxSessions?: number;
  /** onnxruntime's CPU memory arena (see SessionOptions.memArena). */
  readonly memArena?: boolean;
  readonly onFallback?: (provider: ProviderName, reason: string) => void;
}

export interface OptimizerHyper {
  readonly lr: number;
  readonly weightDecay: number;
  readonly maxGradNorm: number;
  readonly beta1: number;
  readonly beta2: number;
  /** Adam's epsilon; absent = the runtime's build option (default 1e-8). A compile-time constant of the graph. */
  readonly eps?: number;
}

export interface StepResult {
  readonly loss: number;
  readonly gradNorm: number;
  readonly outputs: Record<string, HostTensor>;
}

const toI64 = (a: Int32Array): BigInt64Array => {
  const out = new BigInt64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = BigInt(a[i]);
  return out;
};

/**
 * Full fine-tuning (`new ModelRuntime(config, weights)`): every parameter is trainable, float32, fed each run.
 * LoRA (`ModelRuntime.lora(config, base, adapter)`): the base weights are frozen initializers of every compiled graph
 * (in their stored dtype; loaded once per session), and `specs` / `params` / the optimizer state are the adapter's
 * A and B tensors only, named as in adapter_model.safetensors. Every method works the same in both modes: `grads`
 * returns gradients of the trainable tensors, `trainStep` updates them.
 */
export class ModelRuntime {
  /** The trainable tensors (all parameters, or the adapter's). */
  readonly specs: ReadonlyArray<{ name: string; shape: number[] }>;
  readonly params: Map<string, Float32Array>;
  readonly source: WeightSource;
  private m = new Map<string, Float32Array>();
  private v = new Map<string, Float32Array>();
  /** Optimizer steps taken (bias correction). */
  step = 0;
  private sessions = new Map<string, Promise<EngineSession>>();
  providerUsed: ProviderName | undefined;

  constructor(
    readonly config: ModelConfig,
    weights: ReadonlyMap<string, Float32Array>,
    private readonly opts: RuntimeOptions = {},
    lora?: { base: LoraBase; adapter: LoraAdapter },
  ) {
    this.source = lora ? { kind: 'lora', base: lora.base, settings: lora.adapter.settings } : { kind: 'full' };
    this.specs = lora ? adapterSpecs(config, lora.adapter.settings) : parameterSpecs(config);
    this.params = new Map();
    for (const s of this.specs) {
      const w = weights.get(s.name);
      if (!w) throw new Error(`missing weight ${s.name}`);
      const n = s.shape.reduce((a, b) => a * b, 1);
      if (w.length !== n) throw new Error(`weight ${s.name} has ${w.length} values, expected ${n}`);
      this.params.set(s.name, w);
      this.m.set(s.name, new Float32Array(n));
      this.v.set(s.name, new Float32Array(n));
    }
  }

  /**
   * A LoRA runtime: frozen `base` (as stored in memory, or a mapped float32 file every session shares) and a trainable
   * adapter (its tensors are adopted, not copied).
   */
  static lora(config: ModelConfig, base: LoraBase, adapter: LoraAdapter, opts: RuntimeOptions = {}): ModelRuntime {
    return new ModelRuntime(config, adapter.weights, opts, { base, adapter });
  }

  get isLora(): boolean {
    return this.source.kind === 'lora';
  }

  /** The adapter being trained (its tensors are the live `params`), for saveAdapter; null in full fine-tuning. */
  get adapter(): LoraAdapter | null {
    return this.source.kind === 'lora' ? { settings: this.source.settings, weights: this.params } : null;
  }

  /**
   * What a Sampler over this runtime's live weights needs: `new Sampler(rt.config, rt.params, {...opts,
   * ...rt.samplerWeights()})` samples from the adapted model (LoRA: the same frozen base, the live adapter).
   */
  samplerWeights(): { lora?: { base: LoraBase; settings: LoraSettings } } {
    return this.source.kind === 'lora' ? { lora: { base: this.source.base, settings: this.source.settings } } : {};
  }

  /** Trainable values (adapter tensors in LoRA mode). */
  get numParams(): number {
    let n = 0;
    for (const p of this.params.values()) n += p.length;
    return n;
  }

  /** Optimizer state for checkpoints/resume. */
  optimizerState(): { step: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> } {
    return { step: this.step, m: this.m, v: this.v };
  }

  loadOptimizerState(s: {
    step: number;
    m: ReadonlyMap<string, Float32Array>;
    v: ReadonlyMap<string, Float32Array>;
  }): void {
    for (const spec of this.specs) {
      const m = s.m.get(spec.name);
      const v = s.v.get(spec.name);
      if (!m || !v) throw new Error(`optimizer state lacks ${spec.name}`);
      this.m.set(spec.name, m);
      this.v.set(spec.name, v);
    }
    this.step = s.step;
    this.device.clear();
  }

  private session(
    key: string,
    build: () => { model: Uint8Array; externalData: Array<{ path: string; data: Uint8Array }> },
  ): Promise<EngineSession> {
    let s = this.sessions.get(key);
    if (s) {
      this.sessions.delete(key);
      this.sessions.set(key, s);
      return s;
    }
    const { model, externalData } = build();
    const externalFolder = externalFolderOf(this.source);
    s = EngineSession.create(model, {
      externalData,
      ...(externalFolder ? { externalFolder } : {}),
      prepack: !this.isLora,
      // LoRA on WebGPU: the updated adapter and its AdamW state stay in device memory between steps (ignored on CPU).
      ...(this.isLora && /^(step|apply)/.test(key)
        ? { deviceOutputs: this.specs.flatMap((sp) => ['p', 'm', 'v'].map((k) => `new.${k}.${sp.name}`)) }
        : {}),
      providers: this.opts.providers ?? providersFromEnv(),
      threads: this.opts.threads,
      onFallback: this.opts.onFallback,
      ...(this.opts.memArena !== undefined ? { memArena: this.opts.memArena } : {}),
    }).then((sess) => {
      this.providerUsed = sess.provider;
      return sess;
    });
    this.sessions.set(key, s);
    // A LoRA session over an in-memory base holds its own (folded float32) copy of it: keep fewer. Over a mapped
    // base the sessions share the file's pages.
    const max = this.opts.maxSessions ?? (this.isLora && !externalFolder ? 3 : 8);
    while (this.sessions.size > max) {
      const [oldKey, old] = this.sessions.entries().next().value as [string, Promise<EngineSession>];
      this.sessions.delete(oldKey);
      void old.then((x) => x.release());
    }
    return s;
  }

  /** Build options with the step's epsilon, and the session-key suffix that tells graphs of other epsilons apart. */
  private adamOpts(h?: OptimizerHyper): { opts: RuntimeOptions; key: string } {
    if (h?.eps === undefined) return { opts: this.opts, key: '' };
    return { opts: { ...this.opts, adam: { ...this.opts.adam, eps: h.eps } }, key: `|eps=${h.eps}` };
  }

  private graphSession(
    mode: GraphMode,
    objective: Objective | null,
    b: PackedBatch,
    h?: OptimizerHyper,
  ): Promise<EngineSession> {
    const { opts, key: epsKey } = this.adamOpts(h);
    const key = `${mode}|${objective?.name ?? 'score'}|${b.rows}x${b.width}${epsKey}`;
    return this.session(key, () =>
      emitModelWithData(
        buildModelGraph(this.config, b.rows, b.width, mode, objective, { ...opts, weights: this.source }),
      ),
    );
  }

  private batchFeeds(b: PackedBatch): Record<string, HostTensor> {
    const shape = [b.rows, b.width];
    return {
      ids: { dtype: 'int64', shape, data: toI64(b.ids) },
      positions: { dtype: 'int64', shape, data: toI64(b.positions) },
      segments: { dtype: 'int64', shape, data: toI64(b.segments) },
      targets: { dtype: 'int64', shape, data: toI64(b.targets) },
    };
  }

  private paramFeeds(feeds: Record<string, HostTensor>): void {
    for (const s of this.specs)
      feeds[`p.${s.name}`] = this.device.get(`p.${s.name}`) ?? {
        dtype: 'float32',
        shape: s.shape,
        data: this.params.get(s.name)!,
      };
  }

  private optimizerFeeds(feeds: Record<string, HostTensor>, h: OptimizerHyper): void {
    const t = this.step + 1;
    const scalar = (x: number): HostTensor => ({ dtype: 'float32', shape: [], data: Float32Array.of(x) });
    feeds['opt.lr'] = scalar(h.lr);
    feeds['opt.beta1'] = scalar(h.beta1);
    feeds['opt.beta2'] = scalar(h.beta2);
    feeds['opt.step_size'] = scalar(h.lr / (1 - Math.pow(h.beta1, t)));
    feeds['opt.sqrt_bc2'] = scalar(Math.sqrt(1 - Math.pow(h.beta2, t)));
    feeds['opt.weight_decay'] = scalar(h.weightDecay);
    feeds['opt.max_grad_norm'] = scalar(h.maxGradNorm);
    for (const s of this.specs) {
      feeds[`m.${s.name}`] = this.device.get(`m.${s.name}`) ?? {
        dtype: 'float32',
        shape: s.shape,
        data: this.m.get(s.name)!,
      };
      feeds[`v.${s.name}`] = this.device.get(`v.${s.name}`) ?? {
        dtype: 'float32',
        shape: s.shape,
        data: this.v.get(s.name)!,
      };
    }
  }

  /** Trainable tensors, m and v kept on the device (WebGPU gpu-buffer outputs) since the last step; see syncHost. */
  private readonly device = new Map<string, HostTensor>();

  private adopt(out: Record<string, HostTensor>): void {
    for (const s of this.specs) {
      for (const [k, map] of [
        ['p', this.params],
        ['m', this.m],
        ['v', this.v],
      ] as const) {
        const t = out[`new.${k}.${s.name}`];
        if (t.device) this.device.set(`${k}.${s.name}`, t);
        else {
          this.device.delete(`${k}.${s.name}`);
          map.set(s.name, t.data as Float32Array);
        }
      }
    }
    this.step += 1;
  }

  /** True when the newest trainable values are on the device and `params` / the optimizer state are stale. */
  get deviceResident(): boolean {
    return this.device.size > 0;
  }

  /**
   * Copies device-resident values back to `params`, m and v (a no-op on the CPU). Call before reading `params`
   * (sampling, saving an adapter or a checkpoint) after steps on WebGPU; later steps keep using the device copies.
   */
  async syncHost(): Promise<void> {
    for (const [key, t] of this.device) {
      const [k, ...rest] = key.split('.');
      const name = rest.join('.');
      const data = (await download(t)) as Float32Array;
      (k === 'p' ? this.params : k === 'm' ? this.m : this.v).set(name, data);
    }
  }

  /** Forward only: per-column log-probs (and entropy) of the next token. */
  async score(b: PackedBatch): Promise<{ logp: Float32Array; entropy: Float32Array }> {
    const s = await this.graphSession('forward', null, b);
    const feeds = this.batchFeeds(b);
    this.paramFeeds(feeds);
    const out = await s.run(feeds, ['logp', 'entropy']);
    return { logp: out.logp.data as Float32Array, entropy: out.entropy.data as Float32Array };
  }

  /** Loss and gradients (parameters unchanged). */
  async grads(
    b: PackedBatch,
    objective: Objective,
    extra: Record<string, HostTensor>,
  ): Promise<StepResult & { grads: Map<string, Float32Array> }> {
    const s = await this.graphSession('grads', objective, b);
    const feeds = { ...this.batchFeeds(b), ...extra };
    this.paramFeeds(feeds);
    const out = await s.run(feeds);
    const grads = new Map<string, Float32Array>();
    for (const spec of this.specs) grads.set(spec.name, out[`grad.${spec.name}`].data as Float32Array);
    return { loss: out.loss.data[0] as number, gradNorm: out.grad_norm.data[0] as number, outputs: out, grads };
  }

  /** One whole optimizer step in one run: forward, backward, clipping and AdamW. */
  async trainStep(
    b: PackedBatch,
    objective: Objective,
    extra: Record<string, HostTensor>,
    h: OptimizerHyper,
  ): Promise<StepResult> {
    const s = await this.graphSession('step', objective, b, h);
    const feeds = { ...this.batchFeeds(b), ...extra };
    this.paramFeeds(feeds);
    this.optimizerFeeds(feeds, h);
    const out = await s.run(feeds);
    this.adopt(out);
    return { loss: out.loss.data[0] as number, gradNorm: out.grad_norm.data[0] as number, outputs: out };
  }

  /** AdamW from gradients summed over micro-batches (their weights already carry the whole-step normaliser). */
  async applyGrads(grads: ReadonlyMap<string, Float32Array>, h: OptimizerHyper): Promise<{ gradNorm: number }> {
    const { opts, key } = this.adamOpts(h);
    const s = await this.session(`apply${key}`, () =>
      emitModelWithData(buildApplyGraph(this.config, opts, this.specs)),
    );
    const feeds: Record<string, HostTensor> = {};
    this.paramFeeds(feeds);
    this.optimizerFeeds(feeds, h);
    for (const spec of this.specs)
      feeds[`grad.${spec.name}`] = { dtype: 'float32', shape: spec.shape, data: grads.get(spec.name)! };
    const out = await s.run(feeds);
    this.adopt(out);
    return { gradNorm: out.grad_norm.data[0] as number };
  }

  async dispose(): Promise<void> {
    for (const s of this.sessions.values()) await (await s).release();
    this.sessions.clear();
  }
}
