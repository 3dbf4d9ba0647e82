/**
 * Model configuration: the workbench's own `ModelConfig` and its mapping to and from Hugging Face `config.json`
 * for the Llama / Qwen2 / Qwen3 decoder families. Defaults follow the HF config classes of each family.
 */
import { z } from 'zod';
import { LIMITS } from '../base/budget.ts';
import { CodError } from '../base/errors.ts';
import { readTextWithin } from './bounded-read.ts';

export type Architecture = 'llama' | 'qwen2' | 'qwen3';

export const ARCHITECTURES: readonly Architecture[] = ['llama', 'qwen2', 'qwen3'];

/** RoPE frequency scaling as HF applies it (Llama 3.1+ uses 'llama3'). Absent = plain RoPE. */
export type RopeScaling =
  | { type: 'linear'; factor: number }
  | {
      type: 'llama3';
      factor: number;
      lowFreqFactor: number;
      highFreqFactor: number;
      originalMaxPositionEmbeddings: number;
    };

export interface ModelConfig {
  architecture: Architecture;
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /** qwen3: q_norm/k_norm RMSNorm over head_dim. */
  qkNorm: boolean;
  /** qwen2: bias on q/k/v projections (true for qwen2 by default). */
  attentionBias: boolean;
  bosTokenId?: number;
  eosTokenId?: number[];
  padTokenId?: number;
  torchDtype?: string;
  ropeScaling?: RopeScaling;
}

const HF_CLASS: Readonly<Record<Architecture, string>> = {
  llama: 'LlamaForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  qwen3: 'Qwen3ForCausalLM',
};

/** Per-family defaults of the HF config classes, for fields a config.json may omit. */
const DEFAULTS: Readonly<Record<Architecture, { maxPositionEmbeddings: number; headDim?: number }>> = {
  llama: { maxPositionEmbeddings: 2048 },
  qwen2: { maxPositionEmbeddings: 32768 },
  qwen3: { maxPositionEmbeddings: 32768, headDim: 128 },
};

const posInt = z.number().int().positive();
const tokenId = z.number().int().nonnegative();

const ropeScalingSchema = z.looseObject({
  rope_type: z.string().optional(),
  type: z.string().optional(),
  factor: z.number().positive().optional(),
  low_freq_factor: z.number().positive().optional(),
  high_freq_factor: z.number().positive().optional(),
  original_max_position_embeddings: posInt.optional(),
});

const hfConfigSchema = z.looseObject({
  model_type: z.string(),
  architectures: z.array(z.string()).nullish(),
  vocab_size: posInt,
  hidden_size: posInt,
  intermediate_size: posInt,
  num_hidden_layers: posInt,
  num_attention_heads: posInt,
  num_key_value_heads: posInt.nullish(),
  head_dim: posInt.nullish(),
  hidden_act: z.string().optional(),
  rms_norm_eps: z.number().positive().optional(),
  rope_theta: z.number().positive().optional(),
  // transformers v5 moves rope_theta / rope_type here.
  rope_parameters: z.looseObject({ rope_theta: z.number().positive().optional() }).nullish(),
  rope_scaling: ropeScalingSchema.nullish(),
  max_position_embeddings: posInt.optional(),
  tie_word_embeddings: z.boolean().optional(),
  attention_bias: z.boolean().optional(),
  mlp_bias: z.boolean().optional(),
  use_sliding_window: z.boolean().optional(),
  bos_token_id: tokenId.nullish(),
  eos_token_id: z.union([tokenId, z.array(tokenId)]).nullish(),
  pad_token_id: tokenId.nullish(),
  torch_dtype: z.string().nullish(),
  dtype: z.string().nullish(),
});

type HfConfig = z.infer<typeof hfConfigSchema>;

function fail(where: string, field: string, msg: string, code: 'bad_config' | 'unsupported' = 'bad_config'): never {
  throw new CodError(code, msg, `${where}: ${field}`);
}

