/**
 * Opening a ModelRuntime from a model directory, the one entry point for the CLI, the trainer and workers (a worker
 * opens the base itself, from disk, instead of receiving weights by message):
 *   - no adapter: full fine-tuning, every weight as float32;
 *   - `adapter` (a PEFT adapter directory): LoRA on the base as stored;
 *   - `newAdapter`: LoRA with a fresh adapter (settings, seed, zero-b or random B).
 */
import { initAdapter, loadAdapter, type LoraAdapter, type LoraSettings } from './adapter.ts';
import { loadCheckpoint, loadStoredCheckpoint } from './checkpoint.ts';
import { ModelRuntime, type RuntimeOptions } from './runtime.ts';

export interface OpenRuntimeSpec {
  readonly modelDir: string;
  readonly adapter?: string;
  readonly newAdapter?: { settings: LoraSettings; seed: number; init?: 'zero-b' | 'random' };
}

export async function openModelRuntime(spec: OpenRuntimeSpec, opts: RuntimeOptions = {}): Promise<ModelRuntime> {
  if (!spec.adapter && !spec.newAdapter) {
    const m = await loadCheckpoint(spec.modelDir);
    return new ModelRuntime(m.config, m.weights, opts);
  }
  const base = await loadStoredCheckpoint(spec.modelDir);
  const adapter: LoraAdapter = spec.adapter
    ? await loadAdapter(spec.adapter, base.config)
    : {
        ...initAdapter(base.config, spec.newAdapter!.settings, spec.newAdapter!.seed, spec.newAdapter!.init),
        baseModel: spec.modelDir,
      };
  return ModelRuntime.lora(base.config, base.tensors, adapter, opts);
}
