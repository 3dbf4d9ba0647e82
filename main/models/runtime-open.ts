/**
 * Opening a ModelRuntime from a model directory, the one entry point for the CLI, the trainer and workers (a worker
 * opens the base itself, from disk, instead of receiving weights by message):
 *   - no adapter: full fine-tuning, every weight as float32;
 *   - `adapter` (a PEFT adapter directory): LoRA on the base as stored (a large base as a mapped float32 file every
 *     session shares: mapped-base.ts);
 *   - `newAdapter`: LoRA with a fresh adapter (settings, seed, zero-b or random B).
 */
import { initAdapter, loadAdapter, type LoraAdapter, type LoraSettings } from './adapter.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { openLoraBase } from './mapped-base.ts';
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
  const { config, base } = await openLoraBase(spec.modelDir, {
    onFallback: (why) => process.stderr.write(`cod: warning: ${why}\n`),
  });
  const adapter: LoraAdapter = spec.adapter
    ? await loadAdapter(spec.adapter, config)
    : {
        ...initAdapter(config, spec.newAdapter!.settings, spec.newAdapter!.seed, spec.newAdapter!.init),
        baseModel: spec.modelDir,
      };
  return ModelRuntime.lora(config, base, adapter, opts);
}
