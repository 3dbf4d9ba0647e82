/**
 * The files of a tokenizer the workbench trains for its built-in model: the trained `tokenizer.json` and a
 * `tokenizer_config.json` that HF transformers (PreTrainedTokenizerFast) and @huggingface/tokenizers both read,
 * carrying the ChatML chat template.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CodError } from '../../base/errors.ts';
import { CHATML_END_TOKEN, CHATML_TEMPLATE } from '../chat-template/chatml.ts';
import { writeFileAtomic } from '../safetensors.ts';
import type { ByteLevelBpeTokenizerJson } from './bpe-trainer.ts';
import { TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from './tokenizer.ts';

export const END_OF_TEXT = '<|endoftext|>';
export const PAD_TOKEN = '<|pad|>';

/** Special tokens of the built-in tokenizer, in id order (ids 0..3). */
export const BUILTIN_SPECIAL_TOKENS: readonly string[] = [END_OF_TEXT, '<|im_start|>', CHATML_END_TOKEN, PAD_TOKEN];

/** tokenizer_config.json for a trained byte-level BPE tokenizer with the built-in special tokens. */
export function builtinTokenizerConfig(tokenizerJson: ByteLevelBpeTokenizerJson): Record<string, unknown> {
  const decoder: Record<string, unknown> = {};
  for (const t of tokenizerJson.added_tokens) {
    decoder[String(t.id)] = {
      content: t.content,
      lstrip: t.lstrip,
      normalized: t.normalized,
      rstrip: t.rstrip,
      single_word: t.single_word,
      special: t.special,
    };
  }
  for (const s of BUILTIN_SPECIAL_TOKENS) {
    if (!tokenizerJson.added_tokens.some((t) => t.content === s)) {
      throw new CodError('bad_input', `the built-in tokenizer needs special token ${s}`, 'specialTokens');
    }
  }
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    added_tokens_decoder: decoder,
    additional_special_tokens: ['<|im_start|>', CHATML_END_TOKEN],
    bos_token: null,
    // A chat turn ends with <|im_end|>: that is what generation stops on. Documents are separated by <|endoftext|>.
    eos_token: CHATML_END_TOKEN,
    pad_token: PAD_TOKEN,
    unk_token: null,
    add_bos_token: false,
    add_prefix_space: false,
    // Exact round trips: no "cleanup" that deletes spaces before punctuation when decoding.
    clean_up_tokenization_spaces: false,
    split_special_tokens: false,
    errors: 'replace',
    model_max_length: 32768,
    chat_template: CHATML_TEMPLATE,
  };
}

/** Writes tokenizer.json and tokenizer_config.json into `dir` (created if needed), each atomically. */
export async function writeTokenizerFiles(
  dir: string,
  tokenizerJson: object,
  tokenizerConfig: Record<string, unknown>,
): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new CodError('io', `cannot create directory (${(e as Error).message})`, dir);
  }
  await writeFileAtomic(join(dir, TOKENIZER_FILE), JSON.stringify(tokenizerJson));
  await writeFileAtomic(join(dir, TOKENIZER_CONFIG_FILE), JSON.stringify(tokenizerConfig, null, 2) + '\n');
}
