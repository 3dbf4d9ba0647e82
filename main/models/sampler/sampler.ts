/**
 * Batched autoregressive sampling with the KV cache inside onnxruntime tensors, and a continuous-batching
 * scheduler.
 *
 * Decoding modes (decode-graph.ts):
 *   'loop'  — up to `chunkSteps` decode steps per run in an ONNX Loop, sampling in-graph; the host cache is read in
 *             place and only the chunk's new K/V come back, to be appended to it. The Loop exits early once every
 *             slot has drawn an eos id or spent its budget. The default: it is the fastest (see docs/benchmarks.md,
 *             "Rollout").
 *   'naive' — one step per run, the whole cache fed back through JS every token (the baseline).
 *
 * Scheduling policy (continuous batching at chunk granularity): requests from any number of concurrent callers
 * join one queue. The cache has B slots (a power of two, at most `maxBatch`); between chunks every finished
 * sequence leaves its slot and waiting requests are prefilled straight into free slots, each slot keeping its own
 * position, so a batch is never paced by its slowest member. A chunk runs K = min(chunkSteps, the largest budget
 * left among active sequences) steps; a sequence that stops mid-chunk wastes at most K-1 steps of its slot.
 * B grows or shrinks (powers of two) with demand and the cache capacity S grows in buckets, by re-laying the host
 * copy of the cache between runs.
 *
 * Log-probs returned are log_softmax of the raw logits (the policy at temperature 1), whatever the sampling
 * temperature / top-k / top-p: that is what the trainer's scoring graph recomputes.
 */
import { CodError } from '../../base/errors.ts';
import {
  emitModelWithData,
  EngineSession,
  type Graph,
  type HostTensor,
  type ProviderName,
  providersFromEnv,
} from '../../engine/index.ts';
import { adapterSpecs, type LoraSettings } from '../adapter.ts';
import type { ModelConfig } from '../config.ts';
import {
  buildExtendGraph,
  buildLoopGraph,
  buildPrefillGraph,
  buildStepGraph,
  cacheName,
  recentName,
} from '../decode-graph.ts';
import { bucketWidth } from '../packing.ts';
import { externalFolderOf, parameterSpecs, type LoraBase, type WeightSource } from '../transformer.ts';
import { type PrefixEntry, PrefixStore } from './prefix-store.ts';
import { SeededRng } from './rng.ts';

export interface SampleRequest {
  readonly promptIds: readonly number[];
  readonly maxNewTokens: number;
  /** 0 = greedy. Default 1. */
  readonly temperature?: number;
  /** 0 = off. */
  readonly topK?: number;
  /** 1 = off. */
  readonly topP?: number;
  readonly seed: string | number;
  /** Stop strings; the stop string is kept in the returned text (needs the sampler's `decode`). */
  readonly stop?: readonly string[];
  /** Token ids that end generation (kept as the last token). */
  readonly eosIds?: readonly number[];
}

export type FinishReason = 'stop' | 'eos' | 'length' | 'context';

export interface SampleResult {
  readonly tokenIds: number[];
  readonly logprobs: number[];
  /** Decoded text, cut right after the stop string on a 'stop' finish (present when the sampler can decode). */
  readonly text?: string;
  readonly finish: FinishReason;
}

export type DecodeMode = 'loop' | 'naive';

