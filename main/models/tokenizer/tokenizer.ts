/**
 * The workbench's tokenizer: any Hugging Face `tokenizer.json` (+ `tokenizer_config.json`) loaded with
 * @huggingface/tokenizers, behind a small interface the sampler, trainer and chat templates share.
 */
import { join } from 'node:path';
import { Tokenizer as HfTokenizerImpl } from '@huggingface/tokenizers';
import { LIMITS } from '../../base/budget.ts';
import { CodError } from '../../base/errors.ts';
import { readTextWithin } from '../bounded-read.ts';

export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';

export interface EncodeOptions {
  /** Apply the tokenizer's post-processor (e.g. Llama's BOS). Off by default: chat templates write BOS themselves. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  skipSpecialTokens?: boolean;
}

export interface Tokenizer {
  /** Number of ids (max id + 1), added tokens included. An embedding must have at least this many rows. */
  readonly vocabSize: number;
  encode(text: string, opts?: EncodeOptions): number[];
  decode(ids: readonly number[], opts?: DecodeOptions): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** Added tokens marked special (`<|im_end|>`, `<|eot_id|>`…): content -> id. */
  readonly specialTokens: ReadonlyMap<string, number>;
  isSpecial(id: number): boolean;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  /** The token strings a chat template refers to by name (bos_token, eos_token, pad_token, unk_token). */
  readonly templateTokens: Readonly<Record<string, string>>;
  /** The raw tokenizer_config.json object ({} when there was none). */
  readonly tokenizerConfig: Readonly<Record<string, unknown>>;
}

/** tokenizer_config.json names a token either as a string or as an AddedToken-like `{content: ...}` object. */
function tokenString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content;
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly specialTokens: ReadonlyMap<string, number>;
  readonly bosTokenId: number | undefined;
  readonly eosTokenId: number | undefined;
  readonly padTokenId: number | undefined;
  readonly templateTokens: Readonly<Record<string, string>>;
  private readonly specialIds: ReadonlySet<number>;

  constructor(
    private readonly impl: HfTokenizerImpl,
    readonly tokenizerConfig: Readonly<Record<string, unknown>>,
    private readonly where: string,
  ) {
    let maxId = -1;
    for (const id of impl.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;
    const special = new Map<string, number>();
    for (const [id, t] of impl.get_added_tokens_decoder()) if (t.special) special.set(t.content, id);
    this.specialTokens = special;
    this.specialIds = new Set(special.values());
    const named: Record<string, string> = {};
    for (const key of ['bos_token', 'eos_token', 'pad_token', 'unk_token']) {
      const s = tokenString(tokenizerConfig[key]);
      if (s !== undefined) named[key] = s;
    }
    this.templateTokens = named;
    this.bosTokenId = this.namedId(named.bos_token, 'bos_token');
    this.eosTokenId = this.namedId(named.eos_token, 'eos_token');
    this.padTokenId = this.namedId(named.pad_token, 'pad_token');
  }

  private namedId(token: string | undefined, field: string): number | undefined {
    if (token === undefined) return undefined;
    const id = this.impl.token_to_id(token);
    if (id === undefined) {
      throw new CodError('bad_checkpoint', `${field} '${token}' is not in the vocabulary`, this.where);
    }
    return id;
  }

  encode(text: string, opts: EncodeOptions = {}): number[] {
    return this.impl.encode(text, { add_special_tokens: opts.addSpecialTokens ?? false }).ids;
  }

  decode(ids: readonly number[], opts: DecodeOptions = {}): string {
    if (ids.length === 0) return '';
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize || this.impl.id_to_token(id) === undefined) {
        throw new CodError('bad_input', `token id ${id} is not in the vocabulary (size ${this.vocabSize})`, this.where);
      }
    }
    return this.impl.decode([...ids], { skip_special_tokens: opts.skipSpecialTokens ?? false });
  }

  tokenToId(token: string): number | undefined {
    return this.impl.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.impl.id_to_token(id);
  }

  isSpecial(id: number): boolean {
    return this.specialIds.has(id);
  }
}

/** Builds a tokenizer from parsed tokenizer.json / tokenizer_config.json objects; `where` names them in errors. */
export function tokenizerFromJson(tokenizerJson: unknown, tokenizerConfig: unknown, where: string): Tokenizer {
  if (!isObject(tokenizerJson)) throw new CodError('bad_checkpoint', 'tokenizer.json must be a JSON object', where);
  const config = tokenizerConfig === undefined ? {} : tokenizerConfig;
  if (!isObject(config)) throw new CodError('bad_checkpoint', 'tokenizer_config.json must be a JSON object', where);
  if (!Array.isArray(tokenizerJson.added_tokens)) tokenizerJson = { ...tokenizerJson, added_tokens: [] };
  let impl: HfTokenizerImpl;
  try {
    impl = new HfTokenizerImpl(tokenizerJson as object, config);
  } catch (e) {
    throw new CodError('bad_checkpoint', `cannot load tokenizer: ${(e as Error).message}`, where);
  }
  return new HfTokenizer(impl, config, where);
}

async function readJson(path: string, required: boolean, what: string, limit: number): Promise<unknown> {
  const text = await readTextWithin(path, what, limit);
  if (text === undefined) {
    if (!required) return undefined;
    throw new CodError('not_found', 'tokenizer file not found', path);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CodError('bad_checkpoint', `not valid JSON (${(e as Error).message})`, path);
  }
}

/** Reads the tokenizer_config.json of a directory ({} when absent). */
export async function readTokenizerConfig(dir: string): Promise<Record<string, unknown>> {
  const path = join(dir, TOKENIZER_CONFIG_FILE);
  const cfg = await readJson(path, false, 'tokenizer_config.json', LIMITS.tokenizerConfigBytes);
  if (cfg === undefined) return {};
  if (!isObject(cfg)) throw new CodError('bad_checkpoint', 'must be a JSON object', path);
  return cfg;
}

/** Loads `tokenizer.json` (required) and `tokenizer_config.json` (optional) from a checkpoint directory. */
export async function loadTokenizer(dir: string): Promise<Tokenizer> {
  const path = join(dir, TOKENIZER_FILE);
  const json = await readJson(path, true, 'tokenizer.json', LIMITS.tokenizerBytes);
  return tokenizerFromJson(json, await readTokenizerConfig(dir), path);
}
