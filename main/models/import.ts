/**
 * Bringing a Hugging Face checkpoint into the workbench: validate a Llama / Qwen2 / Qwen3 directory completely
 * (config, every weight by name and shape, tokenizer, chat template) before anything is registered, then record it
 * in the models registry: `$COD_HOME/models/models.json` (COD_HOME defaults to ~/.cod), written atomically.
 * A model is registered by reference (its directory stays where it is) or copied into `$COD_HOME/models/<name>`.
 */
import { copyFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { CodError } from '../base/errors.ts';
import { ChatRenderer } from './chat-template/render.ts';
import { findChatTemplate } from './chat-template/source.ts';
import {
  checkTensorsAgainstConfig,
  expectedTensorShapes,
  locateWeightFiles,
  readCheckpointTensorInfo,
  WEIGHTS_INDEX_FILE,
} from './checkpoint-files.ts';
import { readConfigFile, type Architecture, type ModelConfig } from './config.ts';
import { writeFileAtomic } from './safetensors.ts';
import { loadTokenizer, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from './tokenizer/tokenizer.ts';

export const CONFIG_FILE = 'config.json';
export const REGISTRY_FILE = 'models.json';

/** Files besides the weights that make up a checkpoint; copied when present. */
const COMPANION_FILES = [
  CONFIG_FILE,
  'generation_config.json',
  TOKENIZER_FILE,
  TOKENIZER_CONFIG_FILE,
  'special_tokens_map.json',
  'chat_template.jinja',
  'chat_template.json',
];

export interface CheckpointSummary {
  dir: string;
  config: ModelConfig;
  /** Parameters the architecture uses (ignored extras not counted). */
  parameterCount: number;
  /** Distinct dtypes of the weights, e.g. ['BF16']. */
  dtypes: string[];
  weightFiles: string[];
  /** Tensors present but not needed (a tied lm_head, RoPE tables). */
  ignoredTensors: string[];
  tokenizerVocabSize: number;
  hasChatTemplate: boolean;
}

export interface RegisteredModel {
  name: string;
  /** Absolute directory the workbench loads the model from. */
  path: string;
  /** Absolute directory it was imported from. */
  source: string;
  mode: 'reference' | 'copy';
  architecture: Architecture;
  parameterCount: number;
  dtypes: string[];
  config: ModelConfig;
  hasChatTemplate: boolean;
  importedAt: string;
}

interface RegistryFile {
  version: 1;
  models: RegisteredModel[];
}

export interface ImportOptions {
  /** Registry name; defaults to the directory's name. */
  name?: string;
  /** Copy the checkpoint into the registry instead of referencing it in place. */
  copy?: boolean;
  /** Replace a registered model of the same name. */
  force?: boolean;
  /** Workbench home; defaults to $COD_HOME or ~/.cod. */
  home?: string;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function codHome(env: NodeJS.ProcessEnv = process.env): string {
  return env.COD_HOME && env.COD_HOME !== '' ? resolve(env.COD_HOME) : join(homedir(), '.cod');
}

export function modelsDir(home: string = codHome()): string {
  return join(home, 'models');
}

/**
 * Validates a checkpoint directory for import; every problem is one CodError naming the file or tensor.
 * Reads only headers of the weight files, so it is cheap for large models.
 */
export async function validateCheckpointDir(dir: string): Promise<CheckpointSummary> {
  const abs = resolve(dir);
  let isDir = false;
  try {
    isDir = (await stat(abs)).isDirectory();
  } catch {
    throw new CodError('not_found', 'model directory not found', abs);
  }
  if (!isDir) throw new CodError('bad_input', 'not a directory', abs);

  const config = await readConfigFile(join(abs, CONFIG_FILE));
  const tensors = await readCheckpointTensorInfo(abs);
  const ignoredTensors = checkTensorsAgainstConfig(tensors, config, abs);
  const tokenizer = await loadTokenizer(abs);
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new CodError(
      'bad_checkpoint',
      `tokenizer has ${tokenizer.vocabSize} token ids but config.json vocab_size is ${config.vocabSize}`,
      join(abs, TOKENIZER_FILE),
    );
  }
  const template = await findChatTemplate(abs);
  // Parse it and render a one-turn chat now, so a broken template fails the import rather than the first rollout.
  if (template)
    new ChatRenderer(tokenizer, template.template, template.where).renderText([{ role: 'user', content: 'Hello' }], {
      addGenerationPrompt: true,
    });

  let parameterCount = 0;
  for (const shape of expectedTensorShapes(config).values()) parameterCount += shape.reduce((a, b) => a * b, 1);
  const dtypes = [
    ...new Set([...tensors.values()].filter((t) => !ignoredTensors.includes(t.name)).map((t) => t.dtype)),
  ];
  return {
    dir: abs,
    config,
    parameterCount,
    dtypes: dtypes.sort(),
    weightFiles: (await locateWeightFiles(abs)).files,
    ignoredTensors,
    tokenizerVocabSize: tokenizer.vocabSize,
    hasChatTemplate: template !== undefined,
  };
}

async function readRegistry(home: string): Promise<RegistryFile> {
  const path = join(modelsDir(home), REGISTRY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, models: [] };
    throw new CodError('io', (e as Error).message, path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CodError('bad_config', `not valid JSON (${(e as Error).message})`, path);
  }
  const models = (json as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) throw new CodError('bad_config', 'missing "models" list', path);
  return { version: 1, models: models as RegisteredModel[] };
}

/** Every registered model, in registration order. */
export async function listModels(home: string = codHome()): Promise<RegisteredModel[]> {
  return (await readRegistry(home)).models;
}

export async function findModel(name: string, home: string = codHome()): Promise<RegisteredModel> {
  const m = (await listModels(home)).find((x) => x.name === name);
  if (!m)
    throw new CodError('not_found', `no model named '${name}' in the registry`, join(modelsDir(home), REGISTRY_FILE));
  return m;
}

/** Copies the checkpoint's files into `target` via a temp dir + rename, so a half copy is never registered. */
async function copyCheckpoint(summary: CheckpointSummary, target: string): Promise<void> {
  const tmp = `${target}.importing-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  try {
    const files = [...COMPANION_FILES, ...summary.weightFiles];
    if (summary.weightFiles.length > 1 || summary.weightFiles[0] !== 'model.safetensors')
      files.push(WEIGHTS_INDEX_FILE);
    for (const f of files) {
      try {
        await copyFile(join(summary.dir, f), join(tmp, f));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && COMPANION_FILES.includes(f)) continue;
        throw new CodError('io', `cannot copy (${(e as Error).message})`, join(summary.dir, f));
      }
    }
    await rm(target, { recursive: true, force: true });
    await rename(tmp, target);
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Validates `dir` and registers it; returns the registry entry. */
export async function importModel(dir: string, opts: ImportOptions = {}): Promise<RegisteredModel> {
  const home = opts.home ?? codHome();
  const summary = await validateCheckpointDir(dir);
  const name = opts.name ?? basename(summary.dir);
  if (!NAME_RE.test(name)) {
    throw new CodError(
      'bad_input',
      `model name '${name}' must start with a letter or digit and use only letters, digits, '.', '_' or '-'`,
      '--name',
    );
  }
  const registry = await readRegistry(home);
  const existing = registry.models.find((m) => m.name === name);
  if (existing && !opts.force) {
    throw new CodError(
      'conflict',
      `a model named '${name}' is already registered (use --force to replace it)`,
      '--name',
    );
  }
  const root = modelsDir(home);
  try {
    await mkdir(root, { recursive: true });
  } catch (e) {
    throw new CodError('io', `cannot create the models directory (${(e as Error).message})`, root);
  }
  const mode = opts.copy ? 'copy' : 'reference';
  const target = join(root, name);
  if (mode === 'copy') {
    if (summary.dir === target)
      throw new CodError('bad_input', 'the checkpoint already lives in the registry', summary.dir);
    await copyCheckpoint(summary, target);
  }
  const entry: RegisteredModel = {
    name,
    path: mode === 'copy' ? target : summary.dir,
    source: summary.dir,
    mode,
    architecture: summary.config.architecture,
    parameterCount: summary.parameterCount,
    dtypes: summary.dtypes,
    config: summary.config,
    hasChatTemplate: summary.hasChatTemplate,
    importedAt: new Date().toISOString(),
  };
  const models = registry.models.filter((m) => m.name !== name);
  models.push(entry);
  await writeFileAtomic(join(root, REGISTRY_FILE), JSON.stringify({ version: 1, models }, null, 2) + '\n');
  // A replaced copy that the new entry no longer uses goes away only after the index stopped pointing at it.
  // Only ever delete inside the registry: the index is a user-editable file and its paths are not trusted.
  if (existing?.mode === 'copy' && mode === 'reference') await rm(target, { recursive: true, force: true });
  return entry;
}
