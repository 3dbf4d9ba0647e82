/**
 * The decoder-only transformer of the Llama / Qwen2 / Qwen3 family, built as engine graph IR from a ModelConfig:
 * RMSNorm, RoPE (HF rotate-half layout), grouped-query attention, SwiGLU MLP, optional q/k bias (Qwen2) and q/k
 * RMSNorm (Qwen3), tied or untied embeddings. Inputs are PACKED rows: several sequences per row, with position
 * ids restarting per sequence and segment ids so attention never crosses sequences.
 */
import {
  add,
  and,
  argMax,
  cast,
  chunkSizes,
  identity,
  isConstantDerived,
  reduceMinKeep,
  remat,
  sliceDyn,
  concat,
  constLike,
  equal,
  gather,
  type Graph,
  lessOrEqual,
  linear,
  matmul,
  mul,
  neg,
  reciprocal,
  reduceMean,
  reshape,
  rangeAlong,
  silu,
  slice,
  softmax,
  split,
  sqrt,
  tensorData,
  transpose,
  unsqueeze,
  type Value,
  where,
  cos,
  sin,
} from '../engine/index.ts';
import type { ModelConfig } from './config.ts';
import { expectedTensorShapes } from './checkpoint-files.ts';
import { ropeInvFreq } from './rope.ts';
import { adapterSpecs, loraAName, loraBName, loraScale, type LoraSettings } from './adapter.ts';
import type { StoredTensor } from './checkpoint.ts';
import type { MappedBase } from './mapped-base.ts';

/** Parameter names (HF tensor names) in a fixed order, with shapes. */
export function parameterSpecs(c: ModelConfig): Array<{ name: string; shape: number[] }> {
  return [...expectedTensorShapes(c)].map(([name, shape]) => ({ name, shape }));
}

export type Params = ReadonlyMap<string, Value>;

export interface PackedBatchValues {
  /** [B, T] int64 token ids. */
  readonly ids: Value;
  /** [B, T] int64 positions (restart at 0 for each packed sequence). */
  readonly positions: Value;
  /** [B, T] int64 segment ids: tokens attend only within their segment (and causally). */
  readonly segments: Value;
}

export function rmsNorm(x: Value, w: Value, eps: number): Value {
  const ms = reduceMean(mul(x, x), [-1], true);
  return mul(mul(x, reciprocal(sqrt(add(ms, constLike(ms, eps))))), w);
}

export function rotateHalf(x: Value, half: number): Value {
  const last = x.rank - 1;
  return concat([neg(slice(x, last, half, 2 * half)), slice(x, last, 0, half)], last);
}

/**
 * A parameter lookup. When LoRA adapters are present, `lora(path)` gives the A [r, in] and B [out, r] of the module
 * at that HF path (undefined for a module without one) and `loraScale` is alpha / r.
 */
export interface ParamOf {
  (name: string): Value;
  readonly lora?: (path: string) => { a: Value; b: Value } | undefined;
  readonly loraScale?: number;
}

/** Lookup over a map holding parameters and, under their adapter_model.safetensors names, LoRA A/B tensors. */
export function paramGetter(p: Params, loraScale = 0): ParamOf {
  const get = (name: string): Value => {
    const v = p.get(name);
    if (!v) throw new Error(`missing parameter ${name}`);
    return v;
  };
  const lora = (path: string) => {
    const a = p.get(loraAName(path));
    const b = p.get(loraBName(path));
    return a && b ? { a, b } : undefined;
  };
  return Object.assign(get, { lora, loraScale });
}

/** The linear layer at HF module `path` (weight `${path}.weight`, plus its LoRA branch (alpha/r)·B·A·x if any). */
export function project(x: Value, P: ParamOf, path: string, weight = `${path}.weight`): Value {
  const y = linear(x, P(weight));
  const m = P.lora?.(path);
  if (!m) return y;
  return add(y, linear(mul(linear(x, m.a), constLike(x, P.loraScale!)), m.b));
}