export interface SamplerOptions {
  readonly mode?: DecodeMode;
  /** Most sequences decoded together (slots). Default 64. */
  readonly maxBatch?: number;
  /** Decode steps per run in 'loop' mode. Default 16. */
  readonly chunkSteps?: number;
  /** Most prompts prefilled in one run. Default 8. */
  readonly prefillRows?: number;
  /** Prompt + generated tokens allowed; default the model's max_position_embeddings. */
  readonly maxContext?: number;
  readonly decode?: (ids: readonly number[]) => string;
  readonly providers?: readonly ProviderName[];
  readonly threads?: number;
  /**
   * onnxruntime's CPU memory arena for the sampler's sessions (default off). The decode graphs see a new batch and
   * cache width every few chunks, and with the arena each shape's peak stays reserved: a held-out eval of 8
   * lifecycles peaked at 5.7 GB with it and 0.9 GB without, and ran faster without (16 s vs 11 s), and `cod compare`
   * grew past 16 GB.
   */
  readonly memArena?: boolean;
  /**
   * LoRA: the frozen base weights (as stored, or a mapped float32 file; initializers of every decode graph) and the
   * adapter's settings. The sampler's `params` are then the live adapter tensors (e.g. a LoRA ModelRuntime's `params`).
   */
  readonly lora?: { readonly base: LoraBase; readonly settings: LoraSettings };
  /**
   * Prefix reuse (prefix-store.ts): bytes of finished sequences' keys and values kept so that a prompt starting with
   * one of them prefills only the rest. Default 0: off. An owner that turns it on and changes the weights must call
   * weightsChanged(), which drops them (the sampler cannot see an in-place update).
   */
  readonly prefixCacheBytes?: number;
}

export interface SamplerStats {
  prefillTokens: number;
  prefillSeconds: number;
  /** Tokens kept in results (not the discarded tail of a chunk after a stop). */
  decodeTokens: number;
  decodeSeconds: number;
  /**
   * CPU time of the whole process (every thread) during decode runs. It is the decode cost only while nothing else
   * runs in the process (benchmarks), but unlike decodeSeconds it does not count time other processes took.
   */
  decodeCpuSeconds: number;
  decodeRuns: number;
  /** Batched decode steps run (a Loop run that stops early counts only the steps it ran). */
  decodeSteps: number;
  /** Prompt positions whose keys and values came from a kept prefix instead of a prefill. */
  prefixTokens: number;
  /** Prompt tokens run through the extend graph after a kept prefix, and the seconds of those runs. */
  extendTokens: number;
  extendSeconds: number;
}

interface Seq {
  readonly req: SampleRequest;
  readonly rng: SeededRng;
  readonly tokens: number[];
  readonly logps: number[];
  readonly eos: ReadonlySet<number>;
  readonly stopTail: number;
  /** Tokens whose K/V are in the cache; `lastTok` sits at this position. */
  pos: number;
  lastTok: number;
  slot: number;
  /** The weights' epoch when the sequence was admitted: its cache is kept for reuse only if they did not change. */
  epoch: number;
  /** The kept prefix this sequence started from (dropped when the sequence's own cache is kept). */
  supersedes?: PrefixEntry;
  finish: FinishReason | undefined;
  resolve(r: SampleResult): void;
  reject(e: unknown): void;
}

const pow2ceil = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(1, n)));

function i64(shape: number[], values: ArrayLike<number>): HostTensor {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return { dtype: 'int64', shape, data };
}

export class Sampler {
  readonly mode: DecodeMode;
  readonly maxBatch: number;
  readonly chunkSteps: number;
  readonly prefillRows: number;
  readonly maxContext: number;
  readonly stats: SamplerStats = {
    prefillTokens: 0,
    prefillSeconds: 0,
    decodeTokens: 0,
    decodeSeconds: 0,
    decodeCpuSeconds: 0,
    decodeRuns: 0,
    decodeSteps: 0,
    prefixTokens: 0,
    extendTokens: 0,
    extendSeconds: 0,
  };
  private readonly prefixes: PrefixStore | null;
  private epoch = 0;
  private readonly sessions = new Map<string, Promise<EngineSession>>();
  private readonly queue: Seq[] = [];
  private slots: Array<Seq | null> = [];
  private S = 0;
  private caches: Float32Array[] = [];
  private driving: Promise<void> = Promise.resolve();
  private running = false;
  /** Set by cancel(): the driving loop stops at its next chunk boundary and rejects everything with it. */
  private cancelled: Error | null = null;
  private readonly rowSize: number;

