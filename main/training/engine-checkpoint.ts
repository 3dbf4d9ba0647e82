/**
 * An engine-side training checkpoint (`cod pretrain`'s resumable state): an HF-compatible model directory
 * (config.json, model.safetensors, the base model's tokenizer files) plus `trainer/` with Adam moments and step (and
 * policy versions, kept in the format though pretraining has none). The state file is written last: a directory
 * without it is incomplete and is never used. (A CoD run's checkpoints live on the training backend's side:
 * run-checkpoint.ts.)
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CodError } from '../base/errors.ts';
import { loadCheckpoint, saveCheckpoint } from '../models/checkpoint.ts';
import type { ModelConfig } from '../models/config.ts';
import {
  fromFloat32,
  readSafetensorsFile,
  toFloat32,
  writeFileAtomic,
  writeSafetensorsFile,
} from '../models/safetensors.ts';
import { TOKENIZER_FILES } from '../models/model-dir.ts';
import { readTrainerState, sha256File } from './run-checkpoint.ts';
import { parameterSpecs } from '../models/transformer.ts';

export interface OptimizerSnapshot {
  readonly step: number;
  readonly m: ReadonlyMap<string, Float32Array>;
  readonly v: ReadonlyMap<string, Float32Array>;
}

export interface EngineCheckpoint {
  readonly step: number;
  readonly config: ModelConfig;
  readonly weights: Map<string, Float32Array>;
  readonly optimizer: OptimizerSnapshot;
  /** Policy versions (by number) kept for rollouts that run ahead. */
  readonly versions: Map<number, Map<string, Float32Array>>;
}

const stateSchema = z.strictObject({
  format: z.literal('cod-trainer-state/1'),
  step: z.number().int().nonnegative(),
  optimizerStep: z.number().int().nonnegative(),
  versions: z.array(z.number().int().nonnegative()),
});

function tensorsOf(config: ModelConfig, prefix: string, params: ReadonlyMap<string, Float32Array>) {
  return parameterSpecs(config).map((s) => {
    const a = params.get(s.name);
    if (!a) throw new CodError('internal', `no tensor ${s.name}`, prefix);
    return fromFloat32(`${prefix}${s.name}`, s.shape, a);
  });
}

export async function saveEngineCheckpoint(
  dir: string,
  baseModelDir: string,
  c: Omit<EngineCheckpoint, 'weights'> & { weights: ReadonlyMap<string, Float32Array> },
): Promise<{ sha256: string }> {
  // A checkpoint directory left by a crash before its state file is incomplete: start it over.
  await rm(dir, { recursive: true, force: true });
  await saveCheckpoint(dir, c.config, c.weights, { producer: 'cod train', step: String(c.step) });
  for (const f of TOKENIZER_FILES)
    if (existsSync(join(baseModelDir, f))) await copyFile(join(baseModelDir, f), join(dir, f));
  const tdir = join(dir, 'trainer');
  await mkdir(tdir, { recursive: true });
  await writeSafetensorsFile(join(tdir, 'optimizer.safetensors'), [
    ...tensorsOf(c.config, 'm.', c.optimizer.m),
    ...tensorsOf(c.config, 'v.', c.optimizer.v),
  ]);
  const versions = [...c.versions.keys()].sort((a, b) => a - b);
  if (versions.length > 0)
    await writeSafetensorsFile(
      join(tdir, 'policy-versions.safetensors'),
      versions.flatMap((n) => tensorsOf(c.config, `v${n}.`, c.versions.get(n)!)),
    );
  const state: z.infer<typeof stateSchema> = {
    format: 'cod-trainer-state/1',
    step: c.step,
    optimizerStep: c.optimizer.step,
    versions,
  };
  await writeFileAtomic(join(tdir, 'state.json'), JSON.stringify(state, null, 2) + '\n');
  return { sha256: await sha256File(join(dir, 'model.safetensors')) };
}

function byPrefix(
  config: ModelConfig,
  all: Awaited<ReturnType<typeof readSafetensorsFile>>['tensors'],
  prefix: string,
  where: string,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const named = new Map(all.map((t) => [t.name, t]));
  for (const s of parameterSpecs(config)) {
    const t = named.get(`${prefix}${s.name}`);
    if (!t) throw new CodError('bad_checkpoint', `missing tensor ${prefix}${s.name}`, where);
    const a = toFloat32(t, where);
    if (a.length !== s.shape.reduce((x, y) => x * y, 1))
      throw new CodError('bad_checkpoint', `tensor ${prefix}${s.name} has the wrong size`, where);
    out.set(s.name, a);
  }
  return out;
}

/** Cheap checks before a resume changes anything: the trainer state is there and the weights match the digest. */
export async function verifyEngineCheckpoint(dir: string, sha256: string): Promise<void> {
  const statePath = join(dir, 'trainer', 'state.json');
  if (!existsSync(statePath)) throw new CodError('bad_checkpoint', 'incomplete checkpoint: no trainer/state.json', dir);
  const got = await sha256File(join(dir, 'model.safetensors')).catch(() => 'unreadable');
  if (got !== sha256)
    throw new CodError(
      'bad_checkpoint',
      "model.safetensors does not match the store's sha256 (corrupt or replaced)",
      dir,
    );
}

export async function loadEngineCheckpoint(dir: string, expectSha256?: string): Promise<EngineCheckpoint> {
  const state = await readTrainerState(dir, stateSchema);
  if (expectSha256 !== undefined) await verifyEngineCheckpoint(dir, expectSha256);
  const { config, weights } = await loadCheckpoint(dir);
  const optPath = join(dir, 'trainer', 'optimizer.safetensors');
  const opt = await readSafetensorsFile(optPath).catch((e: Error) => {
    throw e instanceof CodError ? e : new CodError('bad_checkpoint', e.message, optPath);
  });
  const m = byPrefix(config, opt.tensors, 'm.', optPath);
  const v = byPrefix(config, opt.tensors, 'v.', optPath);
  const versions = new Map<number, Map<string, Float32Array>>();
  if (state.versions.length > 0) {
    const vPath = join(dir, 'trainer', 'policy-versions.safetensors');
    const vs = await readSafetensorsFile(vPath).catch((e: Error) => {
      throw e instanceof CodError ? e : new CodError('bad_checkpoint', e.message, vPath);
    });
    for (const n of state.versions) versions.set(n, byPrefix(config, vs.tensors, `v${n}.`, vPath));
  }
  return { step: state.step, config, weights, optimizer: { step: state.optimizerStep, m, v }, versions };
}
