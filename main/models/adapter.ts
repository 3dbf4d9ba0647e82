/**
 * LoRA adapters in the PEFT format, so they load in peft / transformers / vLLM:
 *   adapter_config.json        — LoraConfig.to_dict() as peft's PeftConfigMixin.save_pretrained writes it (every
 *                                dataclass field of PeftConfigMixin, PeftConfig and LoraConfig minus runtime_config,
 *                                json.dumps(indent=2, sort_keys=True)),
 *   adapter_model.safetensors  — `base_model.model.<module path>.lora_A.weight` [r, in] and `.lora_B.weight` [out, r]
 *                                (adapter name removed from the keys), metadata {"format": "pt"}.
 * Derived from huggingface/peft at 5d602fdbff04c33c1c4de55cda9d4ae1d7cb7e40: src/peft/config.py (PeftConfigMixin,
 * PeftConfig, save_pretrained), src/peft/tuners/lora/config.py (LoraConfig fields and defaults, to_dict),
 * src/peft/utils/save_and_load.py (get_peft_model_state_dict), src/peft/utils/constants.py (file names).
 *
 * The adapted linear layer is y = W x + (alpha / r) · B (A x) (peft's LoRA with dropout 0, use_rslora false), B
 * initialised to zero by default (peft's init_lora_weights=True: A ~ kaiming-uniform(a=√5), B = 0).
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CodError } from '../base/errors.ts';
import type { ModelConfig } from './config.ts';
import { fromFloat32, readSafetensorsFile, toFloat32, writeSafetensorsFile } from './safetensors.ts';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';
/** The peft version whose format these files follow (peft_version is what that peft would write). */
export const PEFT_FORMAT_VERSION = '0.20.1.dev0@5d602fdbff04c33c1c4de55cda9d4ae1d7cb7e40';

export const LORA_TARGETS = [
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
  'lm_head',
] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];
export const ALL_LINEAR: readonly LoraTarget[] = LORA_TARGETS.filter((t) => t !== 'lm_head');

export interface LoraSettings {
  readonly rank: number;
  readonly alpha: number;
  readonly targets: readonly LoraTarget[];
}

