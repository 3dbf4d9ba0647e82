/**
 * The training backend API: what the trainer, evals and comparisons drive, whether the model trains in-process
 * (LocalBackend: engine + sampler in worker threads) or on a Tinker-compatible service (RemoteBackend: skyrl-tx,
 * TuFT, hosted Tinker, or `cod backend serve`). Shaped after the Tinker API, so every call here is one wire call
 * there and the values are the wire's own types (wire.ts): datums, sampling params, Adam params, outputs.
 *
 * Semantics every implementation keeps (the Tinker API's):
 *  - forward_backward accumulates gradients (sums over calls) until optim_step applies them with AdamW and clears
 *    them; the loss is a SUM over tokens, so the caller's weights carry any normalisation (token mean, Dr.GRPO);
 *  - per-token inputs and outputs are aligned with model_input's tokens: target_tokens[t] is the token after
 *    tokens[t], and logprobs / weights / advantages at t concern that target;
 *  - calls on one model run in the order they are made; sampling runs concurrently with them;
 *  - load_weights is allowed only as a model's first call (as hosted Tinker and SkyRL enforce), so resuming is
 *    "create_model, then load_weights";
 *  - weights for sampling are published with save_weights_for_sampler and named by the tinker:// path it returns;
 *    their files come back through downloadCheckpoint (Tinker's checkpoint archive), so a run keeps its checkpoints
 *    on the workbench's side whichever backend trained them.
 */
import type {
  AdamParams,
  ForwardBackwardInput,
  ForwardBackwardOutput,
  GetInfoResponse,
  GetServerCapabilitiesResponse,
  LossFnType,
  OptimStepResponse,
  SampleResponse,
  SamplingParams,
} from './wire.ts';

/**
 * A LoRA adapter (PEFT's meaning). `alpha` scales the update by alpha / rank; the wire's lora_config has no alpha
 * (hosted Tinker and SkyRL fix it at 32), so a request from the wire gets DEFAULT_LORA_ALPHA. For the engine's
 * adapters (branch `models`: LoraSettings {rank, alpha, targets}, initAdapter(config, settings, seed)) the targets
 * map to modules as attn → q/k/v/o_proj, mlp → gate/up/down_proj, unembed → lm_head.
 */
export interface LoraSpec {
  readonly rank: number;
  readonly alpha: number;
  /** Seeds the adapter's initialisation (A random, B zero). */
  readonly seed: number;
  /** Which modules get adapters: attention projections, MLP projections, the unembedding. */
  readonly targets: { readonly attn: boolean; readonly mlp: boolean; readonly unembed: boolean };
}

export const DEFAULT_LORA_ALPHA = 32;

export interface CreateModelSpec {
  /** A name from capabilities().supported_models. */
  readonly baseModel: string;
  /** Absent: full fine-tune of every parameter (local backend; remote services train LoRA). */
  readonly lora?: LoraSpec;
  /** The id to give the model (a server fronting the backend names it before it exists); remote services ignore it. */
  readonly modelId?: string;
}

export interface SampleSpec {
  readonly prompt: readonly number[];
  readonly params: SamplingParams;
  /** Default 1. Samples of one request get seeds seed, seed+1, … (the local backend's rule). */
  readonly numSamples?: number;
  /** What to sample from: a tinker:// path from save_weights_for_sampler, or a base model's name. */
  readonly modelPath?: string;
  readonly baseModel?: string;
}

export interface TrainingModel {
  readonly modelId: string;
  readonly baseModel: string;
  info(): Promise<GetInfoResponse>;
  /** Losses and per-token log-probs, no gradient. */
  forward(input: ForwardBackwardInput): Promise<ForwardBackwardOutput>;
  /** Losses, per-token log-probs, and gradients added to the model's accumulator. */
  forwardBackward(input: ForwardBackwardInput): Promise<ForwardBackwardOutput>;
  /** AdamW with the accumulated gradients (clipped to grad_clip_norm when > 0), then clears them. */
  optimStep(adam: AdamParams): Promise<OptimStepResponse>;
  /** Weights and optimizer state under `name`; returns the tinker://…/weights/name path load_weights takes. */
  saveWeights(name: string): Promise<{ readonly path: string }>;
  /** The current weights for sampling under `name`; returns the tinker://…/sampler_weights/name path. */
  saveWeightsForSampler(name: string): Promise<{ readonly path: string }>;
  /** Weights (and, with optimizer, Adam state and step) from a save_weights path. Only as the first call. */
  loadWeights(path: string, opts: { readonly optimizer: boolean }): Promise<void>;
  /** Frees the model (its worker, or the service's adapter). */
  close(): Promise<void>;
}

export interface TrainingBackend {
  /** 'local', or the server's URL: what runs record as the backend that trained them. */
  readonly name: string;
  /** The loss functions forward / forward_backward accept. */
  readonly losses: readonly LossFnType[];
  capabilities(): Promise<GetServerCapabilitiesResponse>;
  createModel(spec: CreateModelSpec): Promise<TrainingModel>;
  /** Many concurrent calls are batched together by the backend's sampler. */
  sample(spec: SampleSpec): Promise<SampleResponse>;
  /**
   * The files of saved sampler weights (a tinker://…/sampler_weights/NAME path) written into `dir` (created; it must
   * not exist yet): an HF model directory for a full fine-tune, a PEFT adapter directory for LoRA. Tinker's
   * checkpoint archive (GET /api/v1/training_runs/ID/checkpoints/sampler_weights/NAME/archive).
   */
  downloadCheckpoint(path: string, dir: string): Promise<void>;
  /**
   * Frees saved weights (a save_weights or save_weights_for_sampler path); nothing to free is not an error. Tinker's
   * DELETE /api/v1/training_runs/ID/checkpoints/KIND/NAME.
   */
  deleteCheckpoint(path: string): Promise<void>;
  close(): Promise<void>;
}
