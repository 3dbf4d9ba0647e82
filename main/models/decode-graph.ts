/**
 * Inference graphs for autoregressive sampling with a KV cache:
 *   prefill — prompt tokens [P, T] -> the K/V of every position, per layer (no LM head: the last prompt token is
 *             fed to the first decode step, which produces the first sampled token's logits);
 *   step    — ONE decode step per run (the naive baseline: the whole cache is rewritten and goes through JS every
 *             token);
 *   loop    — an ONNX Loop running up to `steps` decode steps in ONE run: the cache from before the run is read in
 *             place, the run's own K/V grow in a small carried tensor, the next token is sampled in-graph from
 *             uniforms fed as an input, and the Loop stops early once every slot is done. Only the tokens, their
 *             log-probs and the run's new K/V come back.
 *
 * The decoder math follows transformer.ts (log-probs match the scoring graph to ~1e-6): RMSNorm (in the form
 * onnxruntime fuses), q/k norm, RoPE from float32 positions, GQA with the `rep` query heads stacked per KV head,
 * additive -1e9 mask. The cache is [B, KV, S, hd] per layer with symbolic B (slots) and S (capacity); each slot has
 * its own position, so slots hold unrelated sequences at different lengths (continuous batching); keys at or past a
 * slot's position are masked, so stale entries of a refilled slot never leak.
 */
import {
  add,
  argMax,
  cast,
  concat,
  constLike,
  cos,
  cumSum,
  type Dim,
  div,
  equal,
  exp,
  expandLike,
  gather,
  gatherElements,
  Graph,
  greaterOrEqual,
  less,
  lessOrEqual,
  logSoftmax,
  loop,
  LoopBody,
  matmul,
  maximum,
  mul,
  neg,
  not,
  type OpDef,
  or,
  pow,
  rangeAlong,
  reduceMax,
  reduceMean,
  reduceMinKeep,
  reduceSum,
  reshape,
  scalar,
  scatterSet,
  silu,
  sin,
  slice,
  softmax,
  sqrt,
  sub,
  tensorData,
  topK,
  transpose,
  unsqueeze,
  type Value,
  where,
  zerosLike,
} from '../engine/index.ts';
import type { ModelConfig } from './config.ts';
import { ropeInvFreq } from './rope.ts';
import {
  attentionHeads,
  declareWeights,
  headLogits,
  mlpResidual,
  type ParamOf,
  paramGetter,
  project,
  projectQkv,
  ropeAtPositions,
  transformerLogits,
  type WeightSource,
} from './transformer.ts';

const FULL: WeightSource = { kind: 'full' };

function f32Const(g: Graph, v: number): Value {
  return g.constant(tensorData('float32', [], Float32Array.of(v)));
}

export const cacheName = (kind: 'k' | 'v', layer: number): string => `${kind}.${layer}`;

/**
 * Prefill: ids [P, T] (right-padded; padding only affects padded positions, causality keeps them out). It is the
 * training forward pass itself with each layer's post-RoPE keys and values as outputs; emission drops the unused
 * tail (the last layer's attention and MLP, the logits).
 */
export function buildPrefillGraph(c: ModelConfig, P: number, T: number, src: WeightSource = FULL): Graph {
  const g = new Graph(`prefill_${P}x${T}`);
  const ids = g.input('ids', 'int64', [P, T]);
  const w = declareWeights(g, c, src, 'p.');
  // One sequence per row: positions 0..T-1 and a single segment, so the mask is plain causal.
  const positions = expandLike(unsqueeze(rangeAlong(ids, 1), 0), ids);
  const segments = zerosLike(ids);
  transformerLogits(
    c,
    w.params,
    { ids, positions, segments },
    (l, k, v) => {
      g.output(cacheName('k', l), k);
      g.output(cacheName('v', l), v);
    },
    {},
    w.loraScale,
  );
  return g;
}