/** The q/k/v projections of layer `pre` (with Qwen2's bias): [N, heads*hd] each. */
export function projectQkv(c: ModelConfig, P: ParamOf, pre: string, x: Value): { q: Value; k: Value; v: Value } {
  let q = project(x, P, `${pre}.self_attn.q_proj`);
  let k = project(x, P, `${pre}.self_attn.k_proj`);
  let v = project(x, P, `${pre}.self_attn.v_proj`);
  if (c.attentionBias) {
    q = add(q, P(`${pre}.self_attn.q_proj.bias`));
    k = add(k, P(`${pre}.self_attn.k_proj.bias`));
    v = add(v, P(`${pre}.self_attn.v_proj.bias`));
  }
  return { q, k, v };
}

/** h + SwiGLU MLP(RMSNorm(h)) of layer `pre`. */
export function mlpResidual(c: ModelConfig, P: ParamOf, pre: string, h: Value): Value {
  const y = rmsNorm(h, P(`${pre}.post_attention_layernorm.weight`), c.rmsNormEps);
  const gate = silu(project(y, P, `${pre}.mlp.gate_proj`));
  const up = project(y, P, `${pre}.mlp.up_proj`);
  return add(h, project(mul(gate, up), P, `${pre}.mlp.down_proj`));
}

