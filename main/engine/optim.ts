/**
 * AdamW with global-norm gradient clipping, as graph nodes, so one onnxruntime run can be a whole optimizer
 * step. Matches torch.optim.AdamW (decoupled decay, bias correction) and torch.nn.utils.clip_grad_norm_.
 */
import type { Graph, Value } from './graph.ts';
import { add, div, mul, sqrt, sub } from './ops/elementwise.ts';
import { constLike } from './ops/constant.ts';
import { sumAll } from './ops/reduce.ts';
import { where, less } from './ops/index-ops.ts';

/** Fixed in the graph. The betas are run-time scalars (AdamWScalars): the bias corrections fed each step are
 * computed from the caller's betas, so the moment updates must use the same ones. */
export interface AdamWHyper {
  readonly eps: number;
}

/** Runtime scalars, fed each step so schedules never recompile. */
export interface AdamWScalars {
  /** lr */
  readonly lr: Value;
  readonly beta1: Value;
  readonly beta2: Value;
  /** lr / (1 - beta1^t) */
  readonly stepSize: Value;
  /** sqrt(1 - beta2^t) */
  readonly sqrtBc2: Value;
  /** weight decay */
  readonly weightDecay: Value;
  /** max global gradient norm (<= 0 disables clipping) */
  readonly maxGradNorm: Value;
}

export function declareAdamWScalars(g: Graph): AdamWScalars {
  return {
    lr: g.input('opt.lr', 'float32', []),
    beta1: g.input('opt.beta1', 'float32', []),
    beta2: g.input('opt.beta2', 'float32', []),
    stepSize: g.input('opt.step_size', 'float32', []),
    sqrtBc2: g.input('opt.sqrt_bc2', 'float32', []),
    weightDecay: g.input('opt.weight_decay', 'float32', []),
    maxGradNorm: g.input('opt.max_grad_norm', 'float32', []),
  };
}

export interface AdamWParam {
  readonly param: Value;
  readonly grad: Value;
  readonly m: Value;
  readonly v: Value;
  /** Decoupled weight decay applies to this tensor (usually matrices, not norms or biases). */
  readonly decay: boolean;
}

export interface AdamWResult {
  readonly params: Value[];
  readonly m: Value[];
  readonly v: Value[];
  /** Global L2 norm of the gradients before clipping. */
  readonly gradNorm: Value;
}

export function globalNorm(grads: readonly Value[]): Value {
  let total: Value | null = null;
  for (const gr of grads) {
    const s = sumAll(mul(gr, gr));
    total = total ? add(total, s) : s;
  }
  return sqrt(total!);
}

export function adamW(items: readonly AdamWParam[], h: AdamWHyper, s: AdamWScalars): AdamWResult {
  const gradNorm = globalNorm(items.map((i) => i.grad));
  // clip_coef = min(1, max_norm / (norm + 1e-6)); disabled when max_norm <= 0.
  const one = constLike(gradNorm, 1);
  const coefRaw = div(s.maxGradNorm, add(gradNorm, constLike(gradNorm, 1e-6)));
  const coef = where(less(coefRaw, one), coefRaw, one);
  const clipOn = less(constLike(gradNorm, 0), s.maxGradNorm);
  const clipCoef = where(clipOn, coef, one);

  const b1 = s.beta1;
  const b2 = s.beta2;
  const ob1 = sub(one, b1);
  const ob2 = sub(one, b2);
  const eps = constLike(gradNorm, h.eps);
  const decayFactor = sub(one, mul(s.lr, s.weightDecay));
  const params: Value[] = [];
  const ms: Value[] = [];
  const vs: Value[] = [];
  for (const it of items) {
    const gr = mul(it.grad, clipCoef);
    const p0 = it.decay ? mul(it.param, decayFactor) : it.param;
    const m = add(mul(it.m, b1), mul(gr, ob1));
    const v = add(mul(it.v, b2), mul(mul(gr, gr), ob2));
    const denom = add(div(sqrt(v), s.sqrtBc2), eps);
    params.push(sub(p0, mul(s.stepSize, div(m, denom))));
    ms.push(m);
    vs.push(v);
  }
  return { params, m: ms, v: vs, gradNorm };
}
