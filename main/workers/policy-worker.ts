/**
 * Rollout worker: the model as a lifecycle Policy (chat template + continuous-batching sampler) on its own
 * thread, so sampling overlaps training. Weights arrive with a policy version; the trainer only publishes them
 * between rollouts, so every call of a rollout sees one version. `sample` is the token-level call of the local
 * training backend (prompt ids in, ids and log-probs out), batched with every other call in flight.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { CodError } from '../base/errors.ts';
import type { PolicyRequest } from '../cod/policy.ts';
import { openCheckpointPolicy } from '../training/checkpoint-policy.ts';
import { messagePort, serveRpc } from '../base/rpc.ts';
import { unpackWeights } from '../models/weight-list.ts';

const initSchema = z.strictObject({
  modelDir: z.string().min(1),
  threads: z.number().int().positive(),
  temperature: z.number().positive(),
  maxBatch: z.number().int().positive().optional(),
});
export type PolicyWorkerInit = z.infer<typeof initSchema>;

const requestSchema = z.looseObject({
  id: z.string(),
  kind: z.enum(['solve', 'update']),
  messages: z.array(z.strictObject({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })).min(1),
  stop: z.array(z.string()),
  maxNewTokens: z.number().int().positive(),
  lifecycleId: z.string(),
  domain: z.string(),
  position: z.number().int().nonnegative(),
  seed: z.string(),
});

const sampleSchema = z.strictObject({
  promptIds: z.array(z.number().int().nonnegative()).min(1),
  maxNewTokens: z.number().int().nonnegative(),
  temperature: z.number().min(0),
  topK: z.number().int().nonnegative(),
  topP: z.number().gt(0).max(1),
  seed: z.union([z.string(), z.number()]),
  stop: z.array(z.string().min(1)),
  eosIds: z.array(z.number().int().nonnegative()),
});

async function main(): Promise<void> {
  if (!parentPort) throw new Error('policy worker must run in a worker thread');
  const init = initSchema.parse(workerData);
  // The sampler reads the model's weight map at every run: setWeights replaces its entries in place.
  const { policy, model, sampler } = await openCheckpointPolicy(init.modelDir, {
    threads: init.threads,
    temperature: init.temperature,
    ...(init.maxBatch ? { sampler: { maxBatch: init.maxBatch } } : {}),
  });
  let version = 0;
  serveRpc(messagePort(parentPort), {
    ready: () => ({ result: { vocabSize: model.config.vocabSize } }),
    setWeights(p) {
      const o = p as { version?: unknown; weights?: unknown };
      if (!Number.isInteger(o?.version)) throw new CodError('bad_input', 'version must be an integer', 'setWeights');
      for (const [n, a] of unpackWeights(model.config, o.weights, 'setWeights')) model.weights.set(n, a);
      version = o.version as number;
      return { result: { version } };
    },
    async respond(p) {
      const batch = z.array(requestSchema).parse(p) as unknown as PolicyRequest[];
      return { result: await policy.respond(batch) };
    },
    async sample(p) {
      return { result: await sampler.generate(z.array(sampleSchema).parse(p)) };
    },
    stats: () => ({ result: { version, ...sampler.stats } }),
  });
}

// An init failure has no request to answer: the rejection crashes the thread; the host turns that into one error.
void main();