function architectureOf(raw: HfConfig, where: string): Architecture {
  const arch = ARCHITECTURES.find((a) => a === raw.model_type);
  if (!arch) {
    fail(
      where,
      'model_type',
      `model type '${raw.model_type}' is not supported (supported: ${ARCHITECTURES.join(', ')})`,
      'unsupported',
    );
  }
  const classes = raw.architectures ?? [];
  if (classes.length > 0 && !classes.includes(HF_CLASS[arch])) {
    fail(
      where,
      'architectures',
      `${JSON.stringify(classes)} is not a causal LM of model type '${arch}' (expected ${HF_CLASS[arch]})`,
      'unsupported',
    );
  }
  return arch;
}

function ropeScalingOf(raw: HfConfig, where: string): RopeScaling | undefined {
  const rs = raw.rope_scaling;
  if (!rs) return undefined;
  const kind = rs.rope_type ?? rs.type ?? 'default';
  if (kind === 'default') return undefined;
  const need = (v: number | undefined, name: string): number =>
    v ?? fail(where, `rope_scaling.${name}`, `required for rope type '${kind}'`);
  if (kind === 'linear') return { type: 'linear', factor: need(rs.factor, 'factor') };
  if (kind === 'llama3') {
    return {
      type: 'llama3',
      factor: need(rs.factor, 'factor'),
      lowFreqFactor: need(rs.low_freq_factor, 'low_freq_factor'),
      highFreqFactor: need(rs.high_freq_factor, 'high_freq_factor'),
      originalMaxPositionEmbeddings: need(rs.original_max_position_embeddings, 'original_max_position_embeddings'),
    };
  }
  return fail(where, 'rope_scaling.rope_type', `rope scaling '${kind}' is not supported`, 'unsupported');
}

/** Parse and validate an HF config.json object (zod). Errors: CodError('bad_config', msg, `${where}: field`). */
export function parseHfConfig(json: unknown, where: string): ModelConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new CodError('bad_config', 'config must be a JSON object', where);
  }
  const parsed = hfConfigSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.map(String).join('.') || '(root)';
    const value = issue.path.reduce<unknown>(
      (o, k) => (o && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k] : undefined),
      json,
    );
    fail(
      where,
      field,
      value === undefined ? 'required field is missing' : `${issue.message} (got ${JSON.stringify(value)})`,
    );
  }
  const raw = parsed.data;
  const architecture = architectureOf(raw, where);
  const d = DEFAULTS[architecture];

  if (raw.hidden_act !== undefined && raw.hidden_act !== 'silu') {
    fail(where, 'hidden_act', `activation '${raw.hidden_act}' is not supported (only silu)`, 'unsupported');
  }
  if (raw.mlp_bias) fail(where, 'mlp_bias', 'MLP biases are not supported', 'unsupported');
  if (raw.use_sliding_window)
    fail(where, 'use_sliding_window', 'sliding-window attention is not supported', 'unsupported');
  // Llama and Qwen3 put attention_bias on all four projections (o_proj too); the workbench models q/k/v biases only.
  if (architecture !== 'qwen2' && raw.attention_bias) {
    fail(where, 'attention_bias', `attention biases are not supported for ${architecture}`, 'unsupported');
  }

  const numHeads = raw.num_attention_heads;
  const numKvHeads = raw.num_key_value_heads ?? numHeads;
  if (numHeads % numKvHeads !== 0) {
    fail(where, 'num_key_value_heads', `${numKvHeads} does not divide num_attention_heads (${numHeads})`);
  }
  let headDim = raw.head_dim ?? d.headDim;
  if (headDim === undefined) {
    if (raw.hidden_size % numHeads !== 0) {
      fail(where, 'num_attention_heads', `${numHeads} does not divide hidden_size (${raw.hidden_size})`);
    }
    headDim = raw.hidden_size / numHeads;
  }
  if (headDim % 2 !== 0) fail(where, 'head_dim', `must be even for rotary embeddings (got ${headDim})`);

  const eos = raw.eos_token_id;
  const config: ModelConfig = {
    architecture,
    vocabSize: raw.vocab_size,
    hiddenSize: raw.hidden_size,
    intermediateSize: raw.intermediate_size,
    numLayers: raw.num_hidden_layers,
    numHeads,
    numKvHeads,
    headDim,
    rmsNormEps: raw.rms_norm_eps ?? 1e-6,
    ropeTheta: raw.rope_theta ?? raw.rope_parameters?.rope_theta ?? 10000,
    maxPositionEmbeddings: raw.max_position_embeddings ?? d.maxPositionEmbeddings,
    tieWordEmbeddings: raw.tie_word_embeddings ?? false,
    qkNorm: architecture === 'qwen3',
    attentionBias: architecture === 'qwen2',
  };
  if (raw.bos_token_id != null) config.bosTokenId = raw.bos_token_id;
  if (eos != null) config.eosTokenId = Array.isArray(eos) ? [...eos] : [eos];
  if (raw.pad_token_id != null) config.padTokenId = raw.pad_token_id;
  const dtype = raw.torch_dtype ?? raw.dtype;
  if (dtype != null) config.torchDtype = dtype;
  const ropeScaling = ropeScalingOf(raw, where);
  if (ropeScaling) config.ropeScaling = ropeScaling;
  for (const [field, id] of [
    ['bos_token_id', config.bosTokenId],
    ['pad_token_id', config.padTokenId],
    ...(config.eosTokenId ?? []).map((e) => ['eos_token_id', e] as const),
  ] as const) {
    if (id !== undefined && id >= config.vocabSize)
      fail(where, field, `token id ${id} is outside vocab_size ${config.vocabSize}`);
  }
  return config;
}

