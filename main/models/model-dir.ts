/**
 * A workbench model directory opened as one unit: config + weights + tokenizer + chat template, checked against
 * each other (a tokenizer with more ids than the model's vocabulary would index past the embedding).
 */
import { CodError } from '../base/errors.ts';
import { loadChatRenderer } from './chat-template/source.ts';
import type { ChatRenderer } from './chat-template/render.ts';
import { join } from 'node:path';
import { loadCheckpoint } from './checkpoint.ts';
import { readConfigFile, type ModelConfig } from './config.ts';
import { loadTokenizer, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE, type Tokenizer } from './tokenizer/tokenizer.ts';

/** The files that make a checkpoint directory's tokenizer and chat template, besides the weights. */
export const TOKENIZER_FILES = [
  TOKENIZER_FILE,
  TOKENIZER_CONFIG_FILE,
  'chat_template.jinja',
  'special_tokens_map.json',
];

export interface ModelDir {
  readonly dir: string;
  readonly config: ModelConfig;
  readonly weights: Map<string, Float32Array>;
  readonly tokenizer: Tokenizer;
  readonly renderer: ChatRenderer;
}

/** A model's text side without its weights: what renders prompts and reads responses for a model sampled elsewhere. */
export interface ChatModel {
  readonly dir: string;
  readonly config: ModelConfig;
  readonly tokenizer: Tokenizer;
  readonly renderer: ChatRenderer;
  /** What ends a response: config.json's eos_token_id and the tokenizer's eos token. */
  readonly eosIds: readonly number[];
}

async function chatParts(dir: string, config: ModelConfig): Promise<ChatModel> {
  const tokenizer = await loadTokenizer(dir);
  if (tokenizer.vocabSize > config.vocabSize)
    throw new CodError(
      'bad_checkpoint',
      `tokenizer has ${tokenizer.vocabSize} ids but the model's vocab_size is ${config.vocabSize}`,
      dir,
    );
  const renderer = await loadChatRenderer(dir, tokenizer);
  const eos = tokenizer.eosTokenId;
  const eosIds = [...new Set([...(config.eosTokenId ?? []), ...(eos !== undefined ? [eos] : [])])];
  return { dir, config, tokenizer, renderer, eosIds };
}

/** config.json, the tokenizer and the chat template of a model directory (its weights are not read). */
export async function openChatModel(dir: string): Promise<ChatModel> {
  return chatParts(dir, await readConfigFile(join(dir, 'config.json')));
}

export async function openModelDir(dir: string): Promise<ModelDir> {
  const { config, weights } = await loadCheckpoint(dir);
  const { tokenizer, renderer } = await chatParts(dir, config);
  return { dir, config, weights, tokenizer, renderer };
}
