import { readFile, stat } from 'node:fs/promises';
import { CodError } from '../../base/errors.ts';
import { loadChatRenderer } from '../../models/chat-template/source.ts';
import { loadAdapter } from '../../models/adapter.ts';
import { loadCheckpoint } from '../../models/checkpoint.ts';
import { openLoraBase } from '../../models/mapped-base.ts';
import { Sampler } from '../../models/sampler/sampler.ts';
import { loadTokenizer } from '../../models/tokenizer/tokenizer.ts';
import type { ChatTurn } from '../../models/chat-template/render.ts';
import { flagTable, intFlag, numberFlag, parseFlags, requireFlag } from '../args.ts';
import type { CliCommand } from '../command.ts';

async function readChat(path: string): Promise<ChatTurn[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CodError('not_found', 'cannot read the chat file', path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CodError('bad_input', `not valid JSON (${(e as Error).message})`, path);
  }
  const msgs = Array.isArray(json) ? json : (json as { messages?: unknown } | null)?.messages;
  if (!Array.isArray(msgs) || msgs.length === 0)
    throw new CodError('bad_input', 'must be a non-empty array of {role, content} (or {"messages": [...]})', path);
  return msgs.map((m, i) => {
    const o = m as { role?: unknown; content?: unknown };
    if (typeof o?.role !== 'string' || typeof o.content !== 'string')
      throw new CodError('bad_input', 'needs a string role and content', `${path}: messages[${i}]`);
    return { role: o.role, content: o.content };
  });
}

/** A missing --model directory, said as such (rather than as its missing config.json). */
export async function requireDir(dir: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    throw new CodError('not_found', 'model directory not found', dir);
  }
  if (!isDir) throw new CodError('bad_input', 'not a directory', dir);
}

export const generate: CliCommand = {
  path: ['generate'],
  summary: 'Sample completions from a checkpoint (KV-cache decoding, in-graph sampling)',
  usage:
    '--model DIR [--adapter ADAPTER] (--prompt TEXT | --chat FILE.json) [--n K] [--temperature T] [--top-k K] [--top-p P] [--seed S]\n' +
    '         [--max-new-tokens M] [--stop STR]... [--threads N] [--json]\n\n' +
    '  --prompt TEXT is encoded as is; --chat renders messages with the checkpoint chat template and stops at its\n' +
    '  end-of-turn token. Sample k uses seed "S:k".',
  async run(argv) {
    const sampling = ['n', 'temperature', 'top-k', 'top-p', 'seed', 'max-new-tokens'] as const;
    const { values } = parseFlags(
      argv,
      flagTable(['model', 'adapter', 'prompt', 'chat', 'threads', ...sampling], ['json'], ['stop']),
    );
    const dir = requireFlag(values.model, 'model');
    if ((values.prompt === undefined) === (values.chat === undefined))
      throw new CodError('bad_input', 'give exactly one of --prompt or --chat');
    const n = intFlag(values.n, 'n', 1);
    if (n < 1) throw new CodError('bad_input', '--n must be at least 1');
    const maxNewTokens = intFlag(values['max-new-tokens'], 'max-new-tokens', 64);
    await requireDir(dir);
    // With an adapter the base stays as stored (bf16 too; a large one as a mapped float32 file) inside the decode
    // graphs; only the adapter is fed.
    const stored = values.adapter
      ? await openLoraBase(dir, { onFallback: (why) => process.stderr.write(`cod: warning: ${why}\n`) })
      : null;
    const adapter = stored ? await loadAdapter(values.adapter!, stored.config) : null;
    const model = stored ? { config: stored.config, weights: adapter!.weights } : await loadCheckpoint(dir);
    const tokenizer = await loadTokenizer(dir);
    if (tokenizer.vocabSize > model.config.vocabSize)
      throw new CodError(
        'bad_checkpoint',
        `tokenizer has ${tokenizer.vocabSize} ids but the model's vocab_size is ${model.config.vocabSize}`,
        dir,
      );
    let promptIds: number[];
    const eosIds: number[] = [];
    if (values.chat !== undefined) {
      const renderer = await loadChatRenderer(dir, tokenizer);
      promptIds = renderer.renderChat(await readChat(values.chat), { addGenerationPrompt: true }).ids;
      if (tokenizer.eosTokenId !== undefined) eosIds.push(tokenizer.eosTokenId);
    } else {
      promptIds = tokenizer.encode(values.prompt!);
      if (promptIds.length === 0) throw new CodError('bad_input', 'the prompt encodes to no tokens', '--prompt');
    }
    // Named after the flag the user gave (the sampler would name its internal request field).
    const context = model.config.maxPositionEmbeddings;
    if (promptIds.length > context)
      throw new CodError(
        'bad_input',
        `prompt of ${promptIds.length} tokens exceeds the model's context of ${context} tokens`,
        values.chat !== undefined ? `--chat ${values.chat}` : '--prompt',
      );
    const sampler = new Sampler(model.config, model.weights, {
      decode: (ids) => tokenizer.decode(ids),
      maxBatch: Math.min(n, 64),
      threads: intFlag(values.threads, 'threads', 0) || undefined,
      ...(stored && adapter ? { lora: { base: stored.base, settings: adapter.settings } } : {}),
    });
    const seed = values.seed ?? '0';
    try {
      const results = await sampler.generate(
        Array.from({ length: n }, (_, k) => ({
          promptIds,
          maxNewTokens,
          temperature: numberFlag(values.temperature, 'temperature', 1),
          topK: intFlag(values['top-k'], 'top-k', 0),
          topP: numberFlag(values['top-p'], 'top-p', 1),
          seed: `${seed}:${k}`,
          stop: values.stop ?? [],
          eosIds,
        })),
      );
      const samples = results.map((r) => ({
        text: r.text ?? tokenizer.decode(r.tokenIds),
        prompt_ids: promptIds,
        token_ids: r.tokenIds,
        logprobs: r.logprobs,
        finish: r.finish,
      }));
      if (values.json) console.log(JSON.stringify({ samples }));
      else
        samples.forEach((s, k) =>
          console.log(`--- sample ${k} (${s.token_ids.length} tokens, ${s.finish})\n${s.text}`),
        );
    } finally {
      await sampler.dispose();
    }
    return 0;
  },
};
