/**
 * Where a checkpoint keeps its chat template: `chat_template` in tokenizer_config.json (a string, or a list of
 * named templates of which "default" is used), else a `chat_template.jinja` file (newer transformers), else
 * `chat_template.json` (`{"chat_template": ...}`, older processors).
 */
import { join } from 'node:path';
import { LIMITS } from '../../base/budget.ts';
import { CodError } from '../../base/errors.ts';
import { readTextWithin } from '../bounded-read.ts';
import { loadTokenizer, readTokenizerConfig, TOKENIZER_CONFIG_FILE, type Tokenizer } from '../tokenizer/tokenizer.ts';
import { ChatRenderer } from './render.ts';

export interface ChatTemplateSource {
  template: string;
  /** The file it came from, for error messages. */
  where: string;
}

/** The template named in a tokenizer_config.json object, if any. */
export function chatTemplateFromConfig(config: Readonly<Record<string, unknown>>, where: string): string | undefined {
  const t = config.chat_template;
  if (t === undefined || t === null) return undefined;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t.find((x) => (x as { name?: unknown })?.name === 'default') as { template?: unknown } | undefined;
    if (named && typeof named.template === 'string') return named.template;
    throw new CodError(
      'bad_checkpoint',
      'chat_template is a list without a "default" template',
      `${where}: chat_template`,
    );
  }
  throw new CodError('bad_checkpoint', 'chat_template must be a string', `${where}: chat_template`);
}

/** A template file, within the template budget (a chat_template.json holds little else). */
function readOptional(path: string): Promise<string | undefined> {
  return readTextWithin(path, 'the chat template file', LIMITS.chatTemplateChars);
}

/** Finds the chat template of a checkpoint directory; undefined when it has none. */
export async function findChatTemplate(dir: string): Promise<ChatTemplateSource | undefined> {
  const configPath = join(dir, TOKENIZER_CONFIG_FILE);
  const fromConfig = chatTemplateFromConfig(await readTokenizerConfig(dir), configPath);
  if (fromConfig !== undefined) return { template: fromConfig, where: configPath };
  const jinjaPath = join(dir, 'chat_template.jinja');
  const jinja = await readOptional(jinjaPath);
  if (jinja !== undefined) return { template: jinja, where: jinjaPath };
  const jsonPath = join(dir, 'chat_template.json');
  const json = await readOptional(jsonPath);
  if (json === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (e) {
    throw new CodError('bad_checkpoint', `not valid JSON (${(e as Error).message})`, jsonPath);
  }
  const t = chatTemplateFromConfig((parsed ?? {}) as Record<string, unknown>, jsonPath);
  return t === undefined ? undefined : { template: t, where: jsonPath };
}

/** Tokenizer + chat template of a checkpoint directory, ready to render conversations. */
export async function loadChatRenderer(dir: string, tokenizer?: Tokenizer): Promise<ChatRenderer> {
  const found = await findChatTemplate(dir);
  if (!found) throw new CodError('not_found', 'checkpoint has no chat template', join(dir, TOKENIZER_CONFIG_FILE));
  return new ChatRenderer(tokenizer ?? (await loadTokenizer(dir)), found.template, found.where);
}
