/**
 * What `cod eval` and `cod compare` play: a checkpoint directory (a run's checkpoint, whichever backend trained it,
 * or any model directory) served by a local training backend — its sampler in a worker thread — and played through
 * a BackendPolicy, exactly as the trainer's rollouts and evals sample. The directory is checked as one unit first
 * (config.json, the weights' headers against it, tokenizer and chat template), so a bad one is one clear error before
 * any lifecycle runs. With a PEFT LoRA adapter (`--adapter`, or a directory that holds only an adapter — a LoRA run's
 * checkpoint — whose adapter_config.json names its base directory) the sampler runs the base as stored plus the
 * adapter; the adapter is read and checked against the base before anything is played.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ADAPTER_CONFIG_FILE, loadAdapter } from '../models/adapter.ts';
import type { TrainingBackend } from '../backend/backend.ts';
import { LocalBackend } from '../backend/local/backend.ts';
import type { WorkerHost } from '../backend/compute-workers.ts';
import { CodError } from '../base/errors.ts';
import type { Policy } from '../cod/policy.ts';
import { checkTensorsAgainstConfig, readCheckpointTensorInfo } from '../models/checkpoint-files.ts';
import { openChatModel, type ChatModel } from '../models/model-dir.ts';
import type { SchedulerOptions } from '../cod/scheduler.ts';
import { BackendPolicy } from './backend-policy.ts';
import { checkSamplingArgs } from './checkpoint-policy.ts';
import { SpreadPolicy } from './spread-policy.ts';

export interface EvalPolicyOptions {
  /** Where the local backend's sampler runs. */
  readonly workers: WorkerHost;
  /** Sampling temperature (cod-method.md §5: evaluation samples at 1.0). */
  readonly temperature?: number;
  /** onnxruntime intra-op threads of each sampler (default 1). */
  readonly threads?: number;
  /**
   * Policy workers (samplers) sharing the requests (default 1): each its own thread with its own copy of the
   * weights. Give the lifecycle scheduler `samplers` batches in flight (EvalPolicy.scheduler) to keep them all busy.
   */
  readonly samplers?: number;
  /** Name shown in reports (default: the directory). */
  readonly name?: string;
  /** A PEFT LoRA adapter of the model in `dir`. */
  readonly adapter?: string;
}

export interface EvalPolicy {
  readonly policy: Policy;
  readonly chat: ChatModel;
  /** The first sampler's backend. */
  readonly backend: TrainingBackend;
  /** What the lifecycle scheduler needs to keep every sampler busy. */
  readonly scheduler: Pick<SchedulerOptions, 'maxInFlight'>;
  /** Stops the samplers (again: the same promise). */
  dispose(): Promise<void>;
}

const MODEL_NAME = 'checkpoint';
/** More samplers than cores only adds copies of the weights. */
export const MAX_SAMPLERS = 64;

/**
 * Policy workers by default: one per core, at most two (each holds a copy of the weights). Measured on the 2-core
 * machine (npm run bench:eval, docs/evaluation.md): two samplers with a batch in flight each beat one sampler with two
 * (25.5 s vs 36.6 s) and one sampler with one batch (181.6 s), on the same 64 tasks.
 */
export const DEFAULT_SAMPLERS = Math.max(1, Math.min(2, availableParallelism()));

/** A directory holding a PEFT adapter and no model of its own (a LoRA run's checkpoint). */
export function isAdapterOnlyDir(dir: string): boolean {
  return existsSync(join(dir, ADAPTER_CONFIG_FILE)) && !existsSync(join(dir, 'config.json'));
}

/**
 * The model to play: `dir` itself, `dir` with `adapter`, or — for an adapter-only directory — the base directory its
 * adapter_config.json names, with the adapter.
 */
export async function evalModelOf(dir: string, adapter?: string): Promise<{ dir: string; adapter?: string }> {
  if (adapter !== undefined) {
    if (!existsSync(adapter)) throw new CodError('not_found', 'adapter directory not found', adapter);
    return { dir, adapter };
  }
  if (!isAdapterOnlyDir(dir)) return { dir };
  const cfgPath = join(dir, ADAPTER_CONFIG_FILE);
  let base: unknown;
  try {
    base = (JSON.parse(await readFile(cfgPath, 'utf8')) as { base_model_name_or_path?: unknown })
      .base_model_name_or_path;
  } catch (e) {
    throw new CodError('bad_checkpoint', `not valid JSON (${(e as Error).message})`, cfgPath);
  }
  if (typeof base !== 'string' || !existsSync(join(base, 'config.json')))
    throw new CodError(
      'bad_input',
      `this directory holds only a LoRA adapter whose base (${JSON.stringify(base ?? null)}) is not a model directory here; give the base model's directory and the adapter with --adapter`,
      dir,
    );
  return { dir: base, adapter: dir };
}

export async function openEvalPolicy(dir: string, o: EvalPolicyOptions): Promise<EvalPolicy> {
  const temperature = await checkSamplingArgs(dir, o.temperature, o.threads);
  const samplers = o.samplers ?? 1;
  if (!(Number.isInteger(samplers) && samplers >= 1 && samplers <= MAX_SAMPLERS))
    throw new CodError('bad_input', `samplers must be an integer from 1 to ${MAX_SAMPLERS}, got ${String(samplers)}`);
  const side = await evalModelOf(dir, o.adapter);
  const chat = await openChatModel(side.dir);
  checkTensorsAgainstConfig(await readCheckpointTensorInfo(side.dir), chat.config, side.dir);
  if (side.adapter) await loadAdapter(side.adapter, chat.config);
  const name = o.name ?? dir;
  const backends = Array.from(
    { length: samplers },
    () =>
      new LocalBackend({
        models: { [MODEL_NAME]: side.adapter ? { dir: side.dir, adapter: side.adapter } : side.dir },
        // Nothing is trained or saved: sampling from the directory itself.
        weightsRoot: dir,
        workers: o.workers,
        sampleThreads: o.threads ?? 1,
      }),
  );
  let closing: Promise<void> | undefined;
  const parts = backends.map((b) => new BackendPolicy(b, chat, { baseModel: MODEL_NAME }, { name, temperature }));
  return {
    policy: parts.length === 1 ? parts[0] : new SpreadPolicy(name, parts),
    chat,
    backend: backends[0],
    scheduler: { maxInFlight: samplers },
    // Once: a stop closes the samplers at once (cancelling what they sample), the command's own cleanup again.
    dispose: () => (closing ??= Promise.all(backends.map((b) => b.close())).then(() => undefined)),
  };
}