/**
 * ModelConfig -> HF config.json object that HF transformers loads as the matching *ForCausalLM class.
 * Rejects combinations HF cannot express (e.g. a qwen2 without q/k/v biases, a llama with q/k/v-only biases).
 */
export function toHfConfig(c: ModelConfig): Record<string, unknown> {
  if (c.qkNorm !== (c.architecture === 'qwen3')) {
    throw new CodError('unsupported', `qkNorm=${c.qkNorm} cannot be expressed for ${c.architecture} in HF`, 'qkNorm');
  }
  if (c.attentionBias !== (c.architecture === 'qwen2')) {
    throw new CodError(
      'unsupported',
      `attentionBias=${c.attentionBias} cannot be expressed for ${c.architecture} in HF`,
      'attentionBias',
    );
  }
  const eos = c.eosTokenId;
  const hf: Record<string, unknown> = {
    architectures: [HF_CLASS[c.architecture]],
    model_type: c.architecture,
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKvHeads,
    head_dim: c.headDim,
    hidden_act: 'silu',
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling: ropeScalingToHf(c.ropeScaling),
    max_position_embeddings: c.maxPositionEmbeddings,
    tie_word_embeddings: c.tieWordEmbeddings,
    initializer_range: 0.02,
    attention_dropout: 0.0,
    use_cache: true,
    torch_dtype: c.torchDtype ?? 'float32',
  };
  if (c.architecture === 'llama') Object.assign(hf, { attention_bias: false, mlp_bias: false, pretraining_tp: 1 });
  if (c.architecture === 'qwen3') hf.attention_bias = false;
  if (c.architecture !== 'llama') {
    Object.assign(hf, { use_sliding_window: false, sliding_window: null, max_window_layers: c.numLayers });
  }
  if (c.bosTokenId !== undefined) hf.bos_token_id = c.bosTokenId;
  if (eos !== undefined && eos.length > 0) hf.eos_token_id = eos.length === 1 ? eos[0] : [...eos];
  if (c.padTokenId !== undefined) hf.pad_token_id = c.padTokenId;
  return hf;
}

function ropeScalingToHf(r: RopeScaling | undefined): Record<string, unknown> | null {
  if (!r) return null;
  if (r.type === 'linear') return { rope_type: 'linear', factor: r.factor };
  return {
    rope_type: 'llama3',
    factor: r.factor,
    low_freq_factor: r.lowFreqFactor,
    high_freq_factor: r.highFreqFactor,
    original_max_position_embeddings: r.originalMaxPositionEmbeddings,
  };
}

/** Reads and validates a config.json file; a missing file, bad JSON or a bad field is one clear CodError. */
export async function readConfigFile(path: string): Promise<ModelConfig> {
  const text = await readTextWithin(path, 'config.json', LIMITS.documentBytes);
  if (text === undefined) throw new CodError('not_found', 'config file not found', path);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CodError('bad_config', `not valid JSON (${(e as Error).message})`, path);
  }
  return parseHfConfig(json, path);
}
