/**
 * Trainer worker: the engine's ModelRuntime (weights + Adam state) on its own thread. Each `step` takes a rollout
 * step's training sequences and returns the step's statistics with the new weights (copies the rollout side
 * adopts). With a KL term it also keeps the frozen reference model and scores every sequence against it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { CodError } from '../base/errors.ts';
import { parseHfConfig } from '../models/config.ts';
import { packBatch, unpackPerToken, bucketWidth } from '../models/packing.ts';
import { ModelRuntime } from '../models/runtime.ts';
import { pgTrainStep, type PgStepOptions } from '../training/pg-step.ts';
import type { TrainSequence } from '../training/sequences.ts';
import { messagePort, serveRpc } from '../base/rpc.ts';
import { packWeights, unpackWeights } from '../models/weight-list.ts';

const initSchema = z.looseObject({
  hfConfig: z.record(z.string(), z.unknown()),
  weights: z.array(z.unknown()),
  reference: z.array(z.unknown()).optional(),
  optimizer: z
    .strictObject({ step: z.number().int().nonnegative(), m: z.array(z.unknown()), v: z.array(z.unknown()) })
    .optional(),
  threads: z.number().int().positive(),
});

const seqSchema = z.strictObject({
  lifecycleId: z.string(),
  kind: z.enum(['solve', 'update']),
  position: z.number().int().nonnegative(),
  ids: z.array(z.number().int().nonnegative()).min(2),
  mask: z.array(z.union([z.literal(0), z.literal(1)])),
  advantages: z.array(z.number()),
  oldLogp: z.array(z.number()),
  calls: z.number().int().positive(),
});

async function main(): Promise<void> {
  if (!parentPort) throw new Error('trainer worker must run in a worker thread');
  const init = initSchema.parse(workerData);
  const config = parseHfConfig(init.hfConfig, 'trainer init');
  // No memory arena: a step over long packed rows peaks at gigabytes, which the arena would keep for good.
  const runtime = new ModelRuntime(config, unpackWeights(config, init.weights, 'trainer init'), {
    threads: init.threads,
    memArena: false,
    maxSessions: 4,
  });
  if (init.optimizer)
    runtime.loadOptimizerState({
      step: init.optimizer.step,
      m: unpackWeights(config, init.optimizer.m, 'optimizer m'),
      v: unpackWeights(config, init.optimizer.v, 'optimizer v'),
    });
  const reference = init.reference
    ? new ModelRuntime(config, unpackWeights(config, init.reference, 'reference'), { threads: init.threads })
    : undefined;

  async function referenceLogp(seqs: readonly TrainSequence[]): Promise<number[][]> {
    if (!reference) throw new CodError('bad_config', 'a KL loss needs a reference model', 'trainer');
    const width = bucketWidth(Math.max(...seqs.map((s) => s.ids.length)));
    const packed = packBatch({ sequences: seqs.map((s) => s.ids), lossMask: seqs.map((s) => s.mask) }, { width });
    const { logp } = await reference.score(packed);
    return unpackPerToken(packed, logp).map((row) => row.map((x) => x ?? 0));
  }

  serveRpc(messagePort(parentPort), {
    ready: () => ({ result: { params: runtime.numParams } }),
    async step(p) {
      const o = p as { sequences?: unknown; options?: PgStepOptions };
      const seqs = z.array(seqSchema).min(1).parse(o?.sequences) as TrainSequence[];
      for (const s of seqs)
        if (s.mask.length !== s.ids.length || s.advantages.length !== s.ids.length || s.oldLogp.length !== s.ids.length)
          throw new CodError('bad_input', 'per-token arrays must match the ids in length', `sequence ${s.lifecycleId}`);
      const options = o.options as PgStepOptions;
      const refLogp = options.loss.kl ? await referenceLogp(seqs) : undefined;
      const result = await pgTrainStep(runtime, seqs, { ...options, ...(refLogp ? { refLogp } : {}) });
      const { list, transfer } = packWeights(runtime.params);
      return { result: { stats: result, weights: list, optimizerStep: runtime.step }, transfer };
    },
    state() {
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
