/** Hugging Face–compatible checkpoint directories: config.json + model.safetensors (+ tokenizer files). */
import { mkdir, writeFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { CodError } from '../base/errors.ts';
import { readCheckpointWeights, checkTensorsAgainstConfig } from './checkpoint-files.ts';
import { readConfigFile, toHfConfig, type ModelConfig } from './config.ts';
import { checkModelFits } from './model-budget.ts';
import { fromFloat32, toFloat32, writeSafetensorsFile } from './safetensors.ts';
import { parameterSpecs } from './transformer.ts';

export interface LoadedModel {
  readonly config: ModelConfig;
  readonly weights: Map<string, Float32Array>;
}

export async function loadCheckpoint(dir: string): Promise<LoadedModel> {
  const config = await readConfigFile(join(dir, 'config.json'));
  // The float32 weights it will hold, refused before a byte of them is read.
  checkModelFits(config, 'loading this model', dir, { memoryPerParam: 4 });
  const tensors = await readCheckpointWeights(dir);
  checkTensorsAgainstConfig(tensors, config, dir);
  const weights = new Map<string, Float32Array>();
  for (const s of parameterSpecs(config)) {
    const t = tensors.get(s.name)!;
    weights.set(s.name, toFloat32(t, `${dir}: ${s.name}`));
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
