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
import type { Policy } from '../cod/policy.ts';
import { checkTensorsAgainstConfig, readCheckpointTensorInfo } from '../models/checkpoint-files.ts';
import { openChatModel, type ChatModel } from '../models/model-dir.ts';
import { BackendPolicy } from './backend-policy.ts';
import { checkSamplingArgs } from './checkpoint-policy.ts';

export interface EvalPolicyOptions {
  /** Where the local backend's sampler runs. */
  readonly workers: WorkerHost;
  /** Sampling temperature (cod-method.md §5: evaluation samples at 1.0). */
  readonly temperature?: number;
  /** onnxruntime intra-op threads of the sampler (default 1). */
  readonly threads?: number;
  /** Name shown in reports (default: the directory). */
  readonly name?: string;
}

export interface EvalPolicy {
  readonly policy: Policy;
  readonly chat: ChatModel;
  readonly backend: TrainingBackend;
  /** Stops the sampler. */
  dispose(): Promise<void>;
}

const MODEL_NAME = 'checkpoint';

export async function openEvalPolicy(dir: string, o: EvalPolicyOptions): Promise<EvalPolicy> {
  const temperature = await checkSamplingArgs(dir, o.temperature, o.threads);
  const chat = await openChatModel(dir);
  checkTensorsAgainstConfig(await readCheckpointTensorInfo(dir), chat.config, dir);
  const backend = new LocalBackend({
    models: { [MODEL_NAME]: dir },
    // Nothing is trained or saved: sampling from the directory itself.
    weightsRoot: dir,
    workers: o.workers,
    sampleThreads: o.threads ?? 1,
  });
  const policy = new BackendPolicy(backend, chat, { baseModel: MODEL_NAME }, { name: o.name ?? dir, temperature });
  return { policy, chat, backend, dispose: () => backend.close() };
}
