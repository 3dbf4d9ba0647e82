import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHATML_TEMPLATE } from '../../../main/models/chat-template/chatml.ts';
import { ChatRenderer, type ChatTurn } from '../../../main/models/chat-template/render.ts';
import { findChatTemplate, loadChatRenderer } from '../../../main/models/chat-template/source.ts';
import { trainByteLevelBpe } from '../../../main/models/tokenizer/bpe-trainer.ts';
import {
  BUILTIN_SPECIAL_TOKENS,
  builtinTokenizerConfig,
  writeTokenizerFiles,
} from '../../../main/models/tokenizer/builtin.ts';
import { tokenizerFromJson, type Tokenizer } from '../../../main/models/tokenizer/tokenizer.ts';
import { tempDir } from '../../support/temp.ts';
import { codError } from '../../support/errors.ts';

const TEXT =
  'You are a careful agent. Hints: null. The door is north of the key.\n\n' +
  'User: move north.\n\nAssistant: <answer>north</answer>\n  Indented line.\n'.repeat(40);

function tokenizerWith(specials: readonly string[], config: Record<string, unknown>): Tokenizer {
  const r = trainByteLevelBpe([TEXT], { vocabSize: 500, specialTokens: specials });
  return tokenizerFromJson(r.tokenizerJson, config, 'test-tokenizer');
}

const chatmlTok = (() => {
  const r = trainByteLevelBpe([TEXT], { vocabSize: 500, specialTokens: BUILTIN_SPECIAL_TOKENS });
  return tokenizerFromJson(r.tokenizerJson, builtinTokenizerConfig(r.tokenizerJson), 'chatml');
})();
const chatml = new ChatRenderer(chatmlTok, CHATML_TEMPLATE, 'builtin');
const IM_END = chatmlTok.tokenToId('<|im_end|>') as number;

const conversation: ChatTurn[] = [
  { role: 'system', content: 'You are a careful agent. Hints: null' },
  { role: 'user', content: 'Where is the door?' },
  { role: 'assistant', content: '  Thinking... <answer>north</answer>\n\n' },
  { role: 'user', content: 'ok' },
  { role: 'assistant', content: '' },
  { role: 'user', content: 'go' },
  { role: 'assistant', content: '\n\nnorth' },
  { role: 'user', content: 'and now?' },
  { role: 'assistant', content: 'I move <|im <answer>east</answer>  \n' },
];

/** Checks the sampling invariant: prompt ids ++ encode(reply) ++ end id is a prefix of the conversation ids. */
function checkAssistantBoundaries(r: ChatRenderer, msgs: readonly ChatTurn[], endId: (k: number) => number): void {
  const full = r.renderChat(msgs, { addGenerationPrompt: false });
  expect(full.assistantMask).toHaveLength(full.ids.length);
  let expectedOnes = 0;
  for (let k = 0; k < msgs.length; k++) {
    if (msgs[k].role !== 'assistant') continue;
    const prompt = r.renderChat(msgs.slice(0, k), { addGenerationPrompt: true });
    // The prompt's own mask covers exactly the earlier replies.
    expect(prompt.assistantMask.reduce((a, b) => a + b, 0)).toBe(expectedOnes);
    const generated = [...r.tokenizer.encode(msgs[k].content), endId(k)];
    const n = prompt.ids.length;
    expect(full.ids.slice(0, n)).toEqual(prompt.ids);
    expect(full.ids.slice(n, n + generated.length)).toEqual(generated);
    expect(full.assistantMask.slice(n, n + generated.length).every((m) => m === 1)).toBe(true);
    expect(full.assistantMask[n - 1]).toBe(0);
    expect(full.assistantMask[n + generated.length] ?? 0).toBe(0);
    expectedOnes += generated.length;
  }
  expect(full.assistantMask.reduce((a, b) => a + b, 0)).toBe(expectedOnes);
  expect(r.tokenizer.decode(full.ids)).toBe(full.text);
}

