/**
 * Inference graphs for autoregressive sampling with a KV cache held in onnxruntime tensors:
 *   prefill — prompt tokens [P, T] -> the K/V of every position, per layer (no LM head: the last prompt token is
 *             fed to the first decode step, which produces the first sampled token's logits);
 *   step    — ONE decode step per run (the naive baseline: the whole cache goes through JS every token);
 *   loop    — an ONNX Loop running up to `steps` decode steps in ONE run, the cache carried as loop state and the
 *             next token sampled in-graph from uniforms fed as an input, so only K tokens per run come back.
 *
 * The decoder math mirrors transformer.ts (same op order, so log-probs match the scoring graph to ~1e-6): RMSNorm,
 * q/k norm, RoPE from float32 positions, GQA with the `rep` query heads stacked per KV head, additive -1e9 mask.
 * The cache is [B, KV, S, hd] per layer with symbolic B (slots) and S (capacity); each slot has its own position,
 * so slots hold unrelated sequences at different lengths (continuous batching). Position p is written with a
 * ScatterElements (no reduction) and keys at index > p are masked, so stale entries of a refilled slot never leak.
 */
import {
  add,
  argMax,
  cast,
  concat,
  constLike,
  cos,
  cumSum,
  exp,
  expandLike,
  gather,
  gatherElements,
  Graph,
  greaterOrEqual,
  less,
  lessOrEqual,
  linear,
  logSoftmax,
  loop,
  LoopBody,
  matmul,
  maximum,
  mul,
  rangeAlong,
  reduceMax,
  reduceMinKeep,
  reduceSum,
  reshape,
  scalar,
  scatterSet,
  sin,
  slice,
  softmax,
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
  declareParams,
  mlpResidual,
  type ParamOf,
  paramGetter,
  projectQkv,
  rmsNorm,
  rotateHalf,
  transformerLogits,
} from './transformer.ts';

function f32Const(g: Graph, v: number): Value {
  return g.constant(tensorData('float32', [], Float32Array.of(v)));
}

export const cacheName = (kind: 'k' | 'v', layer: number): string => `${kind}.${layer}`;

/**
 * Prefill: ids [P, T] (right-padded; padding only affects padded positions, causality keeps them out). It is the
 * training forward pass itself with each layer's post-RoPE keys and values as outputs; emission drops the unused
 * tail (the last layer's attention and MLP, the logits).
 */
export function buildPrefillGraph(c: ModelConfig, P: number, T: number): Graph {
  const g = new Graph(`prefill_${P}x${T}`);
  const ids = g.input('ids', 'int64', [P, T]);
  const params = declareParams(g, c, 'p.');
  // One sequence per row: positions 0..T-1 and a single segment, so the mask is plain causal.
  const positions = expandLike(unsqueeze(rangeAlong(ids, 1), 0), ids);
  const segments = zerosLike(ids);
  transformerLogits(c, params, { ids, positions, segments }, (l, k, v) => {
    g.output(cacheName('k', l), k);
    g.output(cacheName('v', l), v);
  });
  return g;
}

