import { CodError } from '../../base/errors.ts';
import { openModelRuntime } from '../../models/runtime-open.ts';
import { readBatchFile } from '../../models/batch-file.ts';
import { crossEntropyObjective } from '../../models/objectives.ts';
import { packBatch } from '../../models/packing.ts';
import type { ModelRuntime, RuntimeOptions } from '../../models/runtime.ts';
import { fromFloat32, writeSafetensorsFile } from '../../models/safetensors.ts';
import { choiceFlag, flagTable, intFlag, parseFlags, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';

/** The engine's memory/compute options, shared by the commands that build training or scoring graphs. */
export const ENGINE_FLAGS = flagTable(['attention', 'block', 'loss-chunk', 'mlp-chunk'], ['recompute-layers']);

export const ENGINE_FLAGS_USAGE =
  '[--attention blocked|dense] [--block N] [--loss-chunk N] [--mlp-chunk N] [--recompute-layers]';

export function engineOptions(values: {
  attention?: string;
  block?: string;
  'loss-chunk'?: string;
  'mlp-chunk'?: string;
  'recompute-layers'?: boolean;
}): Pick<RuntimeOptions, 'attention' | 'blockSize' | 'lossChunk' | 'mlpChunk' | 'recomputeLayers'> {
  const attention = choiceFlag(values.attention, 'attention', ['blocked', 'dense']);
  const blockSize = intFlag(values.block, 'block', 256);
  if (blockSize <= 0) throw new CodError('bad_input', `--block must be positive, got ${blockSize}`);
  const lossChunk = values['loss-chunk'] === undefined ? undefined : intFlag(values['loss-chunk'], 'loss-chunk', 0);
  if (lossChunk !== undefined && lossChunk < 0)
    throw new CodError('bad_input', `--loss-chunk must be >= 0, got ${lossChunk}`);
  const mlpChunk = values['mlp-chunk'] === undefined ? undefined : intFlag(values['mlp-chunk'], 'mlp-chunk', 0);
  if (mlpChunk !== undefined && mlpChunk < 0)
    throw new CodError('bad_input', `--mlp-chunk must be >= 0, got ${mlpChunk}`);
  return {
    attention,
    blockSize,
    ...(lossChunk !== undefined ? { lossChunk } : {}),
    ...(mlpChunk !== undefined ? { mlpChunk } : {}),
    recomputeLayers: values['recompute-layers'] ?? false,
  };
}

/** A runtime over `model`: full fine-tuning, or LoRA on the stored base weights when `adapter` is given. */
export function openRuntime(
  modelDir: string,
  adapterDir: string | undefined,
  opts: RuntimeOptions,
): Promise<ModelRuntime> {
  return openModelRuntime({ modelDir, ...(adapterDir ? { adapter: adapterDir } : {}) }, opts);
}

export const engineGrads: CliCommand = {
  path: ['engine', 'grads'],
  summary:
    'Mean masked next-token cross-entropy and its gradient for every parameter (or adapter tensor), as safetensors',
  usage: `--model DIR [--adapter ADAPTER] --batch BATCH.json --out FILE.safetensors [--threads N] ${ENGINE_FLAGS_USAGE}`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      ...flagTable(['model', 'adapter', 'batch', 'out', 'threads']),
      ...ENGINE_FLAGS,
    });
    const engine = engineOptions(values);
    const rt = await openRuntime(requireFlag(values.model, 'model'), values.adapter, {
      threads: intFlag(values.threads, 'threads', 0) || undefined,
      ...engine,
    });
    try {
      const batch = await readBatchFile(requireFlag(values.batch, 'batch'), rt.config.vocabSize);
      const out = requireFlag(values.out, 'out');
      const count = batch.lossMask.reduce((a, m) => a + m.slice(1).reduce((x, y) => x + y, 0), 0);
      if (count === 0)
        throw new CodError('bad_input', 'no token is counted (every loss_mask is 0 after position 0)', values.batch);
      const packed = packBatch(batch);
      const weights = packed.predMask.map((m) => m / count);
      const r = await rt.grads(packed, crossEntropyObjective, {
        weights: { dtype: 'float32', shape: [packed.rows, packed.width], data: weights },
      });
      const tensors = [fromFloat32('loss', [], Float32Array.of(r.loss))];
      for (const s of rt.specs) tensors.push(fromFloat32(s.name, s.shape, r.grads.get(s.name)!));
      await writeSafetensorsFile(out, tensors, {
        packed_rows: String(packed.rows),
        packed_width: String(packed.width),
      });
      console.log(
        `loss ${r.loss.toFixed(6)}  grad-norm ${r.gradNorm.toFixed(6)}  ${batch.sequences.length} sequences packed into ${packed.rows}x${packed.width}  -> ${out}`,
      );
    } finally {
      await rt.dispose();
    }
    return 0;
  },
};
