/**
 * Where the local backend keeps saved weights: `ROOT/<model_id>/weights/<name>/` (save_weights: an HF checkpoint
 * directory plus `optimizer.safetensors` and `backend-state.json`, the state file written last so a directory
 * without it is incomplete and refused) and `ROOT/<model_id>/sampler_weights/<name>/` (save_weights_for_sampler: an
 * HF checkpoint directory with the base model's tokenizer files, so it opens as a model anywhere). A LoRA model's
 * weights are its adapter in the PEFT format (adapter_config.json + adapter_model.safetensors, naming the base
 * directory) in place of the HF checkpoint: never a copy of the frozen base. Saving over a name
 * writes beside it and swaps the new directory in, so a crash mid-save leaves the old one whole.
 */
import { copyFile, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CodError } from '../../base/errors.ts';
import { loadCheckpoint, saveCheckpoint } from '../../models/checkpoint.ts';
import type { ModelConfig } from '../../models/config.ts';
import { TOKENIZER_FILES } from '../../models/model-dir.ts';
import {
  fromFloat32,
  readSafetensorsFile,
  toFloat32,
  writeFileAtomic,
  writeSafetensorsFile,
} from '../../models/safetensors.ts';
import { parameterSpecs } from '../../models/transformer.ts';
import {
  ADAPTER_CONFIG_FILE,
  adapterSpecs,
  loadAdapter,
  saveAdapter,
  type LoraSettings,
} from '../../models/adapter.ts';
import type { TinkerPath } from '../tinker-path.ts';
import { loraSettingsSchema } from './worker-init.ts';

export type Weights = Map<string, Float32Array>;

export interface OptimizerState {
  readonly step: number;
  readonly m: Weights;
  readonly v: Weights;
}

export interface TrainingState {
  readonly config: ModelConfig;
  /** Every parameter (full fine-tune), or the adapter's tensors (with `lora`). */
  readonly weights: Weights;
  readonly optimizer: OptimizerState;
  readonly lora?: LoraSettings;
}

const STATE_FILE = 'backend-state.json';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const stateSchema = z.strictObject({
  format: z.literal('cod-backend-weights/1'),
  baseModel: z.string(),
  optimizerStep: z.number().int().nonnegative(),
  /** Present for a LoRA model: the adapter's settings (also in adapter_config.json). */
  lora: loraSettingsSchema.optional(),
});

export function weightsDir(root: string, p: TinkerPath): string {
  return join(root, p.modelId, p.kind, p.name);
}

async function writeBeside(dir: string, write: (tmp: string) => Promise<void>): Promise<void> {
  const tmp = `${dir}.saving`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await write(tmp);
  const old = `${dir}.old`;
  await rm(old, { recursive: true, force: true });
  if (existsSync(dir)) await rename(dir, old);
  await rename(tmp, dir);
  await rm(old, { recursive: true, force: true });
}

async function copyTokenizer(baseDir: string, dir: string): Promise<void> {
  for (const f of TOKENIZER_FILES) if (existsSync(join(baseDir, f))) await copyFile(join(baseDir, f), join(dir, f));
}

export async function saveSamplerWeights(dir: string, baseDir: string, config: ModelConfig, w: Weights): Promise<void> {
  await writeBeside(dir, async (tmp) => {
    await saveCheckpoint(tmp, config, w, { producer: 'cod backend' });
    await copyTokenizer(baseDir, tmp);
  });
}

/** A LoRA model's sampler weights: its adapter (naming the base directory) and the base's tokenizer files. */
export async function saveSamplerAdapter(
  dir: string,
  baseDir: string,
  config: ModelConfig,
  settings: LoraSettings,
  w: Weights,
): Promise<void> {
  await writeBeside(dir, async (tmp) => {
    await saveAdapter(tmp, { settings, weights: w, baseModel: baseDir }, config);
    await copyTokenizer(baseDir, tmp);
  });
}