/** One decode step: tok/pos ['B'], caches ['B', KV, 'S', hd] -> logits ['B', V] and the updated caches. */
function decodeStep(
  c: ModelConfig,
  param: ParamOf,
  tok: Value,
  pos: Value,
  caches: readonly Value[],
): { logits: Value; caches: Value[] } {
  const g = tok.graph;
  const H = c.numHeads;
  const KV = c.numKvHeads;
  const hd = c.headDim;
  const rep = H / KV;
  const invFreq = g.constant(tensorData('float32', [hd / 2], ropeInvFreq(c)));
  const angles = mul(reshape(cast(pos, 'float32'), ['B', 1]), invFreq); // [B, hd/2]
  const emb = concat([angles, angles], 1);
  const cosT = reshape(cos(emb), ['B', 1, hd]);
  const sinT = reshape(sin(emb), ['B', 1, hd]);
  const rope = (x: Value) => add(mul(x, cosT), mul(rotateHalf(x, hd / 2), sinT));
  // Keys at index <= pos are visible (the slot's own sequence); later indices hold stale or garbage entries.
  const keyIdx = rangeAlong(caches[0], 2); // ['S']
  const visible = lessOrEqual(reshape(keyIdx, [1, 1, 1, 'S']), reshape(pos, ['B', 1, 1, 1]));
  const maskBias = where(visible, f32Const(g, 0), f32Const(g, -1e9)); // [B, 1, 1, S]
  const writeAt = reshape(pos, ['B', 1, 1, 1]);

  let h = gather(param('model.embed_tokens.weight'), tok); // [B, D]
  const scaleV = constLike(h, 1 / Math.sqrt(hd));
  const next: Value[] = [];
  for (let l = 0; l < c.numLayers; l++) {
    const pre = `model.layers.${l}`;
    const x = rmsNorm(h, param(`${pre}.input_layernorm.weight`), c.rmsNormEps);
    const { q, k, v } = projectQkv(c, param, pre, x);
    let qh = reshape(q, ['B', H, hd]);
    let kh = reshape(k, ['B', KV, hd]);
    const vh = reshape(v, ['B', KV, 1, hd]);
    if (c.qkNorm) {
      qh = rmsNorm(qh, param(`${pre}.self_attn.q_norm.weight`), c.rmsNormEps);
      kh = rmsNorm(kh, param(`${pre}.self_attn.k_norm.weight`), c.rmsNormEps);
    }
    qh = rope(qh);
    const kh4 = reshape(rope(kh), ['B', KV, 1, hd]);
    const idx = expandLike(writeAt, kh4);
    const kc = scatterSet(caches[2 * l], idx, kh4, 2);
    const vc = scatterSet(caches[2 * l + 1], idx, vh, 2);
    next.push(kc, vc);
    const qg = reshape(qh, ['B', KV, rep, hd]);
    const scores = mul(matmul(qg, transpose(kc, [0, 1, 3, 2])), scaleV); // [B, KV, rep, S]
    const probs = softmax(add(scores, maskBias));
    const ctx = reshape(matmul(probs, vc), ['B', H * hd]);
    h = add(h, linear(ctx, param(`${pre}.self_attn.o_proj.weight`)));
    h = mlpResidual(c, param, pre, h);
  }
  const hf = rmsNorm(h, param('model.norm.weight'), c.rmsNormEps);
  const head = c.tieWordEmbeddings ? param('model.embed_tokens.weight') : param('lm_head.weight');
  return { logits: linear(hf, head), caches: next };
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
  // u * total can round up to total: then no index qualifies and the heaviest token is taken instead.
  const sampled = where(greaterOrEqual(count, scalar(count, V, 'int64')), argMax(w, 1), count);
  const tok = where(s.greedy, argMax(logits, 1), sampled);
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
export function buildStepGraph(c: ModelConfig, filtered: boolean): Graph {
  const g = new Graph(`decode_step${filtered ? '_filtered' : ''}`);
  const tok = g.input('tok', 'int64', ['B']);
  const pos = g.input('pos', 'int64', ['B']);
  const caches = declareCaches(g, c);
  const s = declareSampling(g, filtered, ['B']);
  const param = paramGetter(declareParams(g, c, 'p.'));
  const step = decodeStep(c, param, tok, pos, caches);
  const out = sampleToken(step.logits, s, c.vocabSize);
  g.output('token', out.tok);
  g.output('logp', out.logp);
  step.caches.forEach((v, i) => g.output(`new.${caches[i].name!}`, v));
  return g;
}

/**
 * Loop: `steps` decode steps in one run. Inputs tok/pos ['B'] (the last token of each slot and its position),
 * the caches, u ['K', 'B'] (row i is step i's draws; K >= steps). Outputs `tokens`, `logps` [steps, B] and the
 * caches after the last step (`new.k.l`, `new.v.l`).
 */
export function buildLoopGraph(c: ModelConfig, filtered: boolean): Graph {
  const g = new Graph(`decode_loop${filtered ? '_filtered' : ''}`);
  const steps = g.input('steps', 'int64', []);
  const tok = g.input('tok', 'int64', ['B']);
  const pos = g.input('pos', 'int64', ['B']);
  const caches = declareCaches(g, c);
  const s = declareSampling(g, filtered, ['K', 'B']);
  const params = declareParams(g, c, 'p.');
  const cond = g.constant(tensorData('bool', [], Uint8Array.of(1)), 'loop_cond');

  const body = new LoopBody('body', [
    { name: 'tok', dtype: 'int64', shape: ['B'] },
    { name: 'pos', dtype: 'int64', shape: ['B'] },
    ...caches.map((v) => ({ name: v.name!, dtype: v.dtype, shape: v.shape })),
  ]);
  const bg = body.graph;
  const inner = new Map<string, Value>();
  for (const [name, v] of params) inner.set(name, body.outer(v));
  const [bTok, bPos, ...bCaches] = body.carried;
  const row = gather(body.outer(s.uAll), body.iter); // ['B']
  const bs: SamplingInputs = {
    u: row,
    invTemp: body.outer(s.invTemp),
    greedy: body.outer(s.greedy),
    ...(s.topK && s.topP ? { topK: body.outer(s.topK), topP: body.outer(s.topP) } : {}),
  };
  const step = decodeStep(c, paramGetter(inner), bTok, bPos, bCaches);
  const sampled = sampleToken(step.logits, bs, c.vocabSize);
  bg.output('cond_out', body.cond);
  bg.output('tok_out', sampled.tok);
  bg.output('pos_out', add(bPos, scalar(bPos, 1, 'int64')));
  step.caches.forEach((v, i) => bg.output(`${caches[i].name!}_out`, v));
  bg.output('scan_tok', sampled.tok);
  bg.output('scan_logp', sampled.logp);

  const outs = loop(steps, cond, [tok, pos, ...caches], body);
  const nCarried = 2 + caches.length;
  caches.forEach((v, i) => g.output(`new.${v.name!}`, outs[2 + i]));
  g.output('tokens', outs[nCarried]);
  g.output('logps', outs[nCarried + 1]);
  return g;
}
