/**
 * One policy-gradient optimizer step over a rollout's training sequences: packed into rows, split into
 * micro-batches by a token budget, per-token advantages / behaviour log-probs / weights fed to the pg objective.
 * The weights carry the aggregation, so micro-batched gradients sum to the whole-step gradient exactly:
 *  - 'token_mean' (the method's default): 1 / (response tokens in the whole step);
 *  - 'dr_grpo': 1 / (calls in the step × the generation budget), a constant per step that does not favour short
 *    responses.
 */
import { CodError } from '../base/errors.ts';
import type { HostTensor } from '../engine/index.ts';
import { bucketWidth, packBatch } from '../models/packing.ts';
import type { ModelRuntime, OptimizerHyper } from '../models/runtime.ts';
import { pgObjective, type PgLossSpec } from './pg-objective.ts';
import type { TrainSequence } from './sequences.ts';

export type Aggregation = 'token_mean' | 'dr_grpo';

export interface PgStepOptions {
  readonly loss: PgLossSpec;
  readonly epsLow: number;
  readonly epsHigh: number;
  readonly klCoef?: number;
  readonly aggregation: Aggregation;
  /** Dr.GRPO's constant: the response budget per call. */
  readonly generationBudget: number;
  /** Most tokens (rows × width) in one micro-batch. */
  readonly microBatchTokens: number;
  readonly optimizer: OptimizerHyper;
  /** Reference log-probs per sequence (same layout as TrainSequence.oldLogp) when the loss has a KL term. */
  readonly refLogp?: readonly (readonly number[])[];
}

export interface PgStepResult {
  readonly loss: number;
  readonly gradNorm: number;
  /** Response tokens whose loss was clipped away, over all response tokens. */
  readonly clippedFraction: number;
  /** Mean next-token entropy over response tokens. */
  readonly entropy: number;
  /** Mean KL estimate over response tokens (when the loss has a KL term). */
  readonly kl?: number;
  readonly responseTokens: number;
  readonly tokens: number;
  readonly microBatches: number;
}

/** Greedy micro-batches of whole sequences in order, each at most `budget` tokens of padded rows. */
function microBatches(seqs: readonly TrainSequence[], width: number, budget: number): TrainSequence[][] {
  const rowsPer = Math.max(1, Math.floor(budget / width));
  const out: TrainSequence[][] = [];
  let cur: TrainSequence[] = [];
  let curTokens = 0;
  for (const s of seqs) {
    // A conservative bound: rows × width must hold the tokens, packing never needs more than tokens / width + n rows.
    if (cur.length > 0 && Math.ceil((curTokens + s.ids.length) / width) + 1 > rowsPer) {
      out.push(cur);
      cur = [];
      curTokens = 0;
    }
    cur.push(s);
    curTokens += s.ids.length;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

const f32 = (shape: number[], data: Float32Array): HostTensor => ({ dtype: 'float32', shape, data });
const scalar = (x: number): HostTensor => f32([], Float32Array.of(x));

export async function pgTrainStep(
  runtime: ModelRuntime,
  seqs: readonly TrainSequence[],
  o: PgStepOptions,
): Promise<PgStepResult> {
  if (seqs.length === 0) throw new CodError('bad_input', 'no training sequences in this step', 'pgTrainStep');
  if (o.loss.kl && (!o.refLogp || o.refLogp.length !== seqs.length))
    throw new CodError('bad_input', 'a KL loss needs reference log-probs for every sequence', 'refLogp');
  const responseTokens = seqs.reduce((a, s) => a + s.mask.reduce((x, y) => x + y, 0), 0);
  if (responseTokens === 0) throw new CodError('bad_input', 'no response tokens in this step', 'pgTrainStep');
  const calls = seqs.reduce((a, s) => a + s.calls, 0);
  const norm = o.aggregation === 'dr_grpo' ? calls * o.generationBudget : responseTokens;
  const maxLen = Math.max(...seqs.map((s) => s.ids.length));
  // Power-of-two widths keep the number of compiled graph shapes small across steps.
  const width = Math.max(bucketWidth(maxLen), 2 ** Math.ceil(Math.log2(maxLen)));
  const index = new Map(seqs.map((s, i) => [s, i]));
  const parts = microBatches(seqs, width, Math.max(o.microBatchTokens, width));

  const grads = new Map<string, Float32Array>();
  let loss = 0;
  let clipped = 0;
  let entropy = 0;
  let kl = 0;
  let gradNorm = 0;
  for (const part of parts) {
    const packed = packBatch(
      { sequences: part.map((s) => s.ids), lossMask: part.map((s) => s.mask) },
      { width, minRows: 1 },
    );
    const rows = packed.rows;
    const n = rows * width;
    const adv = new Float32Array(n);
    const old = new Float32Array(n);
    const weights = new Float32Array(n);
    const ref = o.loss.kl ? new Float32Array(n) : undefined;
    part.forEach((s, i) => {
      const { row, offset } = packed.placements[i];
      const refRow = o.refLogp?.[index.get(s)!];
      for (let t = 1; t < s.ids.length; t++) {
        if (s.mask[t] !== 1) continue;
        const c = row * width + offset + t - 1;
        adv[c] = s.advantages[t];
        old[c] = s.oldLogp[t];
        weights[c] = 1 / norm;
        if (ref && refRow) ref[c] = refRow[t];
      }
    });
    const extra: Record<string, HostTensor> = {
      advantages: f32([rows, width], adv),
      old_logp: f32([rows, width], old),
      weights: f32([rows, width], weights),
      eps_low: scalar(o.epsLow),
      eps_high: scalar(o.epsHigh),
    };
    if (ref) {
      extra.ref_logp = f32([rows, width], ref);
      extra.kl_coef = scalar(o.klCoef ?? 0);
    }
    const objective = pgObjective(o.loss);
    let outputs: Record<string, HostTensor>;
    if (parts.length === 1) {
      const r = await runtime.trainStep(packed, objective, extra, o.optimizer);
      loss += r.loss;
      gradNorm = r.gradNorm;
      outputs = r.outputs;
    } else {
      const r = await runtime.grads(packed, objective, extra);
      loss += r.loss;
      for (const [name, g] of r.grads) {
        const acc = grads.get(name);
        if (!acc) grads.set(name, Float32Array.from(g));
        else for (let i = 0; i < g.length; i++) acc[i] += g[i];
      }
      outputs = r.outputs;
    }
    const cl = outputs.clipped.data as Float32Array;
    const en = outputs.entropy?.data as Float32Array | undefined;
    const kd = outputs.kl?.data as Float32Array | undefined;
    for (let c = 0; c < n; c++) {
      if (packed.predMask[c] !== 1) continue;
      clipped += cl[c];
      if (en) entropy += en[c];
      if (kd) kl += kd[c];
    }
  }
  if (parts.length > 1) gradNorm = (await runtime.applyGrads(grads, o.optimizer)).gradNorm;
  return {
    loss,
    gradNorm,
    clippedFraction: clipped / responseTokens,
    entropy: entropy / responseTokens,
    ...(o.loss.kl ? { kl: kl / responseTokens } : {}),
    responseTokens,
    tokens: seqs.reduce((a, s) => a + s.ids.length, 0),
    microBatches: parts.length,
  };
}