/**
 * Extend: the K/V of `T` more prompt tokens per row whose earlier positions are already cached (prefix reuse: a
 * lifecycle's next call repeats its previous call's prompt and reply and adds a little). Row p is slot rows[p] of the
 * sampler's host cache (`k.l` / `v.l` ['B', KV, 'S', hd], read in place and gathered in-graph); its ids [P, T]
 * (right-padded) sit at positions start[p] .. start[p] + T - 1 and attend to the slot's keys below start[p]
 * (`past_bias` [P, 1, 1, 'S']: 0 there, else -1e9) and causally to each other, with one softmax over both. The math
 * is the prefill graph's (transformer.ts's norm, projections, RoPE tables and MLP), so the cache it extends is the
 * one a full prefill would have written, up to float rounding. Outputs `new.k.l` / `new.v.l` [P, KV, T, hd] (after
 * RoPE).
 */
export function buildExtendGraph(c: ModelConfig, P: number, T: number, src: WeightSource = FULL): Graph {
  const g = new Graph(`extend_${P}x${T}`);
  const H = c.numHeads;
  const KV = c.numKvHeads;
  const hd = c.headDim;
  const rep = H / KV;
  const ids = g.input('ids', 'int64', [P, T]);
  const rows = g.input('rows', 'int64', [P]);
  const start = g.input('start', 'int64', [P]);
  const past = declareCaches(g, c).map((cache) => gather(cache, rows)); // [P, KV, S, hd]
  const pastBias = g.input('past_bias', 'float32', [P, 1, 1, 'S']);
  const w = declareWeights(g, c, src, 'p.');
  const param = paramGetter(w.params, w.loraScale);
  // RoPE at each row's positions, as the training forward pass applies it.
  const { rope } = ropeAtPositions(c, add(unsqueeze(start, 1), unsqueeze(rangeAlong(ids, 1), 0))); // [P, T]
  const causal = new Float32Array(T * T);
  for (let i = 0; i < T; i++) causal.fill(-1e9, i * T + i + 1, (i + 1) * T);
  const causalBias = g.constant(tensorData('float32', [1, 1, 1, T, T], causal));
  const scale = f32Const(g, 1 / Math.sqrt(hd));
  const split = concat(
    [g.apply1(DimOfOp, [past[0]], { axis: 2 }), g.constant(tensorData('int64', [1], BigInt64Array.of(BigInt(T))))],
    0,
  );
  let h = reshape(gather(param('model.embed_tokens.weight'), ids), [P * T, c.hiddenSize]);
  for (let l = 0; l < c.numLayers; l++) {
    const pre = `model.layers.${l}`;
    const { qh, kh, vh } = attentionHeads(c, param, pre, h, P, T, rope);
    g.output(`new.${cacheName('k', l)}`, kh);
    g.output(`new.${cacheName('v', l)}`, vh);
    // The `rep` query heads of a KV head stacked along the query axis, as in transformer.ts's attention.
    const qg = reshape(qh, [P, KV, rep * T, hd]);
    const sp = add(mul(matmul(qg, transpose(past[2 * l], [0, 1, 3, 2])), scale), pastBias); // [P, KV, rep*T, S]
    const sn = reshape(
      add(reshape(mul(matmul(qg, transpose(kh, [0, 1, 3, 2])), scale), [P, KV, rep, T, T]), causalBias),
      [P, KV, rep * T, T],
    );
    const [pp, pn] = splitBy(softmax(concatDyn([sp, sn], 3, 'S+T')), split, 3, ['S', T]);
    const ctx = add(matmul(pp, past[2 * l + 1]), matmul(pn, vh)); // [P, KV, rep*T, hd]
    const attnOut = reshape(transpose(reshape(ctx, [P, H, T, hd]), [0, 2, 1, 3]), [P * T, H * hd]);
    h = add(h, project(attnOut, param, `${pre}.self_attn.o_proj`));
    h = mlpResidual(c, param, pre, h);
  }
  return g;
}

