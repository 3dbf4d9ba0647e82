/**
 * The Tinker training API's JSON wire shapes: the one owner of every request and response body that crosses the
 * HTTP boundary (our server, our client, the fixtures). Derived from the upstream request/response models — the
 * Tinker SDK's `src/tinker/types/` and SkyRL's `skyrl/tinker/api.py` / `types.py`; tests/fixtures/tinker/README.md
 * cites file and commit for each. Field names are upstream's (snake_case), not ours.
 *
 * Requests are parsed leniently the way the upstream servers (pydantic BaseModel) do: unknown keys are dropped, absent
 * keys take upstream's defaults. The SDK serialises with `exclude_none=True, exclude_unset=False`, so a client sends
 * every defaulted field and omits every null one; our client does the same (see `compact`).
 */
import { z } from 'zod';

/** SkyRL's pattern for checkpoint names (`path` of save_weights): one path segment, no traversal. */
export const CHECKPOINT_NAME = /^[a-zA-Z0-9_-]+$/;
export const CHECKPOINT_NAME_MAX = 255;

const int = z.number().int();
const finite = z.number().refine(Number.isFinite, { error: 'must be a finite number' });

// ---------------------------------------------------------------------------------------------------------------
// Tensors, model inputs, datums (tinker types/tensor_data.py, model_input.py, encoded_text_chunk.py, datum.py)

export const tensorDtype = z.enum(['int64', 'float32']);
export type TensorDtype = z.infer<typeof tensorDtype>;

export const tensorData = z.object({
  data: z.array(finite),
  /** Required by the SDK; SkyRL's server accepts it absent. */
  dtype: tensorDtype.optional(),
  shape: z.array(int.nonnegative()).nullish(),
  sparse_crow_indices: z.array(int).nullish(),
  sparse_col_indices: z.array(int).nullish(),
});
export type TensorData = z.infer<typeof tensorData>;

export const encodedTextChunk = z.object({
  tokens: z.array(int.nonnegative()),
  type: z.literal('encoded_text', { error: 'only encoded_text chunks are supported (no image chunks)' }).optional(),
});
export type EncodedTextChunk = z.infer<typeof encodedTextChunk>;

export const modelInput = z.object({ chunks: z.array(encodedTextChunk) });
export type ModelInput = z.infer<typeof modelInput>;

/** loss_fn_inputs keys the datum carries, aligned with model_input's tokens (target_tokens[t] follows tokens[t]). */
export const LOSS_FN_INPUT_KEYS = ['target_tokens', 'weights', 'logprobs', 'advantages'] as const;

export const datum = z.object({
  model_input: modelInput,
  loss_fn_inputs: z.record(z.string(), tensorData),
});
export type Datum = z.infer<typeof datum>;

/** Every loss the Tinker SDK names (types/loss_fn_type.py); a backend says which it implements. */
export const LOSS_FNS = ['cross_entropy', 'importance_sampling', 'ppo', 'cispo', 'dro'] as const;
export const lossFnType = z.enum(LOSS_FNS, { error: `loss_fn must be one of ${LOSS_FNS.join(', ')}` });
export type LossFnType = z.infer<typeof lossFnType>;

export const forwardBackwardInput = z.object({
  data: z.array(datum).min(1, { error: 'needs at least one datum' }),
  loss_fn: lossFnType,
  loss_fn_config: z.record(z.string(), finite).nullish(),
});
export type ForwardBackwardInput = z.infer<typeof forwardBackwardInput>;

export const forwardBackwardRequest = z.object({
  model_id: z.string().min(1),
  forward_backward_input: forwardBackwardInput,
  seq_id: int.nullish(),
});
export const forwardRequest = z.object({
  model_id: z.string().min(1),
  forward_input: forwardBackwardInput,
  seq_id: int.nullish(),
});

/** Per datum: field name → tensor (logprobs, elementwise_loss). */
export const lossFnOutput = z.record(z.string(), tensorData);
export const forwardBackwardOutput = z.object({
  loss_fn_output_type: z.string(),
  loss_fn_outputs: z.array(lossFnOutput),
  metrics: z.record(z.string(), z.number()),
});
export type ForwardBackwardOutput = z.infer<typeof forwardBackwardOutput>;

// ---------------------------------------------------------------------------------------------------------------
// Optimizer (types/optim_step_request.py; ranges as SkyRL's api.AdamParams)

