/** `cod lora init` and `cod lora merge`: PEFT-format LoRA adapters for a model directory. */
import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CodError } from '../../base/errors.ts';
import {
  checkLoraSettings,
  initAdapter,
  loadAdapter,
  loraAName,
  loraBName,
  loraModules,
  mergeInto,
  parseTargets,
  saveAdapter,
} from '../../models/adapter.ts';
import { loadCheckpoint, saveCheckpoint } from '../../models/checkpoint.ts';
import { readConfigFile } from '../../models/config.ts';
import { choiceFlag, flagTable, intFlag, numberFlag, parseFlags, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';

export const loraInit: CliCommand = {
  path: ['lora', 'init'],
  summary: 'Create a LoRA adapter (PEFT format: adapter_config.json + adapter_model.safetensors) for a model',
  usage:
    '--model DIR --rank R --alpha A --targets LIST --seed N [--init zero-b|random] --out ADAPTER\n\n' +
    '  LIST: comma-separated HF module names (q_proj k_proj v_proj o_proj gate_proj up_proj down_proj lm_head)\n' +
    '  or all-linear. zero-b (default): B = 0, the adapted model equals the base; random: B drawn too (tests).',
  async run(argv) {
    const { values } = parseFlags(argv, flagTable(['model', 'rank', 'alpha', 'targets', 'seed', 'init', 'out']));
    const model = requireFlag(values.model, 'model');
    const config = await readConfigFile(join(model, 'config.json'));
    const settings = {
      rank: intFlag(requireFlag(values.rank, 'rank'), 'rank', 0),
      alpha: numberFlag(requireFlag(values.alpha, 'alpha'), 'alpha', 0),
      targets: parseTargets(requireFlag(values.targets, 'targets'), '--targets'),
    };
    checkLoraSettings(settings, 'lora init');
    const init = choiceFlag(values.init, 'init', ['zero-b', 'random']);
    const adapter = { ...initAdapter(config, settings, intFlag(values.seed, 'seed', 0), init), baseModel: model };
    const out = requireFlag(values.out, 'out');
    await saveAdapter(out, adapter, config);
    const n = [...adapter.weights.values()].reduce((a, w) => a + w.length, 0);
    console.log(
      `LoRA adapter: rank ${settings.rank}, alpha ${settings.alpha}, ${loraModules(config, settings).length} modules ` +
        `(${settings.targets.join(', ')}), ${n.toLocaleString('en-US')} parameters -> ${out}`,
    );
    return 0;
  },
};

export const loraMerge: CliCommand = {
  path: ['lora', 'merge'],
  summary: 'Merge a LoRA adapter into its base model: a full HF checkpoint (W + alpha/r · B·A, float32)',
  usage: '--model DIR --adapter ADAPTER --out DIR',
  async run(argv) {
    const { values } = parseFlags(argv, flagTable(['model', 'adapter', 'out']));
    const dir = requireFlag(values.model, 'model');
    const out = requireFlag(values.out, 'out');
    const model = await loadCheckpoint(dir);
    const adapter = await loadAdapter(requireFlag(values.adapter, 'adapter'), model.config);
    for (const m of loraModules(model.config, adapter.settings)) {
      const weight =
        m.path === 'lm_head' && model.config.tieWordEmbeddings ? 'model.embed_tokens.weight' : `${m.path}.weight`;
      if (m.path === 'lm_head' && model.config.tieWordEmbeddings)
        throw new CodError(
          'unsupported',
          'merging an lm_head adapter into a model with tied embeddings would change the input embedding too',
          values.adapter,
        );
      mergeInto(
        model.weights.get(weight)!,
        adapter.weights.get(loraAName(m.path))!,
        adapter.weights.get(loraBName(m.path))!,
        m,
        adapter.settings,
      );
    }
    await saveCheckpoint(out, { ...model.config, torchDtype: 'float32' }, model.weights, { merged_adapter: 'lora' });
    // The tokenizer and chat template travel with the merged model.
    for (const f of await readdir(dir))
      if (f.startsWith('tokenizer') || f === 'special_tokens_map.json' || f === 'generation_config.json')
        await copyFile(join(dir, f), join(out, f));
    console.log(`merged ${loraModules(model.config, adapter.settings).length} LoRA modules into ${dir} -> ${out}`);
    return 0;
  },
};