/** One adapted linear layer: its HF module path and the shapes of its weight. */
export interface LoraModule {
  readonly path: string;
  readonly target: LoraTarget;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

export const loraScale = (s: LoraSettings): number => s.alpha / s.rank;
export const loraAName = (path: string): string => `base_model.model.${path}.lora_A.weight`;
export const loraBName = (path: string): string => `base_model.model.${path}.lora_B.weight`;

export function checkLoraSettings(s: LoraSettings, where: string): void {
  if (!Number.isInteger(s.rank) || s.rank <= 0)
    throw new CodError('bad_input', `LoRA rank must be a positive integer, got ${s.rank}`, where);
  if (!Number.isFinite(s.alpha) || s.alpha <= 0)
    throw new CodError('bad_input', `LoRA alpha must be a positive number, got ${s.alpha}`, where);
  if (s.targets.length === 0) throw new CodError('bad_input', 'LoRA needs at least one target module', where);
  for (const t of s.targets)
    if (!LORA_TARGETS.includes(t))
      throw new CodError('bad_input', `unknown LoRA target module '${t}' (known: ${LORA_TARGETS.join(', ')})`, where);
}

/** Parses "q_proj,v_proj" or "all-linear" (every projection of every layer, not lm_head, as peft's shorthand). */
export function parseTargets(list: string, where: string): LoraTarget[] {
  if (list.trim() === 'all-linear') return [...ALL_LINEAR];
  const out = list
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
  for (const t of out)
    if (!LORA_TARGETS.includes(t as LoraTarget))
      throw new CodError('bad_input', `unknown LoRA target module '${t}' (known: ${LORA_TARGETS.join(', ')})`, where);
  return [...new Set(out)] as LoraTarget[];
}

/** The adapted modules of a model, in layer order. */
export function loraModules(c: ModelConfig, s: LoraSettings): LoraModule[] {
  const q = c.numHeads * c.headDim;
  const kv = c.numKvHeads * c.headDim;
  const D = c.hiddenSize;
  const I = c.intermediateSize;
  const dims: Record<Exclude<LoraTarget, 'lm_head'>, [string, number, number]> = {
    q_proj: ['self_attn.q_proj', D, q],
    k_proj: ['self_attn.k_proj', D, kv],
    v_proj: ['self_attn.v_proj', D, kv],
    o_proj: ['self_attn.o_proj', q, D],
    gate_proj: ['mlp.gate_proj', D, I],
    up_proj: ['mlp.up_proj', D, I],
    down_proj: ['mlp.down_proj', I, D],
  };
  const out: LoraModule[] = [];
  for (let l = 0; l < c.numLayers; l++)
    for (const t of ALL_LINEAR) {
      if (!s.targets.includes(t)) continue;
      const [sub, inF, outF] = dims[t as Exclude<LoraTarget, 'lm_head'>];
      out.push({ path: `model.layers.${l}.${sub}`, target: t, inFeatures: inF, outFeatures: outF });
    }
  if (s.targets.includes('lm_head'))
    out.push({ path: 'lm_head', target: 'lm_head', inFeatures: D, outFeatures: c.vocabSize });
  return out;
}

/** Adapter tensor names and shapes, in a fixed order (A then B per module). */
export function adapterSpecs(c: ModelConfig, s: LoraSettings): Array<{ name: string; shape: number[] }> {
  return loraModules(c, s).flatMap((m) => [
    { name: loraAName(m.path), shape: [s.rank, m.inFeatures] },
    { name: loraBName(m.path), shape: [m.outFeatures, s.rank] },
  ]);
}

export interface LoraAdapter {
  readonly settings: LoraSettings;
  /** Tensor name (as in adapter_model.safetensors) -> float32 values. */
  readonly weights: Map<string, Float32Array>;
  readonly baseModel?: string;
}

/** Seeded uniforms in (0, 1) from sha256 counter blocks: reproducible everywhere; adapters are small. */
function uniforms(seed: string, n: number): Float64Array {
  const out = new Float64Array(n);
  let k = 0;
  for (let block = 0; k < n; block++) {
    const h = createHash('sha256').update(`${seed}:${block}`).digest();
    for (let i = 0; i + 4 <= h.length && k < n; i += 4) out[k++] = (h.readUInt32LE(i) + 0.5) / 4294967296;
  }
  return out;
}

/**
 * A fresh adapter. A ~ U(-1/√in, 1/√in) (kaiming-uniform with a = √5, peft's default for lora_A); B = 0
 * (`zero-b`, so the adapted model starts equal to the base) or, with `random`, B ~ U(-1/√r, 1/√r) (for tests).
 */
export function initAdapter(
  c: ModelConfig,
  s: LoraSettings,
  seed: number,
  init: 'zero-b' | 'random' = 'zero-b',
): LoraAdapter {
  checkLoraSettings(s, 'lora');
  const weights = new Map<string, Float32Array>();
  for (const m of loraModules(c, s)) {
    const a = uniforms(`${seed}:${loraAName(m.path)}`, s.rank * m.inFeatures);
    const bound = 1 / Math.sqrt(m.inFeatures);
    weights.set(
      loraAName(m.path),
      Float32Array.from(a, (u) => (2 * u - 1) * bound),
    );
    const b = new Float32Array(m.outFeatures * s.rank);
    if (init === 'random') {
      const ub = uniforms(`${seed}:${loraBName(m.path)}`, b.length);
      const bb = 1 / Math.sqrt(s.rank);
      for (let i = 0; i < b.length; i++) b[i] = (2 * ub[i] - 1) * bb;
    }
    weights.set(loraBName(m.path), b);
  }
  return { settings: s, weights };
}

/** adapter_config.json as peft writes it for a LoRA adapter of a causal LM (keys sorted, indent 2). */
export function peftConfigJson(s: LoraSettings, baseModel: string | null): Record<string, unknown> {
  const cfg: Record<string, unknown> = {
    alora_invocation_tokens: null,
    alpha_pattern: {},
    arrow_config: null,
    auto_mapping: null,
    base_model_name_or_path: baseModel,
    bias: 'none',
    corda_config: null,
    ensure_weight_tying: false,
    eva_config: null,
    exclude_modules: null,
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    kasa_config: null,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: s.alpha,
    lora_bias: false,
    lora_dropout: 0.0,
    lora_ga_config: null,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: null,
    monteclora_config: null,
    peft_type: 'LORA',
    peft_version: PEFT_FORMAT_VERSION,
    qalora_group_size: 16,
    r: s.rank,
    rank_pattern: {},
    revision: null,
    target_modules: [...s.targets].sort(),
    target_parameters: null,
    task_type: 'CAUSAL_LM',
    trainable_token_indices: null,
    use_bdlora: null,
    use_dora: false,
    use_qalora: false,
    use_rslora: false,
    velora_config: null,
  };
  return Object.fromEntries(Object.entries(cfg).sort(([a], [b]) => (a < b ? -1 : 1)));
}

const peftConfigSchema = z.looseObject({
  peft_type: z.literal('LORA'),
  r: z.number(),
  lora_alpha: z.number(),
  target_modules: z.union([z.array(z.string()), z.string()]),
  lora_dropout: z.number().optional(),
  use_rslora: z.boolean().optional(),
  use_dora: z.boolean().optional(),
  bias: z.string().optional(),
  fan_in_fan_out: z.boolean().optional(),
  base_model_name_or_path: z.string().nullish(),
  rank_pattern: z.record(z.string(), z.unknown()).optional(),
  alpha_pattern: z.record(z.string(), z.unknown()).optional(),
});

export async function saveAdapter(dir: string, a: LoraAdapter, c: ModelConfig): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors = adapterSpecs(c, a.settings).map((s) => fromFloat32(s.name, s.shape, a.weights.get(s.name)!));
  await writeSafetensorsFile(join(dir, ADAPTER_WEIGHTS_FILE), tensors, { format: 'pt' });
  const tmp = join(dir, `.${ADAPTER_CONFIG_FILE}.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(peftConfigJson(a.settings, a.baseModel ?? null), null, 2));
  await rename(tmp, join(dir, ADAPTER_CONFIG_FILE));
}

/**
 * Reads a PEFT LoRA adapter and checks it against the model it is applied to: every tensor named and shaped as this
 * model's modules imply, nothing missing or extra, only the features this engine implements (no DoRA, rsLoRA,
 * per-module rank/alpha patterns, bias, dropout at inference is irrelevant).
 */
export async function loadAdapter(dir: string, c: ModelConfig): Promise<LoraAdapter> {
  const cfgPath = join(dir, ADAPTER_CONFIG_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(cfgPath, 'utf8'));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new CodError('not_found', 'adapter_config.json not found', cfgPath);
    throw new CodError('bad_checkpoint', `not valid JSON (${err.message})`, cfgPath);
  }
  const parsed = peftConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CodError('bad_checkpoint', `${issue.path.join('.') || '(root)'}: ${issue.message}`, cfgPath);
  }
  const p = parsed.data;
  const unsupported = (cond: boolean | undefined, what: string) => {
    if (cond) throw new CodError('unsupported', `${what} is not supported`, cfgPath);
  };
  unsupported(p.use_dora, 'use_dora (DoRA)');
  unsupported(p.use_rslora, 'use_rslora');
  unsupported(p.fan_in_fan_out, 'fan_in_fan_out');
  unsupported(p.bias !== undefined && p.bias !== 'none', `bias '${p.bias}'`);
  unsupported(Object.keys(p.rank_pattern ?? {}).length > 0, 'rank_pattern');
  unsupported(Object.keys(p.alpha_pattern ?? {}).length > 0, 'alpha_pattern');
  const targetList = typeof p.target_modules === 'string' ? p.target_modules : p.target_modules.join(',');
  const settings: LoraSettings = { rank: p.r, alpha: p.lora_alpha, targets: parseTargets(targetList, cfgPath) };
  checkLoraSettings(settings, cfgPath);
  const wPath = join(dir, ADAPTER_WEIGHTS_FILE);
  const { tensors } = await readSafetensorsFile(wPath);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const weights = new Map<string, Float32Array>();
  for (const s of adapterSpecs(c, settings)) {
    const t = byName.get(s.name);
    if (!t)
      throw new CodError(
        'bad_checkpoint',
        `adapter lacks '${s.name}': it does not match this model (${c.architecture}, ${c.numLayers} layers)`,
        wPath,
      );
    if (t.shape.length !== s.shape.length || t.shape.some((d, i) => d !== s.shape[i]))
      throw new CodError(
        'bad_checkpoint',
        `'${s.name}' has shape [${t.shape.join(', ')}] but this model needs [${s.shape.join(', ')}]: the adapter was made for another base model`,
        wPath,
      );
    weights.set(s.name, toFloat32(t, wPath));
    byName.delete(s.name);
  }
  const extra = [...byName.keys()];
  if (extra.length > 0)
    throw new CodError(
      'bad_checkpoint',
      `unexpected tensor '${extra[0]}' (${extra.length} extra): the adapter does not match this model`,
      wPath,
    );
  return { settings, weights, ...(p.base_model_name_or_path ? { baseModel: p.base_model_name_or_path } : {}) };
}

/** W + (alpha/r)·B·A for one module, in place on a float32 copy of W [out, in]. */
export function mergeInto(w: Float32Array, a: Float32Array, b: Float32Array, m: LoraModule, s: LoraSettings): void {
  const r = s.rank;
  const scale = loraScale(s);
  const row = new Float64Array(m.inFeatures);
  for (let o = 0; o < m.outFeatures; o++) {
    row.fill(0);
    for (let k = 0; k < r; k++) {
      const bk = b[o * r + k] * scale;
      if (bk === 0) continue;
      const aRow = k * m.inFeatures;
      for (let i = 0; i < m.inFeatures; i++) row[i] += bk * a[aRow + i];
    }
    const wRow = o * m.inFeatures;
    for (let i = 0; i < m.inFeatures; i++) w[wRow + i] += row[i];
  }
}