export const adamParams = z.object({
  learning_rate: finite.min(0).default(1e-4),
  beta1: finite.min(0).lt(1).default(0.9),
  beta2: finite.min(0).lt(1).default(0.95),
  eps: finite.gt(0).default(1e-12),
  weight_decay: finite.min(0).default(0),
  /** 0 = no clipping. */
  grad_clip_norm: finite.min(0).default(0),
});
export type AdamParams = z.infer<typeof adamParams>;

export const optimStepRequest = z.object({
  model_id: z.string().min(1),
  adam_params: adamParams,
  seq_id: int.nullish(),
  type: z.literal('optim_step').optional(),
});
export const optimStepResponse = z.object({ metrics: z.record(z.string(), z.number()).nullish() });
export type OptimStepResponse = z.infer<typeof optimStepResponse>;

// ---------------------------------------------------------------------------------------------------------------
// Sampling (types/sampling_params.py, sample_request.py; SkyRL types.SampleOutput / GeneratedSequence)

export const samplingParams = z.object({
  max_tokens: int.positive().nullish(),
  seed: int.nullish(),
  stop: z.union([z.string(), z.array(z.string()), z.array(int.nonnegative())]).nullish(),
  temperature: finite.min(0).default(1),
  /** -1 = no limit. */
  top_k: int.min(-1).default(-1),
  top_p: finite.gt(0).max(1).default(1),
});
export type SamplingParams = z.infer<typeof samplingParams>;

export const sampleRequest = z.object({
  num_samples: int.positive().default(1),
  prompt: modelInput,
  sampling_params: samplingParams,
  base_model: z.string().nullish(),
  model_path: z.string().nullish(),
  sampling_session_id: z.string().nullish(),
  seq_id: int.nullish(),
  prompt_logprobs: z.boolean().nullish(),
  topk_prompt_logprobs: int.nonnegative().default(0),
  type: z.literal('sample').optional(),
});
export type SampleRequest = z.infer<typeof sampleRequest>;

export const stopReason = z.enum(['length', 'stop']);
export const sampledSequence = z.object({
  stop_reason: stopReason,
  tokens: z.array(int),
  logprobs: z.array(z.number()).nullish(),
});
export type SampledSequence = z.infer<typeof sampledSequence>;
export const sampleResponse = z.object({
  sequences: z.array(sampledSequence),
  prompt_logprobs: z.array(z.number().nullable()).nullish(),
  topk_prompt_logprobs: z.array(z.array(z.tuple([int, z.number()])).nullable()).nullish(),
});
export type SampleResponse = z.infer<typeof sampleResponse>;

// ---------------------------------------------------------------------------------------------------------------
// Models (create_model_request.py, lora_config.py, get_info_*.py, unload_model_*.py)

export const loraConfig = z.object({
  rank: int.positive(),
  seed: int.nullish(),
  train_unembed: z.boolean().default(true),
  train_mlp: z.boolean().default(true),
  train_attn: z.boolean().default(true),
});
export type LoraConfig = z.infer<typeof loraConfig>;

export const createModelRequest = z.object({
  session_id: z.string().min(1),
  /** Required by the SDK, absent from SkyRL's server model. */
  model_seq_id: int.nullish(),
  base_model: z.string().min(1),
  user_metadata: z.record(z.string(), z.unknown()).nullish(),
  /** Absent = full fine-tune (local backend only; hosted Tinker and SkyRL train LoRA adapters). */
  lora_config: loraConfig.nullish(),
  type: z.literal('create_model').optional(),
});
export const createModelResponse = z.object({ model_id: z.string(), type: z.literal('create_model').nullish() });
export type CreateModelResponse = z.infer<typeof createModelResponse>;

export const getInfoRequest = z.object({ model_id: z.string().min(1), type: z.literal('get_info').nullish() });
export const getInfoResponse = z.object({
  type: z.literal('get_info').nullish(),
  model_data: z.object({
    arch: z.string().nullish(),
    model_name: z.string().nullish(),
    tokenizer_id: z.string().nullish(),
  }),
  model_id: z.string(),
  is_lora: z.boolean().nullish(),
  lora_rank: int.nullish(),
  model_name: z.string().nullish(),
});
export type GetInfoResponse = z.infer<typeof getInfoResponse>;

export const unloadModelRequest = z.object({ model_id: z.string().min(1), type: z.literal('unload_model').nullish() });
export const unloadModelResponse = z.object({ model_id: z.string(), type: z.literal('unload_model').nullish() });

// ---------------------------------------------------------------------------------------------------------------
// Weights (save_weights_*.py, save_weights_for_sampler_*.py, load_weights_*.py)

const checkpointName = z
  .string()
  .max(CHECKPOINT_NAME_MAX)
  .regex(CHECKPOINT_NAME, { error: 'must be one path segment of letters, digits, _ and -' });