describe('ChatML (built-in) rendering', () => {
  it('renders the expected text', () => {
    const out = chatml.renderChat(conversation.slice(0, 2), { addGenerationPrompt: true });
    expect(out.text).toBe(
      '<|im_start|>system\nYou are a careful agent. Hints: null<|im_end|>\n' +
        '<|im_start|>user\nWhere is the door?<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(out.assistantMask.every((m) => m === 0)).toBe(true);
    expect(chatmlTok.decode(out.ids)).toBe(out.text);
  });

  it('masks exactly the assistant content and its <|im_end|>, and prompt ids + generated ids == rendered ids', () => {
    checkAssistantBoundaries(chatml, conversation, () => IM_END);
    const full = chatml.renderChat(conversation, { addGenerationPrompt: false });
    const masked = full.ids.filter((_, i) => full.assistantMask[i] === 1);
    expect(chatmlTok.decode(masked)).toBe(
      conversation
        .filter((m) => m.role === 'assistant')
        .map((m) => m.content + '<|im_end|>')
        .join(''),
    );
  });

  it('tokenizes at turn boundaries: naive tokenization of the whole text would merge across them', () => {
    const full = chatml.renderChat(conversation, { addGenerationPrompt: false });
    expect(chatmlTok.encode(full.text)).not.toEqual(full.ids);
  });

  it('holds for random conversations', () => {
    const content = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc
        .array(fc.constantFrom(' ', '\n', '\n\n', 'north', '<answer>', '</answer>', '  ', 'Hints:', '<|im_end|>'), {
          maxLength: 8,
        })
        .map((p) => p.join('')),
    );
    const turn = fc.record({ user: content, assistant: content });
    fc.assert(
      fc.property(content, fc.array(turn, { minLength: 1, maxLength: 4 }), (system, turns) => {
        const msgs: ChatTurn[] = [{ role: 'system', content: system }];
        for (const t of turns)
          msgs.push({ role: 'user', content: t.user }, { role: 'assistant', content: t.assistant });
        const full = chatml.renderChat(msgs, { addGenerationPrompt: false });
        for (let k = 2; k < msgs.length; k += 2) {
          const prompt = chatml.renderChat(msgs.slice(0, k), { addGenerationPrompt: true });
          const gen = [...chatmlTok.encode(msgs[k].content), IM_END];
          const n = prompt.ids.length;
          if (JSON.stringify(full.ids.slice(0, n + gen.length)) !== JSON.stringify([...prompt.ids, ...gen]))
            return false;
          if (!full.assistantMask.slice(n, n + gen.length).every((m) => m === 1)) return false;
        }
        const ones = full.assistantMask.reduce((a, b) => a + b, 0);
        const expected = turns.reduce((a, t) => a + chatmlTok.encode(t.assistant).length + 1, 0);
        return ones === expected && chatmlTok.decode(full.ids) === full.text;
      }),
      { numRuns: 150 },
    );
  });
});

describe('other templates', () => {
  it('Llama 3 style: BOS from the template, trimmed content, <|eot_id|> ends the turn', () => {
    const specials = ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>'];
    const tok = tokenizerWith(specials, { bos_token: '<|begin_of_text|>', eos_token: '<|eot_id|>' });
    const llama3 =
      "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + " +
      "message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}" +
      '{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}' +
      "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
    const r = new ChatRenderer(tok, llama3, 'llama3');
    const msgs: ChatTurn[] = [
      { role: 'user', content: 'hello' },
      { role: 'assistant', content: 'north' },
      { role: 'user', content: 'again' },
      { role: 'assistant', content: '  padded answer \n' },
    ];
    const out = r.renderChat(msgs, { addGenerationPrompt: false });
    expect(out.text.startsWith('<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhello<|eot_id|>')).toBe(
      true,
    );
    const masked = out.ids.filter((_, i) => out.assistantMask[i] === 1);
    expect(tok.decode(masked)).toBe('north<|eot_id|>padded answer<|eot_id|>');
    const eot = tok.tokenToId('<|eot_id|>') as number;
    checkAssistantBoundaries(r, msgs.slice(0, 2), () => eot);
  });

  it('passes extra variables to the template', () => {
    const t = '{% for m in messages %}{{ m.content }}<|im_end|>{% endfor %}{% if greet %}hi{% endif %}';
    const r = new ChatRenderer(chatmlTok, t, 'vars');
    expect(
      r.renderText([{ role: 'user', content: 'a' }], { addGenerationPrompt: false, variables: { greet: true } }),
    ).toBe('a<|im_end|>hi');
  });
});

