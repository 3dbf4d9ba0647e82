/**
 * Trainer worker: the engine's ModelRuntime (weights + Adam state) on its own thread, one per model of the local
 * training backend (main/backend/local), which drives it through the Tinker-shaped calls: `forward`,
 * `forwardBackward` (gradients summed into an accumulator), `optimStep` (AdamW from the accumulator, which it then
 * clears), `weights`, `state` / `loadState` (save_weights / load_weights) and `grads` (the accumulator, for
 * inspection).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { CodError } from '../base/errors.ts';
import { parseHfConfig } from '../models/config.ts';
import { ModelRuntime, type OptimizerHyper, type RuntimeOptions } from '../models/runtime.ts';
import { modelPass } from '../backend/local/model-pass.ts';
import { adamParams, forwardBackwardInput } from '../backend/wire.ts';
import { messagePort, serveRpc } from '../base/rpc.ts';
import { packWeights, unpackTensors, unpackWeights } from '../models/weight-list.ts';
import { trainerLoraInit, type TrainerLoraInit } from '../backend/local/worker-init.ts';
import { openModelRuntime } from '../models/runtime-open.ts';

/** A LoRA runtime on the stored base of `l.modelDir`: a fresh adapter, or the one in `l.adapter`. */
async function openLoraRuntime(l: TrainerLoraInit, opts: RuntimeOptions): Promise<ModelRuntime> {
  return openModelRuntime(
    l.adapter
      ? { modelDir: l.modelDir, adapter: l.adapter }
      : { modelDir: l.modelDir, newAdapter: { settings: l.settings, seed: l.seed, init: l.init } },
    opts,
  );
}

const initSchema = z.looseObject({
  hfConfig: z.record(z.string(), z.unknown()),
  /** Full fine-tune: every parameter. Absent with `lora`. */
  weights: z.array(z.unknown()).optional(),
  lora: trainerLoraInit.optional(),
  optimizer: z
    .strictObject({ step: z.number().int().nonnegative(), m: z.array(z.unknown()), v: z.array(z.unknown()) })
    .optional(),
  threads: z.number().int().positive(),
  microBatchTokens: z.number().int().positive().optional(),
  recomputeLayers: z.boolean().optional(),
});

/** Models up to this many parameters train with onnxruntime's memory arena on. */
const ARENA_MAX_PARAMS = 50_000_000;

async function main(): Promise<void> {
  if (!parentPort) throw new Error('trainer worker must run in a worker thread');
  const init = initSchema.parse(workerData);
  const config = parseHfConfig(init.hfConfig, 'trainer init');
  // Micro-batches are whole rows of a few fixed widths (model-pass.ts), so a run compiles a handful of graphs once.
  // A small model's sessions keep onnxruntime's memory arena (tens of MB each): no allocations, page faults and
  // kernel time per run. A large model's step (and any LoRA base) peaks at gigabytes, which an arena would keep
  // for good: none there.
  const opts = { threads: init.threads, memArena: false, ...(init.recomputeLayers ? { recomputeLayers: true } : {}) };
  let runtime: ModelRuntime;
  if (init.lora) runtime = await openLoraRuntime(init.lora, opts);
  else {
    const weights = unpackWeights(config, init.weights, 'trainer init');
    let params = 0;
    for (const w of weights.values()) params += w.length;
    runtime = new ModelRuntime(config, weights, { ...opts, memArena: params <= ARENA_MAX_PARAMS, maxSessions: 16 });
  }
  // What crosses the thread boundary is checked against the trainable tensors (all parameters, or the adapter's).
  const unpack = (list: unknown, where: string) => unpackTensors(runtime.specs, list, where);
  if (init.optimizer)
    runtime.loadOptimizerState({
      step: init.optimizer.step,
      m: unpack(init.optimizer.m, 'optimizer m'),
      v: unpack(init.optimizer.v, 'optimizer v'),
    });
  // Gradients summed by forwardBackward until optimStep applies them.
  let accumulated: Map<string, Float32Array> | null = null;
  const microBatchTokens = init.microBatchTokens ?? 4096;

  serveRpc(messagePort(parentPort), {
    ready: () => ({ result: { params: runtime.numParams, specs: runtime.specs } }),
    async forward(p) {
      const input = forwardBackwardInput.parse(p);
      return { result: (await modelPass(runtime, input, { backward: false, microBatchTokens })).output };
    },
    async forwardBackward(p) {
      const input = forwardBackwardInput.parse(p);
      const r = await modelPass(runtime, input, { backward: true, microBatchTokens });
      if (!accumulated) accumulated = r.grads!;
      else
        for (const [name, g] of r.grads!) {
          const acc = accumulated.get(name)!;
          for (let i = 0; i < g.length; i++) acc[i] += g[i];
        }
      return { result: r.output };
    },
    async optimStep(p) {
      const a = adamParams.parse(p);
      const hyper: OptimizerHyper = {
        lr: a.learning_rate,
        beta1: a.beta1,
        beta2: a.beta2,
        eps: a.eps,
        weightDecay: a.weight_decay,
        maxGradNorm: a.grad_clip_norm,
      };
      // No forward_backward since the last step: a step with zero gradients (decay and momentum still act), as SkyRL.
      const grads =
        accumulated ??
        new Map(runtime.specs.map((s) => [s.name, new Float32Array(runtime.params.get(s.name)!.length)]));
      const { gradNorm } = await runtime.applyGrads(grads, hyper);
      accumulated = null;
      return { result: { metrics: { grad_norm: gradNorm, learning_rate: a.learning_rate, step: runtime.step } } };
    },
    async weights() {
      await runtime.syncHost(); // LoRA on WebGPU keeps the adapter on the device between steps
      const w = packWeights(runtime.params);
      return { result: w.list, transfer: w.transfer };
    },
    grads() {
      const g = packWeights(accumulated ?? new Map());
      return { result: g.list, transfer: g.transfer };
    },
    loadState(p) {
      const o = p as { weights?: unknown; optimizer?: { step?: unknown; m?: unknown; v?: unknown } | null };
      const weights = unpack(o?.weights, 'loadState weights');
      for (const [n, a] of weights) runtime.params.set(n, a);
      if (o.optimizer) {
        if (!Number.isInteger(o.optimizer.step)) throw new CodError('bad_input', 'optimizer step', 'loadState');
        runtime.loadOptimizerState({
          step: o.optimizer.step as number,
          m: unpack(o.optimizer.m, 'loadState m'),
          v: unpack(o.optimizer.v, 'loadState v'),
        });
      }
      accumulated = null;
      return { result: { step: runtime.step } };
    },
    async state() {
      await runtime.syncHost();
      const w = packWeights(runtime.params);
      const s = runtime.optimizerState();
      const m = packWeights(s.m);
      const v = packWeights(s.v);
      return {
        result: { weights: w.list, m: m.list, v: v.list, step: s.step },
        transfer: [...w.transfer, ...m.transfer, ...v.transfer],
      };
    },
  });
}

// An init failure has no request to answer: the rejection crashes the thread; the host turns that into one error.
void main();