  constructor(
    readonly config: ModelConfig,
    /** Live parameter map (e.g. ModelRuntime.params): read at every run, so weight updates are picked up. */
    private readonly params: ReadonlyMap<string, Float32Array>,
    private readonly opts: SamplerOptions = {},
  ) {
    this.mode = opts.mode ?? 'loop';
    this.maxBatch = opts.maxBatch ?? 64;
    this.chunkSteps = this.mode === 'naive' ? 1 : (opts.chunkSteps ?? 16);
    this.prefillRows = opts.prefillRows ?? 8;
    this.maxContext = Math.min(opts.maxContext ?? config.maxPositionEmbeddings, config.maxPositionEmbeddings);
    if (!(this.maxBatch >= 1 && this.chunkSteps >= 1 && this.prefillRows >= 1))
      throw new CodError('bad_input', 'maxBatch, chunkSteps and prefillRows must be at least 1', 'sampler');
    this.rowSize = config.numKvHeads * config.headDim;
    this.source = opts.lora ? { kind: 'lora', ...opts.lora } : { kind: 'full' };
    const bytes = opts.prefixCacheBytes ?? 0;
    if (!(Number.isFinite(bytes) && bytes >= 0))
      throw new CodError('bad_input', `must be a number of bytes >= 0, got ${bytes}`, 'sampler.prefixCacheBytes');
    this.prefixes = bytes > 0 ? new PrefixStore(bytes) : null;
  }

  /** The weights changed: kept prefixes (computed with the old ones) are dropped, and none in flight is kept. */
  weightsChanged(): void {
    this.epoch++;
    this.prefixes?.clear();
  }

  private readonly source: WeightSource;

  /**
   * Abandon every request queued or being sampled: they reject with `reason` at the next chunk boundary (one
   * onnxruntime run at most), so a caller that must stop does not wait for whole generations. Nothing runs after.
   */
  cancel(reason: Error): void {
    if (this.running) this.cancelled = reason;
  }

  /** Samples every request (they share the scheduler with any other concurrent callers). */
  generate(reqs: readonly SampleRequest[]): Promise<SampleResult[]> {
    // Validate all first, so one bad request fails the call before any work is queued.
    reqs.forEach((r, i) => this.validate(r, `requests[${i}]`));
    return Promise.all(reqs.map((r) => this.enqueue(r)));
  }

  submit(req: SampleRequest): Promise<SampleResult> {
    this.validate(req, 'request');
    return this.enqueue(req);
  }

  private validate(r: SampleRequest, where: string): void {
    const V = this.config.vocabSize;
    if (!Array.isArray(r.promptIds) || r.promptIds.length === 0)
      throw new CodError('bad_input', 'prompt must have at least one token', `${where}.promptIds`);
    r.promptIds.forEach((id, t) => {
      if (!Number.isInteger(id) || id < 0 || id >= V)
        throw new CodError('bad_input', `token id ${id} out of vocabulary [0, ${V})`, `${where}.promptIds[${t}]`);
    });
    if (r.promptIds.length > this.maxContext)
      throw new CodError(
        'bad_input',
        `prompt of ${r.promptIds.length} tokens exceeds the model's context of ${this.maxContext} tokens`,
        `${where}.promptIds`,
      );
    if (!Number.isInteger(r.maxNewTokens) || r.maxNewTokens < 0)
      throw new CodError('bad_input', `must be a non-negative integer, got ${r.maxNewTokens}`, `${where}.maxNewTokens`);
    const t = r.temperature ?? 1;
    if (!(Number.isFinite(t) && t >= 0))
      throw new CodError('bad_input', `must be a finite number >= 0, got ${t}`, `${where}.temperature`);
    const k = r.topK ?? 0;
    if (!Number.isInteger(k) || k < 0)
      throw new CodError('bad_input', `must be an integer >= 0, got ${k}`, `${where}.topK`);
    const p = r.topP ?? 1;
    if (!(p > 0 && p <= 1)) throw new CodError('bad_input', `must be in (0, 1], got ${p}`, `${where}.topP`);
    if ((r.stop?.length ?? 0) > 0 && !this.opts.decode)
      throw new CodError('bad_input', 'stop strings need a sampler with a tokenizer (decode)', `${where}.stop`);
    if (r.stop?.some((s) => typeof s !== 'string' || s.length === 0))
      throw new CodError('bad_input', 'stop strings must be non-empty strings', `${where}.stop`);
  }

