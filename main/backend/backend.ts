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
import { checkLoraSettings, type LoraSettings, type LoraTarget } from '../models/adapter.ts';

/**
 * A LoRA adapter (PEFT's meaning). `alpha` scales the update by alpha / rank; the wire's lora_config has no alpha
 * (hosted Tinker and SkyRL fix it at 32), so a request from the wire gets DEFAULT_LORA_ALPHA. The targets are the
 * wire's groups — attn → q/k/v/o_proj, mlp → gate/up/down_proj, unembed → lm_head — unless `modules` names the HF
 * modules exactly (the local engine only; loraSettingsOf gives the engine's settings either way).
 */
export interface LoraSpec {
  readonly rank: number;
  readonly alpha: number;
  /** Seeds the adapter's initialisation (A random, B zero). */
  readonly seed: number;
  /** Which modules get adapters: attention projections, MLP projections, the unembedding. */
  readonly targets: { readonly attn: boolean; readonly mlp: boolean; readonly unembed: boolean };
  /** The adapted modules by HF name, when not whole groups (local backend only). */
  readonly modules?: readonly LoraTarget[];
  /** 'zero-b' (default: the adapted model starts as the base) or 'random' (B drawn too; for tests). Local only. */
  readonly init?: 'zero-b' | 'random';
  /** Start from this PEFT adapter directory instead of a fresh adapter (local backend only; its settings win). */
  readonly adapter?: string;
}

const GROUPS = {
  attn: ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
  mlp: ['gate_proj', 'up_proj', 'down_proj'],
  unembed: ['lm_head'],
} as const satisfies Record<keyof LoraSpec['targets'], readonly LoraTarget[]>;

/** The HF modules a LoRA spec adapts: `modules` when given, else the expansion of its target groups. */
export function loraModulesOf(spec: Pick<LoraSpec, 'targets' | 'modules'>): LoraTarget[] {
  if (spec.modules) return [...spec.modules];
  return (Object.keys(GROUPS) as Array<keyof typeof GROUPS>).flatMap((g) => (spec.targets[g] ? [...GROUPS[g]] : []));
}

/** The wire's target groups of a module list, or null when the list is not a union of whole groups. */
export function loraGroupsOf(modules: readonly LoraTarget[]): LoraSpec['targets'] | null {
  const has = (g: keyof typeof GROUPS) => GROUPS[g].filter((m) => modules.includes(m)).length;
  const groups = { attn: has('attn') > 0, mlp: has('mlp') > 0, unembed: has('unembed') > 0 };
  const whole = (Object.keys(GROUPS) as Array<keyof typeof GROUPS>).every(
    (g) => has(g) === 0 || has(g) === GROUPS[g].length,
  );
  return whole ? groups : null;
}

/** The engine's settings of a spec (rank, alpha, HF target modules), checked: one clear error for a bad one. */
export function loraSettingsOf(spec: LoraSpec, where = 'lora_config'): LoraSettings {
  const s: LoraSettings = { rank: spec.rank, alpha: spec.alpha, targets: loraModulesOf(spec) };
  checkLoraSettings(s, where);
  return s;
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