/** ONNX Split along `axis` into pieces whose sizes come from a runtime int64 tensor (inference only). */
const SplitByOp: OpDef = {
  name: 'SplitBy',
  infer: ([x, sizes], attrs) => {
    const axis = attrs.axis as number;
    const dims = attrs.dims as Dim[];
    if (sizes.rank !== 1 || sizes.shape[0] !== dims.length) throw new Error('SplitBy: one size per piece');
    return dims.map((d) => ({ dtype: x.dtype, shape: x.shape.map((e, k) => (k === axis ? d : e)) }));
  },
  emit: (n, i, o) => [{ opType: 'Split', inputs: i, outputs: o, attrs: { axis: n.attrs.axis as number } }],
};
const splitBy = (x: Value, sizes: Value, axis: number, dims: Dim[]): Value[] =>
  x.graph.apply(SplitByOp, [x, sizes], { axis, dims });

/** Concat along an axis whose sizes are symbolic (the engine's concat wants static ones); `dim` names the result. */
const ConcatDynOp: OpDef = {
  name: 'ConcatDyn',
  infer: (xs, attrs) => {
    const axis = attrs.axis as number;
    return [{ dtype: xs[0].dtype, shape: xs[0].shape.map((d, k) => (k === axis ? (attrs.dim as string) : d)) }];
  },
  emit: (n, i, o) => [{ opType: 'Concat', inputs: i, outputs: o, attrs: { axis: n.attrs.axis as number } }],
};
const concatDyn = (xs: Value[], axis: number, dim: string): Value => xs[0].graph.apply1(ConcatDynOp, xs, { axis, dim });

/**
 * RMSNorm as Pow -> ReduceMean -> Add -> Sqrt -> Div -> Mul, the pattern onnxruntime fuses into one
 * SimplifiedLayerNormalization kernel (transformer.ts's Mul/Reciprocal form stays 6 kernels). Same math: the
 * difference is an ulp or two per element, far inside the 1e-4 log-prob bound.
 */
function rmsNormFused(x: Value, w: Value, eps: number): Value {
  const ms = reduceMean(pow(x, constLike(x, 2)), [-1], true);
  return mul(div(x, sqrt(add(ms, constLike(ms, eps)))), w);
}

/** Gather along the last axis with constant indices. */
const GatherLastOp: OpDef = {
  name: 'GatherLast',
  infer: ([x, idx]) => [{ dtype: x.dtype, shape: [...x.shape.slice(0, -1), ...idx.shape] }],
  emit: (_n, i, o) => [{ opType: 'Gather', inputs: i, outputs: o, attrs: { axis: -1 } }],
};

/** `x` [.., 1] (static size 1 along `axis`'s slot) holding x's runtime size along `axis` (ONNX Shape start/end). */
const DimOfOp: OpDef = {
  name: 'DimOf',
  infer: () => [{ dtype: 'int64', shape: [1] }],
  emit: (n, i, o) => {
    const axis = n.attrs.axis as number;
    return [{ opType: 'Shape', inputs: i, outputs: o, attrs: { start: axis, end: axis + 1 } }];
  },
};

/**
 * RoPE for one position per slot, in 4 kernels per use: x * cos + x[perm] * sinSigned, where x[perm] swaps the two
 * halves and sinSigned = [-sin, sin]. That is rotate-half's arithmetic exactly (-x*s == x*-s), so values equal
 * transformer.ts's x * cos + rotateHalf(x) * sin bit for bit. Tables [B, 1, hd] are built once per step.
 */
