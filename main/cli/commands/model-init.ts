import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CodError } from '../../base/errors.ts';
import { saveCheckpoint } from '../../models/checkpoint.ts';
import { readConfigFile } from '../../models/config.ts';
import { checkModelFits } from '../../models/model-budget.ts';
import { initWeights } from '../../models/init.ts';
import { presetConfig } from '../../models/presets.ts';
import { TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from '../../models/tokenizer/tokenizer.ts';
import { parameterSpecs } from '../../models/transformer.ts';
import { intFlag, parseFlags, requireFlag } from '../args.ts';
import { BUILTIN_MODEL_DIR } from '../../training/locations.ts';
import type { CliCommand } from '../command.ts';

export const modelInit: CliCommand = {
  path: ['model', 'init'],
  summary: 'Randomly initialise a model (a preset or an HF config.json) as an HF checkpoint directory',
  usage:
    '(--preset tiny|small|medium | --config FILE) [--seed N] [--no-tokenizer] --out DIR\n\n' +
    '  Writes config.json, model.safetensors and the built-in tokenizer (512 ids, ChatML template) unless\n' +
    '  --no-tokenizer or the model has fewer than 512 ids.',
  async run(argv) {
    const { values } = parseFlags(argv, {
      preset: { type: 'string' },
      config: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      'no-tokenizer': { type: 'boolean' },
    });
    const out = requireFlag(values.out, 'out');
    if (!!values.preset === !!values.config)
      throw new CodError('bad_input', 'give exactly one of --preset or --config');
    let config;
    if (values.preset) config = presetConfig(values.preset);
    else config = await readConfigFile(values.config!);
    const seed = intFlag(values.seed, 'seed', 0);
    // initWeights holds every float32 weight and saveCheckpoint a stored copy of each beside it; the file is f32.
    checkModelFits(config, 'initialising this model', values.config ?? `preset ${values.preset}`, {
      memoryPerParam: 8,
      disk: { dir: out, perParam: 4 },
    });
    await saveCheckpoint(out, config, initWeights(config, seed), { seed: String(seed) });
    const withTokenizer = !values['no-tokenizer'] && config.vocabSize >= 512;
    if (withTokenizer)
      for (const f of [TOKENIZER_FILE, TOKENIZER_CONFIG_FILE]) {
        try {
          await copyFile(join(BUILTIN_MODEL_DIR, f), join(out, f));
        } catch (e) {
          throw new CodError('io', `cannot copy the built-in tokenizer (${(e as Error).message})`, join(out, f));
        }
      }
    const n = parameterSpecs(config).reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
    console.log(
      `initialised ${config.architecture} model, ${n.toLocaleString('en-US')} parameters, seed ${seed}` +
        `${withTokenizer ? ', built-in tokenizer' : ''} -> ${out}`,
    );
    return 0;
  },
};
