import { CodError } from '../../base/errors.ts';
import { loadCheckpoint } from '../../models/checkpoint.ts';
import { readBatchFile } from '../../models/batch-file.ts';
import { crossEntropyObjective } from '../../models/objectives.ts';
import { packBatch } from '../../models/packing.ts';
import { ModelRuntime } from '../../models/runtime.ts';
import { fromFloat32, writeSafetensorsFile } from '../../models/safetensors.ts';
import { intFlag, parseFlags, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';

export const engineGrads: CliCommand = {
  path: ['engine', 'grads'],
  summary: 'Mean masked next-token cross-entropy and its gradient for every parameter, as safetensors',
  usage: '--model DIR --batch BATCH.json --out FILE.safetensors [--threads N]',
  async run(argv) {
    const { values } = parseFlags(argv, {
      model: { type: 'string' },
      batch: { type: 'string' },
      out: { type: 'string' },
      threads: { type: 'string' },
    });
    const model = await loadCheckpoint(requireFlag(values.model, 'model'));
    const batch = await readBatchFile(requireFlag(values.batch, 'batch'), model.config.vocabSize);
    const out = requireFlag(values.out, 'out');
    const count = batch.lossMask.reduce((a, m) => a + m.slice(1).reduce((x, y) => x + y, 0), 0);
    if (count === 0)
      throw new CodError('bad_input', 'no token is counted (every loss_mask is 0 after position 0)', values.batch);
    const packed = packBatch(batch);
    const weights = packed.predMask.map((m) => m / count);
    const rt = new ModelRuntime(model.config, model.weights, {
      threads: intFlag(values.threads, 'threads', 0) || undefined,
    });
    try {
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