  private enqueue(req: SampleRequest): Promise<SampleResult> {
    return new Promise<SampleResult>((resolve, reject) => {
      const maxStop = Math.max(0, ...(req.stop ?? []).map((s) => s.length));
      const seq: Seq = {
        req,
        rng: new SeededRng(req.seed),
        tokens: [],
        logps: [],
        eos: new Set(req.eosIds ?? []),
        stopTail: maxStop + 4,
        pos: 0,
        lastTok: 0,
        slot: -1,
        epoch: this.epoch,
        finish: undefined,
        resolve,
        reject,
      };
      if (req.maxNewTokens === 0) return this.finishSeq(seq, 'length');
      if (req.promptIds.length >= this.maxContext) return this.finishSeq(seq, 'context');
      this.queue.push(seq);
      // `running` is cleared in the same synchronous step as drive()'s final queue check, so a request queued
      // at any moment is either seen by the running loop or starts a new one.
      if (!this.running) {
        this.running = true;
        this.driving = this.drive();
      }
    });
  }

  private finishSeq(seq: Seq, finish: FinishReason): void {
    seq.finish = finish;
    let text: string | undefined;
    if (this.opts.decode) {
      text = this.opts.decode(seq.tokens);
      if (finish === 'stop') {
        let end = Infinity;
        for (const s of seq.req.stop ?? []) {
          const at = text.indexOf(s);
          if (at >= 0) end = Math.min(end, at + s.length);
        }
        if (end < Infinity) text = text.slice(0, end);
      }
    }
    this.stats.decodeTokens += seq.tokens.length;
    seq.resolve({ tokenIds: seq.tokens, logprobs: seq.logps, finish, ...(text !== undefined ? { text } : {}) });
  }

  private active(): Seq[] {
    return this.slots.filter((s): s is Seq => s !== null);
  }

  private async drive(): Promise<void> {
    try {
      // Let the rest of the current tick enqueue first, so the requests of one generate() call start together.
      await Promise.resolve();
      while (this.queue.length > 0 || this.active().length > 0) {
        if (this.cancelled) throw this.cancelled;
        const active = this.active();
        const B = Math.min(this.maxBatch, pow2ceil(active.length + this.queue.length));
        const admitted = this.queue.splice(0, B - active.length);
        const all = [...active, ...admitted];
        for (const s of admitted) {
          s.pos = s.req.promptIds.length - 1;
          s.lastTok = s.req.promptIds[s.pos];
          s.epoch = this.epoch;
        }
        const K = Math.min(this.chunkSteps, Math.max(...all.map((s) => this.budget(s))));
        const needS = bucketWidth(Math.max(...all.map((s) => s.pos)) + K);
        this.relayout(B, Math.max(needS, B === this.slots.length ? this.S : 0), active, admitted);
        await this.prefill(admitted);
        await this.decodeChunk(K);
      }
      this.running = false;
      this.cancelled = null;
    } catch (e) {
      this.running = false;
      this.cancelled = null;
      const failed = [...this.active(), ...this.queue.splice(0)];
      this.slots = [];
      this.caches = [];
      this.S = 0;
      for (const s of failed) s.reject(e);
    }
  }

  /** Steps this sequence may still take: its token budget and the context limit. */
  private budget(s: Seq): number {
    return Math.min(s.req.maxNewTokens - s.tokens.length, this.maxContext - (s.pos + 1));
  }