function ropeAt(c: ModelConfig, pos: Value): (x: Value) => Value {
  const g = pos.graph;
  const hd = c.headDim;
  const half = hd / 2;
  const perm = BigInt64Array.from({ length: hd }, (_, j) => BigInt(j < half ? j + half : j - half));
  const permV = g.constant(tensorData('int64', [hd], perm));
  const invFreq = g.constant(tensorData('float32', [half], ropeInvFreq(c)));
  const angles = mul(reshape(cast(pos, 'float32'), ['B', 1]), invFreq); // [B, hd/2]
  // [B, 1, 1, hd]: broadcast over q's [B, KV, rep, hd] and k's [B, KV, 1, hd].
  const cosT = reshape(cos(concat([angles, angles], 1)), ['B', 1, 1, hd]);
  const sa = sin(angles);
  const sinT = reshape(concat([neg(sa), sa], 1), ['B', 1, 1, hd]);
  return (x) => add(mul(x, cosT), mul(g.apply1(GatherLastOp, [x, permV]), sinT));
}

/**
 * Attention of one layer for one new token per slot: q [B, KV, rep, hd] (after RoPE), the token's k, v
 * [B, KV, 1, hd] (k after RoPE). Returns the context [B, KV, rep, hd] (before o_proj).
 */
type Attend = (layer: number, q: Value, k: Value, v: Value) => Value;

/** One decode step: tok/pos ['B'] -> logits ['B', V]; the cache is whatever `attend` keeps. */
function decodeStep(c: ModelConfig, param: ParamOf, tok: Value, pos: Value, attend: Attend): Value {
  const H = c.numHeads;
  const KV = c.numKvHeads;
  const hd = c.headDim;
  const rep = H / KV;
  const rope = ropeAt(c, pos);
  let h = gather(param('model.embed_tokens.weight'), tok); // [B, D]
  for (let l = 0; l < c.numLayers; l++) {
    const pre = `model.layers.${l}`;
    const x = rmsNormFused(h, param(`${pre}.input_layernorm.weight`), c.rmsNormEps);
    const { q, k, v } = projectQkv(c, param, pre, x);
    // Heads straight into the attention layout (norm and RoPE act on the last axis only).
    let qg = reshape(q, ['B', KV, rep, hd]);
    let k4 = reshape(k, ['B', KV, 1, hd]);
    if (c.qkNorm) {
      qg = rmsNormFused(qg, param(`${pre}.self_attn.q_norm.weight`), c.rmsNormEps);
      k4 = rmsNormFused(k4, param(`${pre}.self_attn.k_norm.weight`), c.rmsNormEps);
    }
    qg = rope(qg);
    k4 = rope(k4);
    const ctx = reshape(attend(l, qg, k4, reshape(v, ['B', KV, 1, hd])), ['B', H * hd]);
    h = add(h, project(ctx, param, `${pre}.self_attn.o_proj`));
    // transformer.ts's mlpResidual with the fusable RMSNorm form (same projections and SwiGLU).
    const y = rmsNormFused(h, param(`${pre}.post_attention_layernorm.weight`), c.rmsNormEps);
    const gate = silu(project(y, param, `${pre}.mlp.gate_proj`));
    h = add(h, project(mul(gate, project(y, param, `${pre}.mlp.up_proj`)), param, `${pre}.mlp.down_proj`));
  }
  return headLogits(c, param, rmsNormFused(h, param('model.norm.weight'), c.rmsNormEps));
}

/**
 * The naive step's attention: the token's K/V written into the full cache [B, KV, S, hd] at `pos` (a full copy of
 * the cache, which is what this baseline pays every token) and attention over keys at index <= pos.
 */
function fullCacheAttention(c: ModelConfig, pos: Value, caches: readonly Value[], next: Value[]): Attend {
  const g = pos.graph;
  const keyIdx = rangeAlong(caches[0], 2); // ['S']
  const visible = lessOrEqual(reshape(keyIdx, [1, 1, 1, 'S']), reshape(pos, ['B', 1, 1, 1]));
  const maskBias = where(visible, f32Const(g, 0), f32Const(g, -1e9)); // [B, 1, 1, S]
  const writeAt = reshape(pos, ['B', 1, 1, 1]);
  const scale = f32Const(g, 1 / Math.sqrt(c.headDim));
  return (l, q, k, v) => {
    const idx = expandLike(writeAt, k);
    const kc = scatterSet(caches[2 * l], idx, k, 2);
    const vc = scatterSet(caches[2 * l + 1], idx, v, 2);
    next.push(kc, vc);
    const scores = mul(matmul(q, transpose(kc, [0, 1, 3, 2])), scale); // [B, KV, rep, S]
    return matmul(softmax(add(scores, maskBias)), vc);
  };
}

