import { CodError } from '../../base/errors.ts';
import { importModel, modelsDir, REGISTRY_FILE } from '../../models/import.ts';
import { flagTable, parseFlags } from '../args.ts';
import type { CliCommand } from '../command.ts';

export const modelImport: CliCommand = {
  path: ['model', 'import'],
  summary: 'Validate a Hugging Face Llama/Qwen2/Qwen3 checkpoint directory and register it as a workbench model',
  usage:
    'DIR [--name NAME] [--copy] [--force] [--json]\n\n' +
    '  --name NAME  registry name (default: the directory name)\n' +
    '  --copy       copy the checkpoint into $COD_HOME/models/NAME instead of referencing DIR in place\n' +
    '  --force      replace a registered model of the same name\n' +
    '  --json       print the registry entry as JSON\n\n' +
    'The registry is $COD_HOME/models/models.json (COD_HOME defaults to ~/.cod).',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, flagTable(['name'], ['copy', 'force', 'json']), true);
    if (positionals.length !== 1) {
      throw new CodError('bad_input', `expected one checkpoint directory, got ${positionals.length}`);
    }
    const entry = await importModel(positionals[0], { name: values.name, copy: values.copy, force: values.force });
    if (values.json) {
      console.log(JSON.stringify(entry, null, 2));
      return 0;
    }
    const c = entry.config;
    console.log(
      `imported '${entry.name}': ${c.architecture}, ${entry.parameterCount.toLocaleString('en-US')} parameters ` +
        `(${entry.dtypes.join(', ')}), ${c.numLayers} layers, hidden ${c.hiddenSize}, vocab ${c.vocabSize}` +
        `${entry.hasChatTemplate ? '' : ', no chat template'}\n` +
        `  ${entry.mode === 'copy' ? 'copied to' : 'referenced at'} ${entry.path}\n` +
        `  registry: ${modelsDir()}/${REGISTRY_FILE}`,
    );
    return 0;
  },
};