  /** Re-lays the host cache as B slots of capacity S; active sequences keep their filled positions. */
  private relayout(B: number, S: number, active: Seq[], admitted: Seq[]): void {
    const L2 = 2 * this.config.numLayers;
    const row = this.rowSize / this.config.numKvHeads; // hd
    const KV = this.config.numKvHeads;
    const same = B === this.slots.length && S === this.S;
    if (!same) {
      const fresh = Array.from({ length: L2 }, () => new Float32Array(B * KV * S * row));
      active.forEach((seq, n) => {
        for (let c = 0; c < L2; c++)
          for (let kv = 0; kv < KV; kv++) {
            const from = (seq.slot * KV + kv) * this.S * row;
            fresh[c].set(this.caches[c].subarray(from, from + seq.pos * row), (n * KV + kv) * S * row);
          }
        seq.slot = n;
      });
      this.caches = fresh;
      this.S = S;
      this.slots = new Array<Seq | null>(B).fill(null);
      for (const s of active) this.slots[s.slot] = s;
    }
    let free = 0;
    for (const s of admitted) {
      while (this.slots[free] !== null) free++;
      s.slot = free;
      this.slots[free] = s;
    }
  }

  private session(key: string, build: () => Graph): Promise<EngineSession> {
    let s = this.sessions.get(key);
    if (!s) {
      const { model, externalData } = emitModelWithData(build());
      const externalFolder = externalFolderOf(this.source);
      s = EngineSession.create(model, {
        externalData,
        ...(externalFolder ? { externalFolder } : {}),
        // Pre-packing a constant (LoRA base) weight is a private float32 copy of it per session: over a mapped base
        // that would undo the sharing (see mapped-base.ts). Full models feed their weights, so it never applies.
        prepack: this.source.kind !== 'lora',
        providers: this.opts.providers ?? providersFromEnv(),
        threads: this.opts.threads,
        memArena: this.opts.memArena ?? false,
      });
      this.sessions.set(key, s);
    }
    return s;
  }

  private paramFeeds(feeds: Record<string, HostTensor>): void {
    const specs = this.opts.lora ? adapterSpecs(this.config, this.opts.lora.settings) : parameterSpecs(this.config);
    for (const spec of specs) {
      const data = this.params.get(spec.name);
      if (!data) throw new CodError('internal', `sampler: no weights for ${spec.name}`);
      feeds[`p.${spec.name}`] = { dtype: 'float32', shape: spec.shape, data };
    }
  }

  /**
   * Prefills prompt[0..L-2] of each admitted sequence into its slot (the last prompt token starts decoding): from a
   * kept prefix and the extend graph where one matches, else the prefill graph.
   */
  private async prefill(admitted: Seq[]): Promise<void> {
    const todo = admitted.filter((s) => s.pos > 0);
    if (!this.prefixes)
      return this.fill(
        'prefill',
        todo.map((seq) => ({ seq, from: 0 })),
      );
    const extend: Array<{ seq: Seq; from: number }> = [];
    const full: Array<{ seq: Seq; from: number }> = [];
    for (const s of todo) {
      const m = this.prefixes.match(s.req.promptIds, s.pos);
      // A short shared head (another lifecycle's system prompt) is not worth an extend run over the rest: the
      // extend graph pays for its past keys, the prefill graph does not.
      if (!m || m.length * 2 < s.pos) {
        full.push({ seq: s, from: 0 });
        continue;
      }
      // Once this call finishes, its own cache (the same m positions and what this call added) supersedes the
      // entry: only a call repeating the entry's own tail after those m positions could use the entry again.
      s.supersedes = m.entry;
      this.copyPrefix(s, m.entry, m.length);
      this.stats.prefixTokens += m.length;
      if (m.length < s.pos) extend.push({ seq: s, from: m.length });
    }
    await this.fill('extend', extend);
    await this.fill('prefill', full);
  }

