/**
 * forward / forward_backward of Tinker datums on a ModelRuntime: datums packed into rows (the engine's packing, with
 * each datum's own target tokens placed at its input columns; attention stays inside each datum), split into
 * micro-batches of whole rows by a token budget, the loss's graph run per micro-batch and the gradients summed — a sum
 * over tokens is exact across micro-batches.
 */
import { CodError } from '../../base/errors.ts';
import type { HostTensor } from '../../engine/index.ts';
import type { ModelConfig } from '../../models/config.ts';
import { packBatch, packWidth, sliceRows, type PackedBatch } from '../../models/packing.ts';
import type { ModelRuntime } from '../../models/runtime.ts';
import { datumArrays, tensor, type DatumArrays } from '../datums.ts';
import type { ForwardBackwardInput, ForwardBackwardOutput } from '../wire.ts';
import { lossObjective, lossSettings, needsPolicyInputs, tokenLoss, type LossSettings } from './losses.ts';

export interface CheckedPass {
  readonly settings: LossSettings;
  readonly datums: readonly DatumArrays[];
}

/** Every datum read and checked against the model (vocabulary, context) and the loss's required inputs. */
export function checkPass(config: ModelConfig, input: ForwardBackwardInput): CheckedPass {
  const settings = lossSettings(input.loss_fn, input.loss_fn_config);
  const datums = input.data.map((d, i) => {
    const where = `data[${i}]`;
    const a = datumArrays(d, where);
    if (a.input.length > config.maxPositionEmbeddings)
      throw new CodError(
        'bad_input',
        `${a.input.length} tokens exceed the model's context of ${config.maxPositionEmbeddings}`,
        `${where}.model_input`,
      );
    const V = config.vocabSize;
    for (const [name, ids] of [
      ['model_input', a.input],
      ['loss_fn_inputs.target_tokens', a.targets],
    ] as const) {
      const bad = ids.findIndex((id) => id < 0 || id >= V);
      if (bad >= 0)
        throw new CodError('bad_input', `token id ${ids[bad]} out of vocabulary [0, ${V})`, `${where}.${name}[${bad}]`);
    }
    if (needsPolicyInputs(settings.loss) && (!a.logprobs || !a.advantages))
      throw new CodError(
        'bad_input',
        `'${settings.loss}' needs logprobs and advantages (one per token)`,
        `${where}.loss_fn_inputs`,
      );
    return a;
  });
  return { settings, datums };
}

const f32 = (shape: number[], data: Float32Array): HostTensor => ({ dtype: 'float32', shape, data });
const scalar = (x: number): HostTensor => f32([], Float32Array.of(x));

/** Datums packed into rows: each datum's tokens at its columns, and its target at the same column. */
function packDatums(datums: readonly DatumArrays[], width: number): PackedBatch {
  const packed = packBatch(
    { sequences: datums.map((d) => d.input), lossMask: datums.map((d) => d.input.map(() => 0)) },
    { width, minRows: 1 },
  );
  const targets = packed.targets;
  datums.forEach((d, i) => {
    const { row, offset } = packed.placements[i];
    for (let t = 0; t < d.input.length; t++) targets[row * width + offset + t] = d.targets[t];
  });
  return packed;
}

export interface PassOptions {
  readonly backward: boolean;
  /** Most tokens (rows × width) in one engine run. */
  readonly microBatchTokens: number;
}

export interface PassResult {
  readonly output: ForwardBackwardOutput;
  /** Summed gradients (backward only). */
  readonly grads?: Map<string, Float32Array>;
}

export async function modelPass(
  runtime: ModelRuntime,
  input: ForwardBackwardInput,
  o: PassOptions,
): Promise<PassResult> {
  const { settings, datums } = checkPass(runtime.config, input);
  // The whole request packed at once (first-fit decreasing over every datum), then cut into micro-batches of whole
  // rows: one width per run of similar steps and at most `rowsPer` row counts, so the compiled graphs are reused.
  const width = packWidth(Math.max(...datums.map((d) => d.input.length)));
  const rowsPer = Math.max(1, Math.floor(o.microBatchTokens / width));
  const objective = lossObjective(settings.loss);
  const packed = packDatums(datums, width);
  const n = packed.rows * width;
  const weights = new Float32Array(n);
  const adv = new Float32Array(n);
  const old = new Float32Array(n);
  if (o.backward)
    datums.forEach((d, k) => {
      const { row, offset } = packed.placements[k];
      for (let t = 0; t < d.input.length; t++) {
        const c = row * width + offset + t;
        weights[c] = d.weights[t];
        if (d.advantages) adv[c] = d.advantages[t];
        if (d.logprobs) old[c] = d.logprobs[t];
      }
    });
  const logprobs: Float32Array[] = datums.map((d) => new Float32Array(d.input.length));
  let grads: Map<string, Float32Array> | undefined;
  for (let r0 = 0; r0 < packed.rows; r0 += rowsPer) {
    const part = sliceRows(packed, r0, Math.min(packed.rows, r0 + rowsPer));
    let logp: Float32Array;
    if (!o.backward) {
      logp = (await runtime.score(part)).logp;
    } else {
      const shape = [part.rows, width];
      const cols = (a: Float32Array): HostTensor => f32(shape, a.subarray(r0 * width, (r0 + part.rows) * width));
      const feeds: Record<string, HostTensor> = { weights: cols(weights) };
      if (needsPolicyInputs(settings.loss)) {
        feeds.advantages = cols(adv);
        feeds.old_logp = cols(old);
      }
      if (settings.loss === 'ppo') {
        feeds.clip_low = scalar(settings.clipLow);
        feeds.clip_high = scalar(settings.clipHigh);
      }
      const r = await runtime.grads(part, objective, feeds);
      logp = r.outputs.logp.data as Float32Array;
      if (!grads) grads = new Map([...r.grads].map(([k, g]) => [k, Float32Array.from(g)]));
      else
        for (const [name, g] of r.grads) {
          const acc = grads.get(name)!;
          for (let i = 0; i < g.length; i++) acc[i] += g[i];
        }
    }
    part.members.forEach((i, k) => {
      const { row, offset, length } = part.placements[k];
      logprobs[i].set(logp.subarray(row * width + offset, row * width + offset + length));
    });
  }
  let total = 0;
  const outputs = datums.map((d, i) => {
    const lp = logprobs[i];
    const elementwise = new Float32Array(d.input.length);
    for (let t = 0; t < d.input.length; t++) {
      const w = d.weights[t];
      if (w === 0) continue;
      elementwise[t] = w * tokenLoss(settings, lp[t], d.logprobs?.[t] ?? 0, d.advantages?.[t] ?? 0);
      total += elementwise[t];
    }
    return { logprobs: tensor(lp, 'float32'), elementwise_loss: tensor(elementwise, 'float32') };
  });
  return {
    output: { loss_fn_output_type: 'scalar', loss_fn_outputs: outputs, metrics: { 'loss:sum': total } },
    ...(grads ? { grads } : {}),
  };
}
