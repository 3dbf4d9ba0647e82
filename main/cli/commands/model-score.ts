import { CodError } from '../../base/errors.ts';
import { readBatchFile } from '../../models/batch-file.ts';
import { packBatch, unpackPerToken } from '../../models/packing.ts';
import { ENGINE_FLAGS, ENGINE_FLAGS_USAGE, engineOptions, openRuntime } from './engine-grads.ts';
import { flagTable, intFlag, parseFlags, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';
import { requireDir } from './generate.ts';

export const modelScore: CliCommand = {
  path: ['model', 'score'],
  summary: 'Log-prob of every token given the tokens before it (null at position 0), for a batch of sequences',
  usage: `--model DIR [--adapter ADAPTER] --batch BATCH.json [--threads N] [--json] ${ENGINE_FLAGS_USAGE}`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      ...flagTable(['model', 'adapter', 'batch', 'threads'], ['json']),
      ...ENGINE_FLAGS,
    });
    const dir = requireFlag(values.model, 'model');
    await requireDir(dir);
    const rt = await openRuntime(dir, values.adapter, {
      threads: intFlag(values.threads, 'threads', 0) || undefined,
      ...engineOptions(values),
    });
    const model = { config: rt.config };
    const batchPath = requireFlag(values.batch, 'batch');
    const batch = await readBatchFile(batchPath, model.config.vocabSize);
    // Positions past max_position_embeddings are outside what the model was built for: refuse, naming the row.
    const context = model.config.maxPositionEmbeddings;
    batch.sequences.forEach((s, i) => {
      if (s.length > context)
        throw new CodError(
          'bad_input',
          `sequence of ${s.length} tokens exceeds the model's context of ${context} tokens`,
          `${batchPath}: sequences[${i}]`,
        );
    });
    const packed = packBatch(batch);
    try {
      const { logp } = await rt.score(packed);
      const logprobs = unpackPerToken(packed, logp);
      if (values.json) console.log(JSON.stringify({ logprobs }));
      else
        logprobs.forEach((lp, i) => {
          const sum = lp.reduce<number>((a, x) => a + (x ?? 0), 0);
          console.log(`sequence ${i}: ${lp.length} tokens, sum log-prob ${sum.toFixed(4)}`);
        });
    } finally {
      await rt.dispose();
    }
    return 0;
  },
};