describe('chat template errors', () => {
  it('a template that raises is one clear error naming the template', () => {
    const strict =
      "{% for m in messages %}{% if m.role not in ['user', 'assistant'] %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{{ m.content }}<|im_end|>{% endfor %}";
    const e = codError(() =>
      new ChatRenderer(chatmlTok, strict, 'ckpt/tokenizer_config.json').renderChat([{ role: 'system', content: 'x' }], {
        addGenerationPrompt: true,
      }),
    );
    expect(e.code).toBe('bad_input');
    expect(e.message).toContain('ckpt/tokenizer_config.json: chat template failed to render');
    expect(e.message).toContain('Only user and assistant roles are supported!');
  });

  it('a template that does not parse', () => {
    const e = codError(() => new ChatRenderer(chatmlTok, '{% for m in %}', 'cfg'));
    expect(e.message).toMatch(/^cfg: chat template does not parse/);
  });

  it('a template whose earlier turns change with later ones (not prefix-stable)', () => {
    const t = '{{ messages|length }} turns\n{% for m in messages %}{{ m.content }}<|im_end|>{% endfor %}';
    const e = codError(() =>
      new ChatRenderer(chatmlTok, t, 'cfg').renderChat(
        [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
        ],
        { addGenerationPrompt: false },
      ),
    );
    expect([e.code, e.message.includes('not prefix-stable')]).toEqual(['unsupported', true]);
  });

  it('a template that never closes an assistant turn', () => {
    const t = '{% for m in messages %}{{ m.content }}\n{% endfor %}';
    const e = codError(() =>
      new ChatRenderer(chatmlTok, t, 'cfg').renderChat([{ role: 'assistant', content: 'b' }], {
        addGenerationPrompt: false,
      }),
    );
    expect(e.message).toContain('no end-of-turn special token after assistant message 0');
  });

  it('a message without string content', () => {
    const e = codError(() =>
      chatml.renderText([{ role: 'user', content: 3 as unknown as string }], { addGenerationPrompt: true }),
    );
    expect(e.message).toContain('messages: message 0 needs a string role and content');
  });
});

describe('finding a checkpoint chat template', () => {
  it('reads tokenizer_config.json (string or named list), then chat_template.jinja; none -> not_found', async () => {
    const r = trainByteLevelBpe([TEXT], { vocabSize: 400, specialTokens: BUILTIN_SPECIAL_TOKENS });
    const dir = tempDir('tpl');
    const cfg = builtinTokenizerConfig(r.tokenizerJson);
    await writeTokenizerFiles(dir, r.tokenizerJson, cfg);
    expect((await findChatTemplate(dir))?.template).toBe(CHATML_TEMPLATE);
    const rendered = (await loadChatRenderer(dir)).renderChat([{ role: 'user', content: 'hi' }], {
      addGenerationPrompt: true,
    });
    expect(rendered.text).toBe('<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');

    writeFileSync(
      join(dir, 'tokenizer_config.json'),
      JSON.stringify({
        ...cfg,
        chat_template: [
          { name: 'tool_use', template: 'x' },
          { name: 'default', template: 'D' },
        ],
      }),
    );
    expect((await findChatTemplate(dir))?.template).toBe('D');

    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ ...cfg, chat_template: undefined }));
    expect(await findChatTemplate(dir)).toBeUndefined();
    await expect(loadChatRenderer(dir)).rejects.toThrow(/tokenizer_config\.json: checkpoint has no chat template/);
    writeFileSync(join(dir, 'chat_template.jinja'), 'J');
    expect(await findChatTemplate(dir)).toEqual({ template: 'J', where: join(dir, 'chat_template.jinja') });
  });
});