export const saveWeightsRequest = z.object({
  model_id: z.string().min(1),
  path: checkpointName.nullish(),
  seq_id: int.nullish(),
  ttl_seconds: int.nullish(),
  overwrite: z.boolean().default(false),
  type: z.literal('save_weights').optional(),
});
export const saveWeightsResponse = z.object({ path: z.string(), type: z.literal('save_weights').nullish() });
export type SaveWeightsResponse = z.infer<typeof saveWeightsResponse>;

export const saveWeightsForSamplerRequest = z.object({
  model_id: z.string().min(1),
  path: checkpointName.nullish(),
  sampling_session_seq_id: int.nullish(),
  seq_id: int.nullish(),
  ttl_seconds: int.nullish(),
  type: z.literal('save_weights_for_sampler').optional(),
});
export const saveWeightsForSamplerResponse = z.object({
  path: z.string().nullish(),
  type: z.literal('save_weights_for_sampler').nullish(),
  sampling_session_id: z.string().nullish(),
});
export type SaveWeightsForSamplerResponse = z.infer<typeof saveWeightsForSamplerResponse>;

export const loadWeightsRequest = z.object({
  model_id: z.string().min(1).nullish(),
  seq_id: int.nullish(),
  session_id: z.string().nullish(),
  model_seq_id: int.nullish(),
  base_model: z.string().nullish(),
  user_metadata: z.record(z.string(), z.unknown()).nullish(),
  path: z.string().min(1),
  optimizer: z.boolean(),
  weights_access_token: z.string().nullish(),
  type: z.literal('load_weights').optional(),
});
export const loadWeightsResponse = z.object({
  path: z.string().nullish(),
  model_id: z.string().nullish(),
  type: z.literal('load_weights').nullish(),
});
export type LoadWeightsResponse = z.infer<typeof loadWeightsResponse>;

// ---------------------------------------------------------------------------------------------------------------
// Service, sessions, futures (health_response.py, get_server_capabilities_response.py, create_session_*.py,
// session_heartbeat_*.py, shared/untyped_api_future.py, future_retrieve_request.py, try_again_response.py,
// request_failed_response.py)

export const healthResponse = z.object({ status: z.literal('ok') });
export const supportedModel = z.object({
  model_name: z.string().nullish(),
  max_context_length: int.nullish(),
});
export const getServerCapabilitiesResponse = z.object({ supported_models: z.array(supportedModel) });
export type GetServerCapabilitiesResponse = z.infer<typeof getServerCapabilitiesResponse>;

export const createSessionRequest = z.object({
  tags: z.array(z.string()),
  user_metadata: z.record(z.string(), z.unknown()).nullish(),
  sdk_version: z.string(),
  project_id: z.string().nullish(),
  type: z.literal('create_session').optional(),
});
export const createSessionResponse = z.object({
  type: z.literal('create_session').nullish(),
  info_message: z.string().nullish(),
  warning_message: z.string().nullish(),
  error_message: z.string().nullish(),
  session_id: z.string(),
});
export const sessionHeartbeatRequest = z.object({
  session_id: z.string().min(1),
  type: z.literal('session_heartbeat').optional(),
});
export const sessionHeartbeatResponse = z.object({ type: z.literal('session_heartbeat').nullish() });

/** What every queued call answers at once: the handle to poll (SkyRL adds future_id and status). */
export const untypedApiFuture = z.object({ request_id: z.string().min(1), model_id: z.string().nullish() });
export type UntypedApiFuture = z.infer<typeof untypedApiFuture>;

export const futureRetrieveRequest = z.object({
  request_id: z.string().min(1),
  allow_metadata_only: z.boolean().default(false),
});
export const queueState = z.enum(['active', 'paused_capacity', 'paused_rate_limit']);
export const tryAgainResponse = z.object({
  type: z.literal('try_again'),
  request_id: z.string(),
  queue_state: queueState,
});
export const requestErrorCategory = z.enum(['unknown', 'server', 'user']);
export const requestFailedResponse = z.object({ error: z.string(), category: requestErrorCategory });
export type RequestFailedResponse = z.infer<typeof requestFailedResponse>;

/** FastAPI's error body: 400 (bad request), 401/403 (key), 404, 408, 409. */
export const errorDetail = z.object({ detail: z.unknown() });

/**
 * The SDK's serialisation (`model_dump(exclude_unset=False, exclude_none=True)`): nulls and undefineds are left
 * out at every depth, defaults stay.
 */
export function compact<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => compact(v)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = compact(v);
    return out as T;
  }
  return value;
}
