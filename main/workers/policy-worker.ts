/**
 * Sampler worker of the local training backend (main/backend/local): a base model's continuous-batching sampler on
 * its own thread, so sampling overlaps training. `setWeights` puts a weight version in place (the backend swaps
 * versions between batches); `sample` is the token-level call (prompt ids in, ids and log-probs out), batched with
 * every other call in flight.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
import { CodError } from '../base/errors.ts';
import { openCheckpointPolicy } from '../training/checkpoint-policy.ts';
import { messagePort, serveRpc } from '../base/rpc.ts';
import { unpackTensors } from '../models/weight-list.ts';
import { adapterSpecs, initAdapter, loadAdapter } from '../models/adapter.ts';
import { samplerLoraInit } from '../backend/local/worker-init.ts';
import { openLoraBase } from '../models/mapped-base.ts';
import type { ModelConfig } from '../models/config.ts';
import { Sampler } from '../models/sampler/sampler.ts';
import { loadTokenizer } from '../models/tokenizer/tokenizer.ts';
import { parameterSpecs } from '../models/transformer.ts';

/**
 * Keys and values of finished calls kept for the next call of the same lifecycle (sampler.ts, prefixCacheBytes):
 * at the built-in model's 2 KB a token, hundreds of lifecycles' contexts; at Qwen3-0.6B's 224 KB, a thousand or so
 * tokens.
 */
const PREFIX_CACHE_BYTES = 256 * 2 ** 20;

interface OpenSampler {
  readonly config: ModelConfig;
  /** The live weight map the sampler reads (every parameter, or the adapter's tensors). */
  readonly weights: Map<string, Float32Array>;
  readonly specs: ReadonlyArray<{ name: string; shape: number[] }>;
  readonly sampler: Sampler;
}

async function openFullSampler(init: PolicyWorkerInit): Promise<OpenSampler> {
  const { model, sampler } = await openCheckpointPolicy(init.modelDir, {
    threads: init.threads,
    temperature: init.temperature,
    sampler: { ...(init.maxBatch ? { maxBatch: init.maxBatch } : {}), prefixCacheBytes: PREFIX_CACHE_BYTES },
  });
  return { config: model.config, weights: model.weights, specs: parameterSpecs(model.config), sampler };
}

async function openLoraSampler(init: PolicyWorkerInit): Promise<OpenSampler> {
  const l = init.lora!;
  const { config, base } = await openLoraBase(init.modelDir, {
    onFallback: (why) => process.stderr.write(`cod: warning: ${why}\n`),
  });
  const tokenizer = await loadTokenizer(init.modelDir);
  const first = l.adapter ? await loadAdapter(l.adapter, config) : initAdapter(config, l.settings, 0);
  const weights = new Map(first.weights);
  const sampler = new Sampler(config, weights, {
    lora: { base, settings: first.settings },
    decode: (ids) => tokenizer.decode(ids),
    threads: init.threads,
    ...(init.maxBatch ? { maxBatch: init.maxBatch } : {}),
    prefixCacheBytes: PREFIX_CACHE_BYTES,
  });
  return { config, weights, specs: adapterSpecs(config, first.settings), sampler };
}

const initSchema = z.strictObject({
  modelDir: z.string().min(1),
  threads: z.number().int().positive(),
  temperature: z.number().positive(),
  maxBatch: z.number().int().positive().optional(),
  lora: samplerLoraInit.optional(),
});
export type PolicyWorkerInit = z.infer<typeof initSchema>;

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
  const { config, weights, specs, sampler } = init.lora ? await openLoraSampler(init) : await openFullSampler(init);
  let version = 0;
  serveRpc(messagePort(parentPort), {
    ready: () => ({ result: { vocabSize: config.vocabSize } }),
    setWeights(p) {
      const o = p as { version?: unknown; weights?: unknown };
      if (!Number.isInteger(o?.version)) throw new CodError('bad_input', 'version must be an integer', 'setWeights');
      for (const [n, a] of unpackTensors(specs, o.weights, 'setWeights')) weights.set(n, a);
      sampler.weightsChanged();
      version = o.version as number;
      return { result: { version } };
    },
    async sample(p) {
      return { result: await sampler.generate(z.array(sampleSchema).parse(p)) };
    },
    // A stop: calls being sampled reject at the next chunk (the trainer must not end the thread mid-run).
    cancel: () => {
      sampler.cancel(new CodError('internal', 'sampling cancelled: the trainer is stopping', 'policy worker'));
      return { result: null };
    },
    stats: () => ({ result: { version, ...sampler.stats } }),
  });
}

// An init failure has no request to answer: the rejection crashes the thread; the host turns that into one error.
void main();
