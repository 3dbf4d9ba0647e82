/**
 * Where the local backend keeps saved weights: `ROOT/<model_id>/weights/<name>/` (save_weights: an HF checkpoint
 * directory plus `optimizer.safetensors` and `backend-state.json`, the state file written last so a directory
 * without it is incomplete and refused) and `ROOT/<model_id>/sampler_weights/<name>/` (save_weights_for_sampler: an
 * HF checkpoint directory with the base model's tokenizer files, so it opens as a model anywhere). Saving over a name
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
import type { TinkerPath } from '../tinker-path.ts';

export type Weights = Map<string, Float32Array>;

export interface OptimizerState {
  readonly step: number;
  readonly m: Weights;
  readonly v: Weights;
}

export interface TrainingState {
  readonly config: ModelConfig;
  readonly weights: Weights;
  readonly optimizer: OptimizerState;
}

const STATE_FILE = 'backend-state.json';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const stateSchema = z.strictObject({
  format: z.literal('cod-backend-weights/1'),
  baseModel: z.string(),
  optimizerStep: z.number().int().nonnegative(),
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

export async function loadSamplerWeights(dir: string): Promise<Weights> {
  if (!existsSync(dir)) throw new CodError('not_found', 'no such sampler weights', dir);
  return (await loadCheckpoint(dir)).weights;
}

function tensorsOf(config: ModelConfig, prefix: string, params: Weights) {
  return parameterSpecs(config).map((s) => fromFloat32(`${prefix}${s.name}`, s.shape, params.get(s.name)!));
}

export async function saveTrainingState(
  dir: string,
  baseModel: string,
  baseDir: string,
  s: TrainingState,
): Promise<void> {
  await writeBeside(dir, async (tmp) => {
    await saveCheckpoint(tmp, s.config, s.weights, { producer: 'cod backend' });
    await copyTokenizer(baseDir, tmp);
    await writeSafetensorsFile(join(tmp, OPTIMIZER_FILE), [
      ...tensorsOf(s.config, 'm.', s.optimizer.m),
      ...tensorsOf(s.config, 'v.', s.optimizer.v),
    ]);
    const state: z.infer<typeof stateSchema> = {
      format: 'cod-backend-weights/1',
      baseModel,
      optimizerStep: s.optimizer.step,
    };
    await writeFileAtomic(join(tmp, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
  });
}

export async function loadTrainingState(dir: string): Promise<TrainingState & { baseModel: string }> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(join(dir, STATE_FILE), 'utf8'));
  } catch {
    throw new CodError('not_found', `no complete saved weights here (${STATE_FILE} missing or unreadable)`, dir);
  }
  const st = stateSchema.safeParse(raw);
  if (!st.success) throw new CodError('bad_checkpoint', `malformed ${STATE_FILE}: ${st.error.issues[0].message}`, dir);
  const { config, weights } = await loadCheckpoint(dir);
  const opt = await readSafetensorsFile(join(dir, OPTIMIZER_FILE));
  const named = new Map(opt.tensors.map((t) => [t.name, t]));
  const part = (prefix: string): Weights => {
    const out: Weights = new Map();
    for (const s of parameterSpecs(config)) {
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
  };
}