export interface SamplingInputs {
  /** ['B'] uniform in [0, 1): the slot's draw for this step (from its request's seeded RNG). */
  readonly u: Value;
  /** ['B'] 1 / temperature (1 for greedy slots). */
  readonly invTemp: Value;
  /** ['B'] bool: argmax instead of sampling (temperature 0). */
  readonly greedy: Value;
  /** ['B'] int64 top-k (V = off) and ['B'] top-p (1 = off); absent in the unfiltered variant. */
  readonly topK?: Value;
  readonly topP?: Value;
}

/**
 * Samples the next token by inverse CDF over the (temperature-scaled, top-k / top-p filtered) unnormalised
 * probabilities: token = first index whose cumulative weight exceeds u * total. Zero-weight (filtered) tokens can
 * never be chosen, since their cumulative weight equals their predecessor's. Returns the token and its log-prob
 * under the policy at temperature 1 (log_softmax of the raw logits: what the trainer recomputes).
 * Top-k / top-p keep every token tied with the threshold value (ties are measure-zero for real logits).
 */
function sampleToken(logits: Value, s: SamplingInputs, V: number): { tok: Value; logp: Value } {
  const g = logits.graph;
  const lp = logSoftmax(logits);
  const scaled = mul(logits, reshape(s.invTemp, ['B', 1]));
  const z = sub(scaled, reduceMax(scaled, [-1], true)); // <= 0, so exp never overflows
  let w = exp(z);
  if (s.topK && s.topP) {
    const [sorted] = topK(z, V); // descending
    const kth = gatherElements(sorted, reshape(sub(s.topK, scalar(s.topK, 1, 'int64')), ['B', 1]), 1); // [B, 1]
    const ps = softmax(sorted);
    const before = sub(cumSum(ps, 1), ps); // mass strictly above each sorted entry
    const keep = less(before, reshape(s.topP, ['B', 1])); // the smallest prefix reaching top_p (>= 1 entry)
    const pth = reduceMinKeep(where(keep, sorted, f32Const(g, 3e38)), 1);
    const keepTok = greaterOrEqual(z, maximum(kth, pth));
    w = where(keepTok, w, f32Const(g, 0));
  }
  const cw = cumSum(w, 1);
  const total = slice(cw, 1, V - 1, V); // [B, 1]
  const target = mul(reshape(s.u, ['B', 1]), total);
  const count = reshape(reduceSum(cast(lessOrEqual(cw, target), 'int64'), [1], true), ['B']);
  // The heaviest token, for greedy slots (their invTemp is 1, and subtracting the max keeps the argmax exactly) and
  // for the case where u * total rounds up to total and no index qualifies.
  const top = argMax(z, 1);
  const sampled = where(greaterOrEqual(count, scalar(count, V, 'int64')), top, count);
  const tok = where(s.greedy, top, sampled);
  const logp = reshape(gatherElements(lp, reshape(tok, ['B', 1]), 1), ['B']);
  return { tok, logp };
}

function declareSampling(
  g: Graph,
  filtered: boolean,
  uShape: Array<number | string>,
): SamplingInputs & { uAll: Value } {
  const uAll = g.input('u', 'float32', uShape);
  return {
    uAll,
    u: uAll,
    invTemp: g.input('inv_temp', 'float32', ['B']),
    greedy: g.input('greedy', 'bool', ['B']),
    ...(filtered ? { topK: g.input('top_k', 'int64', ['B']), topP: g.input('top_p', 'float32', ['B']) } : {}),
  };
}