/** Sampler weights as saved: every parameter, or (an adapter directory, read against `config`) the adapter's. */
export async function loadSamplerWeights(dir: string, config: ModelConfig): Promise<Weights> {
  if (!existsSync(dir)) throw new CodError('not_found', 'no such sampler weights', dir);
  if (existsSync(join(dir, ADAPTER_CONFIG_FILE))) return (await loadAdapter(dir, config)).weights;
  return (await loadCheckpoint(dir)).weights;
}

type Specs = ReadonlyArray<{ readonly name: string; readonly shape: number[] }>;

/** The tensors a state holds: every parameter, or the adapter's. */
function specsOf(config: ModelConfig, lora: LoraSettings | undefined): Specs {
  return lora ? adapterSpecs(config, lora) : parameterSpecs(config);
}

function tensorsOf(specs: Specs, prefix: string, params: Weights) {
  return specs.map((s) => fromFloat32(`${prefix}${s.name}`, s.shape, params.get(s.name)!));
}

export async function saveTrainingState(
  dir: string,
  baseModel: string,
  baseDir: string,
  s: TrainingState,
): Promise<void> {
  const specs = specsOf(s.config, s.lora);
  await writeBeside(dir, async (tmp) => {
    if (s.lora) await saveAdapter(tmp, { settings: s.lora, weights: s.weights, baseModel: baseDir }, s.config);
    else {
      await saveCheckpoint(tmp, s.config, s.weights, { producer: 'cod backend' });
      await copyTokenizer(baseDir, tmp);
    }
    await writeSafetensorsFile(join(tmp, OPTIMIZER_FILE), [
      ...tensorsOf(specs, 'm.', s.optimizer.m),
      ...tensorsOf(specs, 'v.', s.optimizer.v),
    ]);
    const state: z.infer<typeof stateSchema> = {
      format: 'cod-backend-weights/1',
      baseModel,
      optimizerStep: s.optimizer.step,
      ...(s.lora ? { lora: { rank: s.lora.rank, alpha: s.lora.alpha, targets: [...s.lora.targets] } } : {}),
    };
    await writeFileAtomic(join(tmp, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
  });
}

/**
 * Saved weights and optimizer state. A LoRA state's adapter is read against `baseConfig` (the model loading it), so
 * an adapter of another base is refused with the tensor that does not fit.
 */
export async function loadTrainingState(
  dir: string,
  baseConfig: ModelConfig,
): Promise<TrainingState & { baseModel: string }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8'));
  } catch {
    throw new CodError('not_found', `no complete saved weights here (${STATE_FILE} missing or unreadable)`, dir);
  }
  const st = stateSchema.safeParse(raw);
  if (!st.success) throw new CodError('bad_checkpoint', `malformed ${STATE_FILE}: ${st.error.issues[0].message}`, dir);
  const lora = st.data.lora;
  const { config, weights } = lora
    ? { config: baseConfig, weights: (await loadAdapter(dir, baseConfig)).weights }
    : await loadCheckpoint(dir);
  const opt = await readSafetensorsFile(join(dir, OPTIMIZER_FILE));
  const named = new Map(opt.tensors.map((t) => [t.name, t]));
  const part = (prefix: string): Weights => {
    const out: Weights = new Map();
    for (const s of specsOf(config, lora)) {
      const t = named.get(`${prefix}${s.name}`);
      if (!t) throw new CodError('bad_checkpoint', `missing tensor ${prefix}${s.name}`, join(dir, OPTIMIZER_FILE));
      const a = toFloat32(t, join(dir, OPTIMIZER_FILE));
      if (a.length !== s.shape.reduce((x, y) => x * y, 1))
        throw new CodError('bad_checkpoint', `tensor ${prefix}${s.name} has the wrong size`, join(dir, OPTIMIZER_FILE));
      out.set(s.name, a);
    }
    return out;
  };
  return {
    baseModel: st.data.baseModel,
    config,
    weights,
    optimizer: { step: st.data.optimizerStep, m: part('m.'), v: part('v.') },
    ...(lora ? { lora } : {}),
  };
}