  /**
   * Runs prompt[from..L-2] of each sequence, `prefillRows` at a time, through the prefill graph (from 0) or the extend
   * graph (over the slot's first `from` positions, kept from an earlier call), and writes the keys and values it
   * returns into the slots.
   */
  private async fill(graph: 'prefill' | 'extend', todo: Array<{ seq: Seq; from: number }>): Promise<void> {
    const KV = this.config.numKvHeads;
    const hd = this.config.headDim;
    const S = this.S;
    todo.sort((a, b) => a.seq.pos - a.from - (b.seq.pos - b.from));
    for (let at = 0; at < todo.length; at += this.prefillRows) {
      const group = todo.slice(at, at + this.prefillRows);
      const T = bucketWidth(Math.max(...group.map((x) => x.seq.pos - x.from)));
      const P = pow2ceil(group.length);
      const sess = await this.session(`${graph}|${P}x${T}`, () =>
        (graph === 'extend' ? buildExtendGraph : buildPrefillGraph)(this.config, P, T, this.source),
      );
      const ids = new Array<number>(P * T).fill(0);
      group.forEach(({ seq, from }, r) => {
        for (let t = from; t < seq.pos; t++) ids[r * T + t - from] = seq.req.promptIds[t];
      });
      const feeds: Record<string, HostTensor> = { ids: i64([P, T], ids) };
      if (graph === 'extend') this.extendFeeds(feeds, group, P);
      this.paramFeeds(feeds);
      const t0 = performance.now();
      const out = await sess.run(feeds);
      const seconds = (performance.now() - t0) / 1000;
      const tokens = group.reduce((a, x) => a + x.seq.pos - x.from, 0);
      if (graph === 'extend') {
        this.stats.extendSeconds += seconds;
        this.stats.extendTokens += tokens;
      } else {
        this.stats.prefillSeconds += seconds;
        this.stats.prefillTokens += tokens;
      }
      // The prefill graph names its outputs as the caches; the extend graph reads those names as inputs.
      const outName = (c: number) => `${graph === 'extend' ? 'new.' : ''}${cacheName(c % 2 === 0 ? 'k' : 'v', c >> 1)}`;
      for (let c = 0; c < 2 * this.config.numLayers; c++) {
        const src = out[outName(c)].data as Float32Array;
        group.forEach(({ seq, from }, r) => {
          for (let h = 0; h < KV; h++) {
            const at0 = (r * KV + h) * T * hd;
            this.caches[c].set(src.subarray(at0, at0 + (seq.pos - from) * hd), ((seq.slot * KV + h) * S + from) * hd);
          }
        });
      }
    }
  }

  /** The extend graph's inputs besides ids: each row's slot and start, the mask over its past, the host cache. */
  private extendFeeds(feeds: Record<string, HostTensor>, group: Array<{ seq: Seq; from: number }>, P: number): void {
    const KV = this.config.numKvHeads;
    const hd = this.config.headDim;
    const S = this.S;
    const rows = new Array<number>(P).fill(0);
    const start = new Array<number>(P).fill(0);
    const pastBias = new Float32Array(P * S).fill(-1e9);
    group.forEach(({ seq, from }, r) => {
      rows[r] = seq.slot;
      start[r] = from;
      pastBias.fill(0, r * S, r * S + from);
    });
    feeds.rows = i64([P], rows);
    feeds.start = i64([P], start);
    feeds.past_bias = { dtype: 'float32', shape: [P, 1, 1, S], data: pastBias };
    // The host cache itself, as the decode graphs read it: the graph gathers the rows' slots.
    const cacheShape = [this.slots.length, KV, S, hd];
    for (let c = 0; c < 2 * this.config.numLayers; c++)
      feeds[cacheName(c % 2 === 0 ? 'k' : 'v', c >> 1)] = { dtype: 'float32', shape: cacheShape, data: this.caches[c] };
  }

  /** Copies the first `n` positions of a kept cache into the sequence's slot. */
  private copyPrefix(s: Seq, entry: PrefixEntry, n: number): void {
    const KV = this.config.numKvHeads;
    const hd = this.config.headDim;
    const cap = entry.capacity;
    entry.kv.forEach((src, c) => {
      for (let h = 0; h < KV; h++)
        this.caches[c].set(src.subarray(h * cap * hd, (h * cap + n) * hd), (s.slot * KV + h) * this.S * hd);
    });
  }