function declareCaches(g: Graph, c: ModelConfig): Value[] {
  const out: Value[] = [];
  for (let l = 0; l < c.numLayers; l++)
    for (const kind of ['k', 'v'] as const)
      out.push(g.input(cacheName(kind, l), 'float32', ['B', c.numKvHeads, 'S', c.headDim]));
  return out;
}

/** Naive: one decode step + sampling per run. Outputs `token`, `logp` ['B'] and `new.k.l` / `new.v.l`. */
export function buildStepGraph(c: ModelConfig, filtered: boolean, src: WeightSource = FULL): Graph {
  const g = new Graph(`decode_step${filtered ? '_filtered' : ''}`);
  const tok = g.input('tok', 'int64', ['B']);
  const pos = g.input('pos', 'int64', ['B']);
  const caches = declareCaches(g, c);
  const s = declareSampling(g, filtered, ['B']);
  const w = declareWeights(g, c, src, 'p.');
  const param = paramGetter(w.params, w.loraScale);
  const next: Value[] = [];
  const logits = decodeStep(c, param, tok, pos, fullCacheAttention(c, pos, caches, next));
  const out = sampleToken(logits, s, c.vocabSize);
  g.output('token', out.tok);
  g.output('logp', out.logp);
  next.forEach((v, i) => g.output(`new.${caches[i].name!}`, v));
  return g;
}

export const recentName = (kind: 'k' | 'v', layer: number): string => `recent.${kind}.${layer}`;

/**
 * Loop: up to `steps` decode steps in one run, sampling in-graph.
 *
 * The cache is split in two so no step copies it: the PAST (`k.l` / `v.l` ['B', KV, 'S', hd], every position
 * before the chunk) is an outer-scope input the body only reads, and the chunk's own K/V are carried as a RECENT
 * tensor ['B', KV, 'R', hd] that starts empty (R = 0) and grows by one row per step (Concat copies only the chunk so
 * far, R <= steps). Each step attends over [past | recent] with one softmax. The caller appends the returned recent
 * rows to its host cache; the past never leaves JS memory.
 *
 * Inputs: steps, tok/pos ['B'] (each slot's last token and its position = the chunk's first write position), the
 * past caches, the empty recent caches (`recent.k.l` / `recent.v.l`, R = 0), `past_bias` ['B', 1, 1, 'S'] (0 where
 * index < pos, else -1e9), u ['K', 'B'] (row i: step i's draws), `budget` ['B'] (steps each slot may still take; 0
 * for an empty slot) and `eos` ['B', 'E'] (end-of-sequence ids per slot, -1 padded). The Loop stops early once every
 * slot has drawn an eos id or spent its budget.
 * Outputs: `tokens`, `logps` [n, B] (n = steps run) and `new.recent.k.l` / `new.recent.v.l` ['B', KV, n, hd].
 */