/** Logits [N, V] of final hidden states (tied head = the embedding matrix; `lm_head` LoRA applies either way). */
export function headLogits(c: ModelConfig, P: ParamOf, hf: Value): Value {
  return project(hf, P, 'lm_head', c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight');
}

/** How attention and the backward pass trade memory for compute. Defaults: blocked, 256-token blocks, no layer recompute. */
export interface TransformerOptions {
  /**
   * 'blocked': attention one block of queries at a time over only the keys it can see (causal and, in packed rows,
   * from the start of the block's first sequence), each block recomputed in the backward pass: no T×T tensor, memory
   * linear in T. 'dense': the whole [T, T] score matrix per head (the reference path).
   */
  readonly attention?: 'dense' | 'blocked';
  readonly blockSize?: number;
  /** Recompute each decoder layer's activations in the backward pass (keeps only each layer's input). */
  readonly recomputeLayers?: boolean;
  /**
   * With blocked attention: the MLP of a layer runs this many tokens at a time, each chunk recomputed in the backward
   * pass (0: the whole row at once). Default: mlpChunkFor(intermediate size) with recomputeLayers, else 0.
   */
  readonly mlpChunk?: number;
}

/**
 * Default MLP chunk: about 2^22 intermediate activations (16 MB of float32) per chunk, a power of two of at least 256
 * tokens. onnxruntime's planner keeps every buffer it has freed for the next value of the same shape, so the MLP's
 * [T, intermediate] buffers, several at once in its backward pass, stayed reserved through every attention backward
 * in between and grew with T (docs/engine.md, "Why the planner held memory"); chunks of a fixed size do not.
 */
export function mlpChunkFor(intermediateSize: number): number {
  return Math.max(256, 2 ** Math.floor(Math.log2(2 ** 22 / intermediateSize)));
}

/** h + the MLP residual of layer `pre`, `chunk` tokens at a time, each chunk a recomputed region (see mlpChunkFor). */
function mlpResidualChunked(c: ModelConfig, P: ParamOf, pre: string, h: Value, chunk: number): Value {
  const N = h.shape[0] as number;
  if (chunk <= 0 || N <= chunk) return mlpResidual(c, P, pre, h);
  const named = new Map<string, Value>([
    [`${pre}.post_attention_layernorm.weight`, P(`${pre}.post_attention_layernorm.weight`)],
  ]);
  for (const m of ['gate_proj', 'up_proj', 'down_proj']) {
    const path = `${pre}.mlp.${m}`;
    named.set(`${path}.weight`, P(`${path}.weight`));
    const lora = P.lora?.(path);
    if (lora) {
      named.set(loraAName(path), lora.a);
      named.set(loraBName(path), lora.b);
    }
  }
  const pieces = split(h, 0, chunkSizes(N, chunk)).map(
    (hk, k) =>
      rematNamed(`mlp ${pre} ${k}`, [hk], named, ([x], m) => [
        mlpResidual(c, paramGetter(m, P.loraScale ?? 0), pre, x),
      ])[0],
  );
  return concat(pieces, 0);
}

/** Runs `fn` as a recomputed region over activations `acts` and the named values it reads (non-constant ones passed). */
export function rematNamed(
  name: string,
  acts: Value[],
  named: Params,
  fn: (acts: Value[], P: Map<string, Value>) => Value[],
): Value[] {
  const pass = [...named].filter(([, v]) => !isConstantDerived(v));
  return remat(name, [...acts, ...pass.map(([, v]) => v)], (xs) => {
    const m = new Map(named);
    pass.forEach(([k], i) => m.set(k, xs[acts.length + i]));
    return fn(xs.slice(0, acts.length), m);
  });
}

const keyIndices = new WeakMap<Graph, Map<number, Value>>();

/**
 * The key positions 0 … T-1 as one int64 initializer per graph, shared by every attention block and its copies: a
 * range of its own per block (0 … e-1) made the model's constants grow with T² (T = 8192 on the Qwen3-0.6B shape:
 * 91 MB of the 112 MB model, each held again by onnxruntime; scratch measurement in docs/engine.md).
 */
function keyIndex(g: Graph, T: number): Value {
  let byLength = keyIndices.get(g);
  if (!byLength) keyIndices.set(g, (byLength = new Map()));
  let v = byLength.get(T);
  if (!v) {
    v = g.constant(
      tensorData(
        'int64',
        [T],
        BigInt64Array.from({ length: T }, (_, i) => BigInt(i)),
      ),
    );
    byLength.set(T, v);
  }
  return v;
}

/**
 * Attention for queries [s, e) of a packed row (`qh` holds only those: [B, H, e - s, hd]), recomputed in the
 * backward pass. Keys run from the start of the sequence holding query s (the earliest one any row needs: packed
 * sequences before it are skipped) to e - 1 (causal); the mask inside the block keeps segments apart. Returns the
 * context [B, H, e - s, hd].
 */
function attentionBlock(
  c: ModelConfig,
  qh: Value,
  kh: Value,
  vh: Value,
  segments: Value,
  s: number,
  e: number,
  tag: string,
): Value {
  const [B] = qh.shape as number[];
  const H = c.numHeads;
  const KV = c.numKvHeads;
  const hd = c.headDim;
  const rep = H / KV;
  const n = e - s;
  // Each copy of the block (forward, a layer's recomputation, the block's recomputation) names the keys' run-time
  // extent with its own symbol. onnxruntime's planner takes equal symbols for equal sizes and would make a later
  // copy reuse an earlier copy's buffers, which keeps them allocated in between: with one symbol per block, the
  // [heads, n, kv] scores of every block stayed allocated from the forward to the backward pass (T = 4096 on the
  // Qwen3-0.6B shape: 8.66 GiB instead of 5.89; docs/engine.md). The graph's node count when a copy is built tells
  // the copies apart, the same in every build.
  return remat(`attention ${tag}`, [qh, kh, vh, segments], ([q, k, v, seg]) => {
    const g = q.graph;
    const kv = `kv_${tag}_${g.nodes.length}`;
    const segPrefix = slice(seg, 1, 0, e); // [B, e]
    const segQ = slice(seg, 1, s, e); // [B, n]
    const first = argMax(cast(equal(segPrefix, slice(seg, 1, s, s + 1)), 'int32'), 1); // [B] first key of q's sequence
    const kStart = reshape(reduceMinKeep(first, 0), [1]);
    const kb = sliceDyn(k, kStart, 2, e, kv); // [B, KV, kv, hd]
    const vb = sliceDyn(v, kStart, 2, e, kv);
    const segK = sliceDyn(segPrefix, kStart, 1, e, kv); // [B, kv]
    const idxK = sliceDyn(keyIndex(g, kh.shape[2] as number), kStart, 0, e, kv); // [kv]
    const idxQ = g.constant(
      tensorData(
        'int64',
        [n, 1],
        BigInt64Array.from({ length: n }, (_, i) => BigInt(s + i)),
      ),
    );
    const allowed = and(equal(unsqueeze(segQ, 2), unsqueeze(segK, 1)), lessOrEqual(unsqueeze(idxK, 0), idxQ));
    const zero = g.constant(tensorData('float32', [], Float32Array.of(0)));
    const neg = g.constant(tensorData('float32', [], Float32Array.of(-1e9)));
    const bias = reshape(where(allowed, zero, neg), [B, 1, 1, n, kv]);
    const qg = reshape(q, [B, KV, rep * n, hd]);
    const scores = mul(matmul(qg, transpose(kb, [0, 1, 3, 2])), constLike(qg, 1 / Math.sqrt(hd)));
    const probs = reshape(softmax(add(reshape(scores, [B, KV, rep, n, kv]), bias)), [B, KV, rep * n, kv]);
    return [reshape(matmul(probs, vb), [B, H, n, hd])];
  })[0];
}

/**
 * The queries, keys and values of layer `pre` for h [B*T, D], in the attention layout [B, heads, T, hd]: input
 * RMSNorm, projections, q/k norm (Qwen3), then `rope` on queries and keys.
 */
export function attentionHeads(
  c: ModelConfig,
  P: ParamOf,
  pre: string,
  h: Value,
  B: number,
  T: number,
  rope: (x: Value) => Value,
): { qh: Value; kh: Value; vh: Value } {
  const hd = c.headDim;
  const x = rmsNorm(h, P(`${pre}.input_layernorm.weight`), c.rmsNormEps);
  const { q, k, v } = projectQkv(c, P, pre, x);
  let qh = transpose(reshape(q, [B, T, c.numHeads, hd]), [0, 2, 1, 3]);
  let kh = transpose(reshape(k, [B, T, c.numKvHeads, hd]), [0, 2, 1, 3]);
  const vh = transpose(reshape(v, [B, T, c.numKvHeads, hd]), [0, 2, 1, 3]);
  if (c.qkNorm) {
    qh = rmsNorm(qh, P(`${pre}.self_attn.q_norm.weight`), c.rmsNormEps);
    kh = rmsNorm(kh, P(`${pre}.self_attn.k_norm.weight`), c.rmsNormEps);
  }
  return { qh: rope(qh), kh: rope(kh), vh };
}

/** RoPE tables [B, 1, T, hd] for int64 positions [B, T] (no gradient flows into them) and the rotation they apply. */
export function ropeAtPositions(
  c: ModelConfig,
  positions: Value,
): { cosT: Value; sinT: Value; rope: (x: Value) => Value } {
  const g = positions.graph;
  const [B, T] = positions.shape as [number, number];
  const hd = c.headDim;
  const invFreq = g.constant(tensorData('float32', [hd / 2], ropeInvFreq(c)));
  const angles = mul(unsqueeze(cast(positions, 'float32'), 2), invFreq); // [B, T, hd/2]
  const emb = concat([angles, angles], 2);
  const cosT = reshape(cos(emb), [B, 1, T, hd]);
  const sinT = reshape(sin(emb), [B, 1, T, hd]);
  return { cosT, sinT, rope: ropeWith(hd, cosT, sinT) };
}

const ropeWith = (hd: number, cs: Value, sn: Value) => (x: Value) => add(mul(x, cs), mul(rotateHalf(x, hd / 2), sn));

/** One decoder layer: h [N, D] -> h [N, D]. `rope` applies the rotary embedding to [B, heads, T, hd]. */
function decoderLayer(
  c: ModelConfig,
  P: ParamOf,
  l: number,
  h: Value,
  rope: (x: Value) => Value,
  segments: Value,
  maskBias: () => Value,
  opts: TransformerOptions,
  onKv?: (layer: number, k: Value, v: Value) => void,
): Value {
  const [B, T] = segments.shape as [number, number];
  const N = B * T;
  const H = c.numHeads;
  const KV = c.numKvHeads;
  const hd = c.headDim;
  const rep = H / KV;
  const pre = `model.layers.${l}`;
  const { qh, kh, vh } = attentionHeads(c, P, pre, h, B, T, rope);
  onKv?.(l, kh, vh);
  let ctx: Value;
  if ((opts.attention ?? 'blocked') === 'dense') {
    // Grouped-query attention without materialising repeated K/V: the `rep` query heads that share a KV head
    // are stacked along the query axis, so one batched GEMM per KV head serves them all.
    const qg = reshape(qh, [B, KV, rep * T, hd]);
    const scores = mul(matmul(qg, transpose(kh, [0, 1, 3, 2])), constLike(qg, 1 / Math.sqrt(hd))); // [B, KV, rep*T, T]
    const masked = add(reshape(scores, [B, KV, rep, T, T]), maskBias());
    const probs = reshape(softmax(masked), [B, KV, rep * T, T]);
    ctx = reshape(matmul(probs, vh), [B, H, T, hd]);
  } else {
    const bs = Math.max(1, opts.blockSize ?? 256);
    const sizes = chunkSizes(T, bs);
    // Each block gets only its queries, split once: its query gradient is then its own [B, H, n, hd], joined by one
    // concatenation, where a block over the whole q returned a zero-padded [B, H, T, hd] gradient per block.
    const qBlocks = split(qh, 2, sizes);
    const blocks: Value[] = [];
    for (let k = 0, s = 0; k < sizes.length; s += sizes[k], k++)
      blocks.push(attentionBlock(c, qBlocks[k], kh, vh, segments, s, s + sizes[k], `${l}_${s}`));
    ctx = blocks.length === 1 ? blocks[0] : concat(blocks, 2);
  }
  const attnOut = reshape(transpose(ctx, [0, 2, 1, 3]), [N, H * hd]);
  h = add(h, project(attnOut, P, `${pre}.self_attn.o_proj`));
  if ((opts.attention ?? 'blocked') === 'dense') return mlpResidual(c, P, pre, h);
  // Chunks are the memory mode's (recomputeLayers): a chunk's recomputation costs one more MLP forward pass.
  const chunk = opts.mlpChunk ?? (opts.recomputeLayers ? mlpChunkFor(c.intermediateSize) : 0);
  return mlpResidualChunked(c, P, pre, h, chunk);
}

/**
 * Final hidden states [B*T, D] after the last RMSNorm (row-major over B, T). `onKv` receives each layer's keys and
 * values after RoPE ([B, KV, T, hd]): the sampler's prefill is this same forward pass with those as outputs.
 */
export function transformerHidden(
  c: ModelConfig,
  p: Params,
  inp: PackedBatchValues,
  opts: TransformerOptions = {},
  onKv?: (layer: number, k: Value, v: Value) => void,
  loraScale = 0,
): Value {
  const g: Graph = inp.ids.graph;
  const [B, T] = inp.ids.shape as [number, number];
  const hd = c.headDim;
  const P = paramGetter(p, loraScale);
  if (opts.recomputeLayers && onKv) throw new Error('transformer: onKv cannot be used with recomputeLayers');

  // The dense path's additive mask [B, 1, 1, T, T]: same segment and key index <= query index.
  let dense: Value | undefined;
  const maskBias = (): Value => {
    if (dense) return dense;
    const idx = rangeAlong(inp.ids, 1);
    const causal = lessOrEqual(unsqueeze(idx, 0), unsqueeze(idx, 1)); // [T(q), T(k)]
    const sameSeg = equal(unsqueeze(inp.segments, 2), unsqueeze(inp.segments, 1)); // [B, T, T]
    const zero = g.constant(tensorData('float32', [], Float32Array.of(0)));
    const neg = g.constant(tensorData('float32', [], Float32Array.of(-1e9)));
    dense = reshape(where(and(sameSeg, causal), zero, neg), [B, 1, 1, T, T]);
    return dense;
  };

  const { cosT, sinT, rope } = ropeAtPositions(c, inp.positions);

  let h = reshape(gather(P('model.embed_tokens.weight'), inp.ids), [B * T, c.hiddenSize]);
  for (let l = 0; l < c.numLayers; l++) {
    if (!opts.recomputeLayers) {
      h = decoderLayer(c, P, l, h, rope, inp.segments, maskBias, opts, onKv);
      continue;
    }
    const pre = `model.layers.${l}.`;
    const named = new Map([...p].filter(([k]) => k.startsWith(pre) || k.startsWith(`base_model.model.${pre}`)));
    [h] = rematNamed(`layer ${l}`, [h, cosT, sinT, inp.segments], named, ([hh, cs, sn, seg], m) => {
      // The dense mask is rebuilt inside the region from its (tied) segment ids.
      let local: Value | undefined;
      const localMask = (): Value => {
        if (local) return local;
        const idx = rangeAlong(seg, 1);
        const causal = lessOrEqual(unsqueeze(idx, 0), unsqueeze(idx, 1));
        const sameSeg = equal(unsqueeze(seg, 2), unsqueeze(seg, 1));
        const zero = g.constant(tensorData('float32', [], Float32Array.of(0)));
        const neg = g.constant(tensorData('float32', [], Float32Array.of(-1e9)));
        local = reshape(where(and(sameSeg, causal), zero, neg), [B, 1, 1, T, T]);
        return local;
      };
      const Pm = paramGetter(new Map([...p, ...m]), loraScale);
      return [decoderLayer(c, Pm, l, hh, ropeWith(hd, cs, sn), seg, localMask, opts)];
    });
  }
  return rmsNorm(h, P('model.norm.weight'), c.rmsNormEps);
}

/** Logits [B*T, V] (row-major over B, T): transformerHidden followed by the LM head. */
export function transformerLogits(
  c: ModelConfig,
  p: Params,
  inp: PackedBatchValues,
  onKv?: (layer: number, k: Value, v: Value) => void,
  opts: TransformerOptions = {},
  loraScale = 0,
): Value {
  return headLogits(c, paramGetter(p, loraScale), transformerHidden(c, p, inp, opts, onKv, loraScale));
}

/** Where a graph's weights come from. */
export type WeightSource =
  /** Every parameter a float32 graph input `p.<name>` (full fine-tuning; one graph serves every update). */
  | { readonly kind: 'full' }
  /**
   * Base weights frozen as initializers in their stored dtype (float16 / bfloat16 cast to float32 in the graph,
   * which onnxruntime folds once per session), the LoRA A/B tensors float32 graph inputs `p.<adapter name>`.
   */
  | { readonly kind: 'lora'; readonly base: LoraBase; readonly settings: LoraSettings };

/** A LoRA model's frozen base: tensors as stored, in memory, or one float32 file every session maps (mapped-base.ts). */
export type LoraBase = ReadonlyMap<string, StoredTensor> | MappedBase;

const isMappedBase = (b: LoraBase): b is MappedBase => !(b instanceof Map);

/** The folder a session over this source must be told (file-backed base weights), if any. */
export function externalFolderOf(src: WeightSource): string | undefined {
  return src.kind === 'lora' && isMappedBase(src.base) ? src.base.folder : undefined;
}

export interface DeclaredWeights {
  readonly params: Map<string, Value>;
  /** What gradients are taken of and the optimizer updates, in a fixed order. */
  readonly trainable: Array<{ name: string; shape: number[]; value: Value }>;
  readonly loraScale: number;
}

/** Bytes of a stored tensor as the typed array its dtype needs (copied only when the view would be misaligned). */
function typedView(t: StoredTensor): Float32Array | Uint16Array {
  const aligned = t.data.byteOffset % 4 === 0 ? t.data : t.data.slice();
  return t.dtype === 'F32'
    ? new Float32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4)
    : new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2);
}

