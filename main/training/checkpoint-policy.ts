/**
 * A checkpoint directory as a lifecycle Policy: the model (config, weights, tokenizer, chat template, checked as
 * one unit by openModelDir), a continuous-batching Sampler over its weights, and a ModelPolicy that renders each
 * request with the checkpoint's own chat template, all in this thread. The local backend's sampler worker is built on
 * it; `cod eval` / `cod compare` and the trainer play through the backend instead (eval-policy.ts, backend-policy.ts).
 */
import { stat } from 'node:fs/promises';
import { CodError } from '../base/errors.ts';
import { ModelPolicy } from './model-policy.ts';
import { openModelDir, type ModelDir } from '../models/model-dir.ts';
import { Sampler, type SamplerOptions } from '../models/sampler/sampler.ts';

export interface CheckpointPolicyOptions {
  /** Sampling temperature (cod-method.md §5: evaluation samples at 1.0). */
  readonly temperature?: number;
  /** onnxruntime intra-op threads (default: onnxruntime's choice). */
  readonly threads?: number;
  /** Name shown in reports (default: the directory). */
  readonly name?: string;
  /** Sampler knobs beyond decode/threads (batch slots, chunk steps, context cap). */
  readonly sampler?: Omit<SamplerOptions, 'decode' | 'threads'>;
}

export interface CheckpointPolicy {
  readonly policy: ModelPolicy;
  readonly model: ModelDir;
  readonly sampler: Sampler;
  /** Frees the sampler's onnxruntime sessions. */
  dispose(): Promise<void>;
}

/**
 * What opening a checkpoint to sample from checks first: the directory is there (a clear "not found" before the
 * loaders report the first file they miss inside it), the temperature (default 1) is >= 0 and the thread count a
 * positive integer. Returns the temperature.
 */
export async function checkSamplingArgs(dir: string, temperature = 1, threads?: number): Promise<number> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new CodError('not_found', 'checkpoint directory not found', dir);
  }
  if (!isDir) throw new CodError('bad_checkpoint', 'not a directory', dir);
  if (!(Number.isFinite(temperature) && temperature >= 0))
    throw new CodError('bad_input', `temperature must be a number ≥ 0, got ${String(temperature)}`, 'temperature');
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
    throw new CodError('bad_input', `threads must be a positive integer, got ${String(threads)}`, 'threads');
  return temperature;
}

export async function openCheckpointPolicy(dir: string, opts: CheckpointPolicyOptions = {}): Promise<CheckpointPolicy> {
  const temperature = await checkSamplingArgs(dir, opts.temperature, opts.threads);
  const model = await openModelDir(dir);
  const sampler = new Sampler(model.config, model.weights, {
    ...opts.sampler,
    decode: (ids) => model.tokenizer.decode(ids),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
  });
  const policy = new ModelPolicy(sampler, model.renderer, { name: opts.name ?? dir, temperature });
  return { policy, model, sampler, dispose: () => sampler.dispose() };
}