export function buildLoopGraph(c: ModelConfig, filtered: boolean, src: WeightSource = FULL): Graph {
  const g = new Graph(`decode_loop${filtered ? '_filtered' : ''}`);
  const KV = c.numKvHeads;
  const hd = c.headDim;
  const steps = g.input('steps', 'int64', []);
  const tok = g.input('tok', 'int64', ['B']);
  const pos = g.input('pos', 'int64', ['B']);
  const past = declareCaches(g, c);
  const recent: Value[] = [];
  for (let l = 0; l < c.numLayers; l++)
    for (const kind of ['k', 'v'] as const) recent.push(g.input(recentName(kind, l), 'float32', ['B', KV, 'R', hd]));
  const pastBias = g.input('past_bias', 'float32', ['B', 1, 1, 'S']);
  const budget = g.input('budget', 'int64', ['B']);
  const eos = g.input('eos', 'int64', ['B', 'E']);
  const s = declareSampling(g, filtered, ['K', 'B']);
  const w = declareWeights(g, c, src, 'p.');
  const params = w.params;
  const cond = g.constant(tensorData('bool', [], Uint8Array.of(1)), 'loop_cond');
  const notDone = g.constant(tensorData('bool', [1], Uint8Array.of(0)), 'not_done');

  const body = new LoopBody('body', [
    { name: 'tok', dtype: 'int64', shape: ['B'] },
    { name: 'pos', dtype: 'int64', shape: ['B'] },
    { name: 'done', dtype: 'bool', shape: ['B'] },
    ...recent.map((v) => ({ name: v.name!, dtype: v.dtype, shape: v.shape })),
  ]);
  const bg = body.graph;
  const inner = new Map<string, Value>();
  for (const [name, v] of params) inner.set(name, body.outer(v));
  const [bTok, bPos, bDone, ...bRecent] = body.carried;
  const bPast = past.map((v) => body.outer(v));
  const bPastBias = body.outer(pastBias);
  const one = scalar(body.iter, 1, 'int64');
  // Softmax pieces: S past keys, then iter + 1 recent ones.
  const split = concat([bg.apply1(DimOfOp, [bPast[0]], { axis: 2 }), reshape(add(body.iter, one), [1])], 0);
  const scale = f32Const(bg, 1 / Math.sqrt(hd));
  const nextRecent: Value[] = [];
  const attend: Attend = (l, q, k, v) => {
    const rk = concatDyn([bRecent[2 * l], k], 2, 'R');
    const rv = concatDyn([bRecent[2 * l + 1], v], 2, 'R');
    nextRecent.push(rk, rv);
    const sp = add(mul(matmul(q, transpose(bPast[2 * l], [0, 1, 3, 2])), scale), bPastBias); // [B, KV, rep, S]
    const sr = mul(matmul(q, transpose(rk, [0, 1, 3, 2])), scale); // [B, KV, rep, R]: all visible
    const [pp, pr] = splitBy(softmax(concatDyn([sp, sr], 3, 'S+R')), split, 3, ['S', 'R']);
    return add(matmul(pp, bPast[2 * l + 1]), matmul(pr, rv));
  };
  const row = gather(body.outer(s.uAll), body.iter); // ['B']
  const bs: SamplingInputs = {
    u: row,
    invTemp: body.outer(s.invTemp),
    greedy: body.outer(s.greedy),
    ...(s.topK && s.topP ? { topK: body.outer(s.topK), topP: body.outer(s.topP) } : {}),
  };
  const logits = decodeStep(c, paramGetter(inner, w.loraScale), bTok, bPos, attend);
  const sampled = sampleToken(logits, bs, c.vocabSize);
  // A slot is done once it drew an eos id or used its budget; its later draws are discarded by the caller.
  const hitEos = reduceMax(cast(equal(reshape(sampled.tok, ['B', 1]), body.outer(eos)), 'int32'), [1], false);
  const spent = greaterOrEqual(add(body.iter, one), body.outer(budget));
  const done = or(bDone, or(cast(hitEos, 'bool'), spent));
  bg.output('cond_out', reshape(not(cast(reduceMinKeep(cast(done, 'int32'), 0), 'bool')), []));
  bg.output('tok_out', sampled.tok);
  bg.output('pos_out', add(bPos, one));
  bg.output('done_out', done);
  nextRecent.forEach((v, i) => bg.output(`${recent[i].name!}_out`, v));
  bg.output('scan_tok', sampled.tok);
  bg.output('scan_logp', sampled.logp);

  const initDone = expandLike(notDone, tok);
  const outs = loop(steps, cond, [tok, pos, initDone, ...recent], body);
  const nCarried = 3 + recent.length;
  recent.forEach((v, i) => g.output(`new.${v.name!}`, outs[3 + i]));
  g.output('tokens', outs[nCarried]);
  g.output('logps', outs[nCarried + 1]);
  return g;
}
