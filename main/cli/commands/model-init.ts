import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CodError } from '../../base/errors.ts';
import { saveCheckpoint } from '../../models/checkpoint.ts';
import { readConfigFile } from '../../models/config.ts';
import { checkModelFits, parameterCount } from '../../models/model-budget.ts';
import { initWeights } from '../../models/init.ts';
import { storedFloat, writeRandomCheckpoint } from '../../models/random-checkpoint.ts';
import { presetConfig } from '../../models/presets.ts';
import { DTYPE_SIZE } from '../../models/safetensors.ts';
import { TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from '../../models/tokenizer/tokenizer.ts';
import { flagTable, intFlag, parseFlags, requireFlag } from '../args.ts';
import { BUILTIN_MODEL_DIR } from '../../training/locations.ts';
import type { CliCommand } from '../command.ts';

export const modelInit: CliCommand = {
  path: ['model', 'init'],
  summary: 'Randomly initialise a model (a preset or an HF config.json) as an HF checkpoint directory',
  usage:
    '(--preset tiny|small|medium | --config FILE) [--seed N] [--dtype f32|f16|bf16] [--shard-mb N] [--no-tokenizer] --out DIR\n\n' +
    '  With --dtype, --shard-mb, or over 100M parameters, weights are drawn by a fast seeded generator and streamed\n' +
    "  to disk in their stored dtype (default: the config's torch_dtype, else f32), sharded HF-style with --shard-mb.\n" +
    '  Writes config.json, model.safetensors and the built-in tokenizer (512 ids, ChatML template) unless\n' +
    '  --no-tokenizer or the model has fewer than 512 ids.',
  async run(argv) {
    const { values } = parseFlags(
      argv,
      flagTable(['preset', 'config', 'seed', 'out', 'dtype', 'shard-mb'], ['no-tokenizer']),
    );
    const out = requireFlag(values.out, 'out');
    if (!!values.preset === !!values.config)
      throw new CodError('bad_input', 'give exactly one of --preset or --config');
    let config;
    if (values.preset) config = presetConfig(values.preset);
    else config = await readConfigFile(values.config!);
    const seed = intFlag(values.seed, 'seed', 0);
    const nParams = parameterCount(config);
    const shardMb = intFlag(values['shard-mb'], 'shard-mb', 0);
    if (shardMb < 0) throw new CodError('bad_input', `--shard-mb must be positive, got ${shardMb}`);
    if (values.dtype !== undefined || shardMb > 0 || nParams > 100e6) {
      const dtype = storedFloat(
        values.dtype ?? config.torchDtype ?? 'float32',
        values.dtype ? '--dtype' : 'torch_dtype',
      );
      // Written tensor by tensor in bounded chunks: only the disk must hold the whole model.
      checkModelFits(config, 'initialising this model', values.config ?? `preset ${values.preset}`, {
        disk: { dir: out, perParam: DTYPE_SIZE[dtype] },
      });
      const tty = process.stderr.isTTY;
      let last = 0;
      await writeRandomCheckpoint(out, config, {
        seed,
        dtype,
        ...(shardMb > 0 ? { maxShardBytes: shardMb * 1024 * 1024 } : {}),
        metadata: { seed: String(seed) },
        onProgress: (done, total) => {
          if (!tty || Date.now() - last < 500) return;
          last = Date.now();
          process.stderr.write(`\rwriting weights ${((100 * done) / total).toFixed(0)}%`);
        },
      });
      if (tty) process.stderr.write('\r\x1b[K');
    } else {
      // initWeights holds every float32 weight and saveCheckpoint a stored copy of each beside it; the file is f32.
      checkModelFits(config, 'initialising this model', values.config ?? `preset ${values.preset}`, {
        memoryPerParam: 8,
        disk: { dir: out, perParam: 4 },
      });
      await saveCheckpoint(out, config, initWeights(config, seed), { seed: String(seed) });
    }
    const withTokenizer = !values['no-tokenizer'] && config.vocabSize >= 512;
    if (withTokenizer)
      for (const f of [TOKENIZER_FILE, TOKENIZER_CONFIG_FILE]) {
        try {
          await copyFile(join(BUILTIN_MODEL_DIR, f), join(out, f));
        } catch (e) {
          throw new CodError('io', `cannot copy the built-in tokenizer (${(e as Error).message})`, join(out, f));
        }
      }
    const n = parameterCount(config);
    console.log(
      `initialised ${config.architecture} model, ${n.toLocaleString('en-US')} parameters, seed ${seed}` +
        `${withTokenizer ? ', built-in tokenizer' : ''} -> ${out}`,
    );
    return 0;
  },
};
