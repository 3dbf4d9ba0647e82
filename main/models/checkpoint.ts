/** Hugging Face–compatible checkpoint directories: config.json + model.safetensors (+ tokenizer files). */
import { mkdir, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CodError } from '../base/errors.ts';
import { readCheckpointTensorInfo, readCheckpointWeights, checkTensorsAgainstConfig } from './checkpoint-files.ts';
import { readConfigFile, toHfConfig, type ModelConfig } from './config.ts';
import { checkModelFits } from './model-budget.ts';
import { DTYPE_SIZE, fromFloat32, type NamedTensor, toFloat32, writeSafetensorsFile } from './safetensors.ts';
import { parameterSpecs } from './transformer.ts';

/** A weight as stored: float32, float16 or bfloat16 raw little-endian bytes. */
export type StoredTensor = NamedTensor;

export interface StoredModel {
  readonly config: ModelConfig;
  readonly tensors: Map<string, StoredTensor>;
}

export interface LoadedModel {
  readonly config: ModelConfig;
  readonly weights: Map<string, Float32Array>;
}

/**
 * Reads config.json, then checks every weight file's header against it (names, dtypes, shapes) before any tensor
 * data is read: a checkpoint with an unknown or mis-shaped tensor is refused at the cost of its headers. Then reads
 * only the tensors the model uses, as stored (F64 narrowed to F32; F32 / F16 / BF16 kept as they are).
 */
export async function loadStoredCheckpoint(dir: string): Promise<StoredModel> {
  const config = await readConfigFile(join(dir, 'config.json'));
  const info = await readCheckpointTensorInfo(dir);
  checkTensorsAgainstConfig(info, config, dir);
  // The weights it will hold as stored (F64 narrowed to F32), refused before a byte of them is read.
  let perParam = 2;
  for (const t of info.values()) perParam = Math.max(perParam, Math.min(4, DTYPE_SIZE[t.dtype]));
  checkModelFits(config, 'loading this model', dir, { memoryPerParam: perParam });
  const wanted = new Set(parameterSpecs(config).map((s) => s.name));
  const read = await readCheckpointWeights(dir, wanted);
  const tensors = new Map<string, StoredTensor>();
  for (const s of parameterSpecs(config)) {
    const t = read.get(s.name)!;
    tensors.set(s.name, t.dtype === 'F64' ? fromFloat32(t.name, t.shape, toFloat32(t, `${dir}: ${s.name}`)) : t);
  }
  return { config, tensors };
}

/** As loadStoredCheckpoint, every weight as a float32 copy (full fine-tuning keeps fp32 master weights). */
export async function loadCheckpoint(dir: string): Promise<LoadedModel> {
  // The float32 copy it will hold (the stored bytes are dropped as it goes), refused before a byte is read.
  checkModelFits(await readConfigFile(join(dir, 'config.json')), 'loading this model', dir, { memoryPerParam: 4 });
  const { config, tensors } = await loadStoredCheckpoint(dir);
  const weights = new Map<string, Float32Array>();
  for (const s of parameterSpecs(config)) {
    const t = tensors.get(s.name)!;
    weights.set(s.name, toFloat32(t, `${dir}: ${s.name}`));
    tensors.delete(s.name); // drop the stored bytes as we go: peak memory stays near one copy
  }
  return { config, weights };
}

/** Write config.json and model.safetensors; each file lands atomically (temp + rename). */
export async function saveCheckpoint(
  dir: string,
  config: ModelConfig,
  weights: ReadonlyMap<string, Float32Array>,
  metadata: Record<string, string> = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors = parameterSpecs(config).map((s) => {
    const w = weights.get(s.name);
    if (!w) throw new CodError('internal', `no weights for ${s.name}`);
    return fromFloat32(s.name, s.shape, w);
  });
  await writeSafetensorsFile(join(dir, 'model.safetensors'), tensors, { format: 'pt', ...metadata });
  const tmp = join(dir, `.config.json.${process.pid}.tmp`);
  await writeFile(tmp, JSON.stringify(toHfConfig(config), null, 2) + '\n');
  await rename(tmp, join(dir, 'config.json'));
}