export function declareWeights(g: Graph, c: ModelConfig, src: WeightSource, prefix = 'p.'): DeclaredWeights {
  if (src.kind === 'full') {
    const params = declareParams(g, c, prefix);
    const trainable = parameterSpecs(c).map((s) => ({ ...s, value: params.get(s.name)! }));
    return { params, trainable, loraScale: 0 };
  }
  const params = new Map<string, Value>();
  const base = src.base;
  if (isMappedBase(base)) {
    for (const s of parameterSpecs(c)) {
      const t = base.tensors.get(s.name);
      if (!t) throw new Error(`missing base weight ${s.name}`);
      if (t.shape.join(',') !== s.shape.join(','))
        throw new Error(`base weight ${s.name} has shape [${t.shape.join(', ')}], expected [${s.shape.join(', ')}]`);
      const init = g.constant(
        {
          ...tensorData('float32', s.shape, new Float32Array(0)),
          external: { file: base.file, offset: t.offset, length: t.length },
        },
        `base.${s.name}`,
      );
      // Through Identity for the decode Loop's outer-scope reads (see below); onnxruntime does not copy for it.
      params.set(s.name, g.nameValue(identity(init), `w.${s.name}`));
    }
  } else
    for (const s of parameterSpecs(c)) {
      const t = base.get(s.name);
      if (!t) throw new Error(`missing base weight ${s.name}`);
      const dtype =
        t.dtype === 'F32' ? 'float32' : t.dtype === 'F16' ? 'float16' : t.dtype === 'BF16' ? 'bfloat16' : null;
      if (!dtype) throw new Error(`base weight ${s.name} has dtype ${t.dtype}`);
      const external = t.data.byteLength >= 65536;
      const init = g.constant({ ...tensorData(dtype, s.shape, typedView(t)), external }, `base.${s.name}`);
      // A float32 base goes through Identity: a decode Loop's body reads it from the outer scope, and onnxruntime
      // refuses a subgraph whose outer-scope input is a bare initializer of the main graph ("Nodes in a graph must be
      // topologically sorted, however input 'base.…'"); a node output (as the Cast of a bf16 base is) resolves.
      params.set(s.name, g.nameValue(dtype === 'float32' ? identity(init) : cast(init, 'float32'), `w.${s.name}`));
    }
  const trainable = adapterSpecs(c, src.settings).map((s) => {
    const value = g.input(prefix + s.name, 'float32', s.shape);
    params.set(s.name, value);
    return { ...s, value };
  });
  return { params, trainable, loraScale: loraScale(src.settings) };
}

/** Declare every parameter as a runtime graph input (so one compiled graph serves every weight update). */
export function declareParams(g: Graph, c: ModelConfig, prefix = ''): Map<string, Value> {
  const m = new Map<string, Value>();
  for (const s of parameterSpecs(c)) m.set(s.name, g.input(prefix + s.name, 'float32', s.shape));
  return m;
}

/** Static FLOPs of one forward pass per token (matmuls only), for GFLOP/s reporting. */
export function forwardFlopsPerToken(c: ModelConfig, seqLen: number): number {
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const perLayer =
    2 * c.hiddenSize * (q + 2 * kv) +
    2 * q * c.hiddenSize +
    2 * 3 * c.hiddenSize * c.intermediateSize +
    2 * 2 * seqLen * q;
  return c.numLayers * perLayer + 2 * c.hiddenSize * c.vocabSize;
}
