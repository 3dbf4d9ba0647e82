/**
 * What `cod eval` and `cod compare` play: a checkpoint directory (a run's checkpoint, whichever backend trained it,
 * or any model directory) served by a local training backend — its sampler in a worker thread — and played through
 * a BackendPolicy, exactly as the trainer's rollouts and evals sample. The directory is checked as one unit first
 * (config.json, the weights' headers against it, tokenizer and chat template), so a bad one is one clear error before
 * any lifecycle runs.
 */
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

export async function openEvalPolicy(dir: string, o: EvalPolicyOptions): Promise<EvalPolicy> {
  const temperature = await checkSamplingArgs(dir, o.temperature, o.threads);
  const samplers = o.samplers ?? 1;
  if (!(Number.isInteger(samplers) && samplers >= 1 && samplers <= MAX_SAMPLERS))
    throw new CodError('bad_input', `samplers must be an integer from 1 to ${MAX_SAMPLERS}, got ${String(samplers)}`);
  const chat = await openChatModel(dir);
  checkTensorsAgainstConfig(await readCheckpointTensorInfo(dir), chat.config, dir);
  const name = o.name ?? dir;
  const backends = Array.from(
    { length: samplers },
    () =>
      new LocalBackend({
        models: { [MODEL_NAME]: dir },
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