  /** Keeps a finished sequence's cache for reuse (a copy: its slot is refilled next). */
  private keep(s: Seq): void {
    if (!this.prefixes || s.epoch !== this.epoch || s.pos < this.prefixes.minReuse) return;
    const KV = this.config.numKvHeads;
    const hd = this.config.headDim;
    const n = s.pos;
    // The entry this call started from is superseded; its buffers take the new cache if they have room (a
    // lifecycle's calls grow by an observation and a reply each), which spares an allocation per call. New buffers
    // leave room for about half as much again.
    const old = s.supersedes && this.prefixes.delete(s.supersedes) ? s.supersedes : undefined;
    const reuse = old !== undefined && old.capacity >= n;
    const capacity = reuse ? old.capacity : Math.ceil((n + Math.max(128, n >> 1)) / 64) * 64;
    const kv = this.caches.map((cache, c) => {
      const out = reuse ? old.kv[c] : new Float32Array(KV * capacity * hd);
      for (let h = 0; h < KV; h++) {
        const from = (s.slot * KV + h) * this.S * hd;
        out.set(cache.subarray(from, from + n * hd), h * capacity * hd);
      }
      return out;
    });
    this.prefixes.add({ tokens: [...s.req.promptIds, ...s.tokens].slice(0, n), kv, capacity });
  }

  private async decodeChunk(K: number): Promise<void> {
    const B = this.slots.length;
    const V = this.config.vocabSize;
    const KV = this.config.numKvHeads;
    const hd = this.config.headDim;
    const L = this.config.numLayers;
    const S = this.S;
    const filtered = this.active().some((s) => (s.req.topK ?? 0) > 0 || (s.req.topP ?? 1) < 1);
    const loopMode = this.mode === 'loop';
    const key = `${this.mode}|${filtered}`;
    const sess = await this.session(key, () =>
      loopMode
        ? buildLoopGraph(this.config, filtered, this.source)
        : buildStepGraph(this.config, filtered, this.source),
    );
    const tok = new Array<number>(B).fill(0);
    const pos = new Array<number>(B).fill(0);
    const u = new Float32Array(K * B).fill(0.5);
    const invTemp = new Float32Array(B).fill(1);
    const greedy = new Uint8Array(B).fill(1);
    const topK = new Array<number>(B).fill(V);
    const topP = new Float32Array(B).fill(1);
    this.slots.forEach((s, b) => {
      if (!s) return;
      tok[b] = s.lastTok;
      pos[b] = s.pos;
      const t = s.req.temperature ?? 1;
      greedy[b] = t === 0 ? 1 : 0;
      invTemp[b] = t === 0 ? 1 : 1 / t;
      const k = s.req.topK ?? 0;
      topK[b] = k > 0 ? Math.min(k, V) : V;
      topP[b] = s.req.topP ?? 1;
      // Draws are consumed one per step whether or not the step's token is kept: a sequence's i-th token always
      // uses its i-th draw, so the output does not depend on chunking or batch composition.
      for (let i = 0; i < K; i++) u[i * B + b] = s.rng.uniform();
    });
    const feeds: Record<string, HostTensor> = {
      tok: i64([B], tok),
      pos: i64([B], pos),
      u: { dtype: 'float32', shape: loopMode ? [K, B] : [B], data: u },
      inv_temp: { dtype: 'float32', shape: [B], data: invTemp },
      greedy: { dtype: 'bool', shape: [B], data: greedy },
    };
    if (filtered) {
      feeds.top_k = i64([B], topK);
      feeds.top_p = { dtype: 'float32', shape: [B], data: topP };
    }
    const cacheShape = [B, KV, S, hd];
    for (let l = 0; l < L; l++) {
      feeds[cacheName('k', l)] = { dtype: 'float32', shape: cacheShape, data: this.caches[2 * l] };
      feeds[cacheName('v', l)] = { dtype: 'float32', shape: cacheShape, data: this.caches[2 * l + 1] };
    }
    if (loopMode) this.loopFeeds(feeds, K, pos);
    this.paramFeeds(feeds);
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const out = await sess.run(feeds);
    const cpu = process.cpuUsage(c0);
    this.stats.decodeSeconds += (performance.now() - t0) / 1000;
    this.stats.decodeCpuSeconds += (cpu.user + cpu.system) / 1e6;
    this.stats.decodeRuns++;
    const toks = out[loopMode ? 'tokens' : 'token'].data as BigInt64Array;
    const lps = out[loopMode ? 'logps' : 'logp'].data as Float32Array;
    // The Loop may stop before K steps once every slot is done.
    const ran = loopMode ? out.tokens.shape[0] : 1;
    this.stats.decodeSteps += ran;
    if (loopMode) {
      // Append the chunk's K/V (rows 0..ran-1 of the recent buffers) to each active slot's host cache.
      for (let c = 0; c < 2 * L; c++) {
        const rec = out[`new.${recentName(c % 2 === 0 ? 'k' : 'v', c >> 1)}`].data as Float32Array;
        const dst = this.caches[c];
        this.slots.forEach((s, b) => {
          if (!s) return;
          for (let kv = 0; kv < KV; kv++) {
            const from = (b * KV + kv) * ran * hd;
            dst.set(rec.subarray(from, from + ran * hd), ((b * KV + kv) * S + s.pos) * hd);
          }
        });
      }
    } else {
      for (let l = 0; l < L; l++) {
        this.caches[2 * l] = out[`new.${cacheName('k', l)}`].data as Float32Array;
        this.caches[2 * l + 1] = out[`new.${cacheName('v', l)}`].data as Float32Array;
      }
    }
    this.slots.forEach((s, b) => {
      if (!s) return;
      let finish: FinishReason | undefined;
      for (let i = 0; i < ran && !finish; i++) {
        const t = Number(toks[i * B + b]);
        s.tokens.push(t);
        s.logps.push(lps[i * B + b]);
        s.pos++;
        s.lastTok = t;
        if (s.eos.has(t)) finish = 'eos';
        else if (this.hitStop(s)) finish = 'stop';
        else if (s.tokens.length >= s.req.maxNewTokens) finish = 'length';
        else if (s.pos + 1 >= this.maxContext) finish = 'context';
      }
      if (finish) {
        this.keep(s);
        this.slots[b] = null;
        this.finishSeq(s, finish);
      }
    });
  }

