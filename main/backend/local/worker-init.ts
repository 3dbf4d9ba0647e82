/**
 * The LoRA parts of what the local backend hands its workers at start, and of the records it writes beside saved
 * weights: one schema per shape, used by the backend (main/backend/local) and the workers (main/workers).
 */
import { z } from 'zod';
import { LORA_TARGETS } from '../../models/adapter.ts';

/** The engine's LoRA settings (models/adapter.ts LoraSettings) as they cross a thread or a file. */
export const loraSettingsSchema = z.strictObject({
  rank: z.number().int().positive(),
  alpha: z.number().positive(),
  targets: z.array(z.enum(LORA_TARGETS)).min(1),
});

/** Trainer worker, LoRA: it reads the frozen base itself, as stored, once; only the adapter and its state cross. */
export const trainerLoraInit = z.strictObject({
  modelDir: z.string().min(1),
  settings: loraSettingsSchema,
  seed: z.number().int().nonnegative(),
  init: z.enum(['zero-b', 'random']),
  /** Start from this PEFT adapter directory (checked against the base) instead of a fresh adapter. */
  adapter: z.string().min(1).optional(),
});
export type TrainerLoraInit = z.infer<typeof trainerLoraInit>;

/**
 * Sampler worker, LoRA: the base stays as stored inside the decode graphs and the weight versions are adapters of
 * these settings; the first is the one in `adapter` (a PEFT directory), else a fresh zero-B adapter (the base).
 */
export const samplerLoraInit = z.strictObject({
  settings: loraSettingsSchema,
  adapter: z.string().min(1).optional(),
});
