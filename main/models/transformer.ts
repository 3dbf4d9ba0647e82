/**
 * The decoder-only transformer of the Llama / Qwen2 / Qwen3 family, built as engine graph IR from a ModelConfig:
 * RMSNorm, RoPE (HF rotate-half layout), grouped-query attention, SwiGLU MLP, optional q/k bias (Qwen2) and q/k
 * RMSNorm (Qwen3), tied or untied embeddings. Inputs are PACKED rows: several sequences per row, with position
 * ids restarting per sequence and segment ids so attention never crosses sequences.
 */
import {
  add,
  and,
  cast,
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

export type ParamOf = (name: string) => Value;

export function paramGetter(p: Params): ParamOf {
  return (name) => {
    const v = p.get(name);
    if (!v) throw new Error(`missing parameter ${name}`);
    return v;
  };
}

/** The q/k/v projections of layer `pre` (with Qwen2's bias): [N, heads*hd] each. */
export function projectQkv(c: ModelConfig, P: ParamOf, pre: string, x: Value): { q: Value; k: Value; v: Value } {
  let q = linear(x, P(`${pre}.self_attn.q_proj.weight`));
  let k = linear(x, P(`${pre}.self_attn.k_proj.weight`));
  let v = linear(x, P(`${pre}.self_attn.v_proj.weight`));
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
  const gate = silu(linear(y, P(`${pre}.mlp.gate_proj.weight`)));
  const up = linear(y, P(`${pre}.mlp.up_proj.weight`));
  return add(h, linear(mul(gate, up), P(`${pre}.mlp.down_proj.weight`)));
}

/**
 * Returns logits [B*T, V] (row-major over B, T). `onKv` receives each layer's keys and values after RoPE
 * ([B, KV, T, hd]): the sampler's prefill is this same forward pass with those as outputs (emission drops the rest).
 */
export function transformerLogits(
  c: ModelConfig,
  p: Params,
  inp: PackedBatchValues,
  onKv?: (layer: number, k: Value, v: Value) => void,
): Value {
  const g: Graph = inp.ids.graph;
  const [B, T] = inp.ids.shape as [number, number];
  const H = c.numHeads;
  const KV = c.numKvHeads;
  const hd = c.headDim;
  const rep = H / KV;
  const P = paramGetter(p);

  // Attention mask as an additive bias [B, 1, 1, T, T]: same segment and key index <= query index.
  const idx = rangeAlong(inp.ids, 1);
  const causal = lessOrEqual(unsqueeze(idx, 0), unsqueeze(idx, 1)); // [T(q), T(k)]
  const sameSeg = equal(unsqueeze(inp.segments, 2), unsqueeze(inp.segments, 1)); // [B, T, T]
  const allowed = and(sameSeg, causal);
  const zero = g.constant(tensorData('float32', [], Float32Array.of(0)));
  const maskBias = reshape(where(allowed, zero, g.constant(tensorData('float32', [], Float32Array.of(-1e9)))), [
    B,
    1,
    1,
    T,
    T,
  ]);

  // RoPE tables [B, 1, T, hd] from positions (no gradient flows into them).
  const invFreq = g.constant(tensorData('float32', [hd / 2], ropeInvFreq(c)));
  const angles = mul(unsqueeze(cast(inp.positions, 'float32'), 2), invFreq); // [B, T, hd/2]
  const emb = concat([angles, angles], 2);
  const cosT = reshape(cos(emb), [B, 1, T, hd]);
  const sinT = reshape(sin(emb), [B, 1, T, hd]);
  const rope = (x: Value) => add(mul(x, cosT), mul(rotateHalf(x, hd / 2), sinT));

  const N = B * T;
  let h = reshape(gather(P('model.embed_tokens.weight'), inp.ids), [N, c.hiddenSize]);
  const scaleV = constLike(h, 1 / Math.sqrt(hd));

  for (let l = 0; l < c.numLayers; l++) {
    const pre = `model.layers.${l}`;
    const x = rmsNorm(h, P(`${pre}.input_layernorm.weight`), c.rmsNormEps);
    const { q, k, v } = projectQkv(c, P, pre, x);
    // [N, heads*hd] -> [B, heads, T, hd]
    let qh = transpose(reshape(q, [B, T, H, hd]), [0, 2, 1, 3]);
    let kh = transpose(reshape(k, [B, T, KV, hd]), [0, 2, 1, 3]);
    const vh = transpose(reshape(v, [B, T, KV, hd]), [0, 2, 1, 3]);
    if (c.qkNorm) {
      qh = rmsNorm(qh, P(`${pre}.self_attn.q_norm.weight`), c.rmsNormEps);
      kh = rmsNorm(kh, P(`${pre}.self_attn.k_norm.weight`), c.rmsNormEps);
    }
    qh = rope(qh);
    kh = rope(kh);
    onKv?.(l, kh, vh);
    // Grouped-query attention without materialising repeated K/V: the `rep` query heads that share a KV head
    // are stacked along the query axis, so one batched GEMM per KV head serves them all.
    const qg = reshape(qh, [B, KV, rep * T, hd]);
    const scores = mul(matmul(qg, transpose(kh, [0, 1, 3, 2])), scaleV); // [B, KV, rep*T, T]
    const masked = add(reshape(scores, [B, KV, rep, T, T]), maskBias);
    const probs = reshape(softmax(masked), [B, KV, rep * T, T]);
    const ctx = reshape(matmul(probs, vh), [B, H, T, hd]);
    const attnOut = reshape(transpose(ctx, [0, 2, 1, 3]), [N, H * hd]);
    h = add(h, linear(attnOut, P(`${pre}.self_attn.o_proj.weight`)));
    h = mlpResidual(c, P, pre, h);
  }
  const hf = rmsNorm(h, P('model.norm.weight'), c.rmsNormEps);
  const head = c.tieWordEmbeddings ? P('model.embed_tokens.weight') : P('lm_head.weight');
  return linear(hf, head);
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