  /** The Loop graph's extra inputs: empty recent caches, the mask over past keys, budgets and eos ids. */
  private loopFeeds(feeds: Record<string, HostTensor>, K: number, pos: number[]): void {
    const B = this.slots.length;
    const S = this.S;
    const KV = this.config.numKvHeads;
    const hd = this.config.headDim;
    // The chunk's K/V start empty and grow inside the Loop.
    const empty = new Float32Array(0);
    for (let l = 0; l < this.config.numLayers; l++)
      for (const kind of ['k', 'v'] as const)
        feeds[recentName(kind, l)] = { dtype: 'float32', shape: [B, KV, 0, hd], data: empty };
    const pastBias = new Float32Array(B * S);
    for (let b = 0; b < B; b++) pastBias.fill(-1e9, b * S + pos[b], (b + 1) * S);
    feeds.past_bias = { dtype: 'float32', shape: [B, 1, 1, S], data: pastBias };
    feeds.steps = i64([], [K]);
    const eos = this.slots.map((s) => (s ? [...s.eos] : []));
    const E = Math.max(1, ...eos.map((e) => e.length));
    const eosIds = new Array<number>(B * E).fill(-1);
    eos.forEach((e, b) => e.forEach((id, j) => (eosIds[b * E + j] = id)));
    feeds.eos = i64([B, E], eosIds);
    feeds.budget = i64(
      [B],
      this.slots.map((s) => (s ? this.budget(s) : 0)),
    );
  }

  /** Does the text generated so far contain a stop string? Decodes only a tail long enough to hold one. */
  private hitStop(s: Seq): boolean {
    const stops = s.req.stop;
    if (!stops || stops.length === 0 || !this.opts.decode) return false;
    const tail = this.opts.decode(s.tokens.slice(-s.stopTail));
    return stops.some((x) => tail.includes(x));
  }

  async dispose(): Promise<void> {
    await this.driving;
    for (const s of this.sessions.values()) await (await s).release();
    this.sessions.clear();
  }
}
