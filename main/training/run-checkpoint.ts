/**
 * A training run's checkpoint, whichever backend trained it: the policy's weights as the backend's checkpoint archive
 * gave them (an HF model directory for a full fine-tune, a PEFT adapter for LoRA) with the model's tokenizer files,
 * so Replay, Compare and `cod eval` open it like any model; and `trainer/state.json`, what resuming needs — the
 * backend that trained the run, the save_weights path of its weights and optimizer state there, and the policy
 * versions (sampler paths) that rollouts still to run will sample. The state file is written last: a directory
 * without it is an incomplete checkpoint and is never used.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { TrainingBackend } from '../backend/backend.ts';
import { CodError } from '../base/errors.ts';
import { writeFileAtomic } from '../models/safetensors.ts';
import { TOKENIZER_FILES } from '../models/model-dir.ts';
import type { SamplingTarget } from './backend-policy.ts';

const STATE_FORMAT = 'cod-trainer-state/2';

const target = z.union([
  z.strictObject({ modelPath: z.string().min(1) }),
  z.strictObject({ baseModel: z.string().min(1) }),
]);

const stateSchema = z.strictObject({
  format: z.literal(STATE_FORMAT),
  step: z.number().int().nonnegative(),
  /** 'local', or the server's URL. */
  backend: z.string().min(1),
  baseModel: z.string().min(1),
  /** save_weights' path: weights and optimizer state on the backend, what load_weights takes. */
  weights: z.string().min(1),
  /** The policy versions rollouts after this step sample, and this step's own. */
  versions: z.array(z.strictObject({ version: z.number().int().nonnegative(), target })),
});

export interface TrainerState {
  readonly step: number;
  readonly backend: string;
  readonly baseModel: string;
  readonly weights: string;
  readonly versions: ReadonlyMap<number, SamplingTarget>;
}

/** The file whose digest the store keeps: the full model's weights, or the adapter's. */
export function weightsFileOf(dir: string): string {
  const adapter = join(dir, 'adapter_model.safetensors');
  return existsSync(join(dir, 'model.safetensors')) || !existsSync(adapter) ? join(dir, 'model.safetensors') : adapter;
}

export async function sha256File(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/**
 * Writes step `state.step`'s checkpoint into `dir`: the sampler weights of that step fetched from the backend, the
 * tokenizer files of `tokenizerDir` where the archive has none, then the state.
 */
export async function saveRunCheckpoint(
  dir: string,
  backend: TrainingBackend,
  tokenizerDir: string,
  state: TrainerState,
): Promise<{ sha256: string }> {
  const own = state.versions.get(state.step);
  if (!own || !('modelPath' in own))
    throw new CodError('internal', `step ${state.step} has no published sampler weights to save`, dir);
  // A checkpoint directory left by a crash before its state file is incomplete: start it over.
  await rm(dir, { recursive: true, force: true });
  await backend.downloadCheckpoint(own.modelPath, dir);
  for (const f of TOKENIZER_FILES)
    if (!existsSync(join(dir, f)) && existsSync(join(tokenizerDir, f)))
      await copyFile(join(tokenizerDir, f), join(dir, f));
  const weights = weightsFileOf(dir);
  if (!existsSync(weights))
    throw new CodError(
      'bad_checkpoint',
      `backend ${backend.name} sent ${own.modelPath} without model.safetensors or adapter_model.safetensors`,
      dir,
    );
  await mkdir(join(dir, 'trainer'), { recursive: true });
  const json: z.infer<typeof stateSchema> = {
    format: STATE_FORMAT,
    step: state.step,
    backend: state.backend,
    baseModel: state.baseModel,
    weights: state.weights,
    versions: [...state.versions].map(([version, t]) => ({ version, target: t })),
  };
  await writeFileAtomic(join(dir, 'trainer', 'state.json'), JSON.stringify(json, null, 2) + '\n');
  return { sha256: await sha256File(weights) };
}

/**
 * A checkpoint's trainer/state.json read with `schema` (both checkpoint kinds keep one); `refuse` may reject what it
 * recognises before the schema does. Unreadable or malformed is one bad_checkpoint error naming the file.
 */
export async function readTrainerState<S extends z.ZodType>(
  dir: string,
  schema: S,
  refuse?: (raw: unknown) => void,
): Promise<z.output<S>> {
  const statePath = join(dir, 'trainer', 'state.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(statePath, 'utf8'));
  } catch (e) {
    throw new CodError(
      'bad_checkpoint',
      `incomplete checkpoint: cannot read trainer state (${(e as Error).message})`,
      statePath,
    );
  }
  refuse?.(raw);
  const st = schema.safeParse(raw);
  if (!st.success)
    throw new CodError('bad_checkpoint', `trainer state is malformed: ${st.error.issues[0].message}`, statePath);
  return st.data;
}

function readState(dir: string): Promise<z.infer<typeof stateSchema>> {
  return readTrainerState(dir, stateSchema, (raw) => {
    if ((raw as { format?: unknown } | null)?.format === 'cod-trainer-state/1')
      throw new CodError(
        'bad_checkpoint',
        'written by the trainer before training backends (cod-trainer-state/1): it cannot be resumed; start a new run from its weights with --model',
        dir,
      );
  });
}

/** Cheap checks before a resume changes anything: the trainer state is readable and the weights match the store. */
export async function verifyRunCheckpoint(dir: string, sha256: string): Promise<void> {
  if (!existsSync(join(dir, 'trainer', 'state.json')))
    throw new CodError('bad_checkpoint', 'incomplete checkpoint: no trainer/state.json', dir);
  await readState(dir);
  const file = weightsFileOf(dir);
  const got = await sha256File(file).catch(() => 'unreadable');
  if (got !== sha256)
    throw new CodError(
      'bad_checkpoint',
      `${file.slice(dir.length + 1)} does not match the store's sha256 (corrupt or replaced)`,
      dir,
    );
}

export async function loadRunCheckpoint(dir: string, expectSha256?: string): Promise<TrainerState> {
  if (expectSha256 !== undefined) await verifyRunCheckpoint(dir, expectSha256);
  const st = await readState(dir);
  return {
    step: st.step,
    backend: st.backend,
    baseModel: st.baseModel,
    weights: st.weights,
    versions: new Map(st.versions.map((v) => [v.version, v.target])),
  };
}
