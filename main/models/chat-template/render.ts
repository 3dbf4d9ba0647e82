/**
 * Renders a conversation with a checkpoint's Jinja chat template (@huggingface/jinja) into the exact token ids the
 * trainer scores, with a mask over what the model generated: each assistant message's content and its end token.
 *
 * Assistant spans are found by rendering prefixes: the prompt for assistant message k is the conversation before it
 * rendered with the generation prompt, which must be a prefix of the whole rendering ("prefix-stable" template).
 * The span ends at the first special token after the message content (`<|im_end|>`, `<|eot_id|>`…).
 *
 * The text is tokenized in segments cut at every span boundary, never across one: byte-level BPE would otherwise
 * merge e.g. the "\n" ending a prompt with "\n\n" starting a reply, and the prompt's ids followed by the reply's ids
 * would not equal the conversation's ids. Cutting there makes `prompt ids ++ reply ids ++ end id` a prefix of the
 * conversation ids, which is what sampling produces.
 */
import { Template } from '@huggingface/jinja';
import { CodError } from '../../base/errors.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';

export interface ChatTurn {
  readonly role: string;
  readonly content: string;
}

export interface RenderOptions {
  addGenerationPrompt: boolean;
  /** Extra template variables (e.g. `enable_thinking`, `tools`). */
  variables?: Readonly<Record<string, unknown>>;
}

export interface RenderedChat {
  ids: number[];
  /** 1 on the tokens of each assistant message's content and its end token, else 0. Same length as ids. */
  assistantMask: number[];
  text: string;
}

/** A span of rendered text the model generated: [start, end). */
interface Span {
  start: number;
  end: number;
}

export class ChatRenderer {
  private readonly template: Template;

  constructor(
    readonly tokenizer: Tokenizer,
    readonly source: string,
    private readonly where: string,
  ) {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new CodError('bad_checkpoint', `chat template does not parse: ${(e as Error).message}`, where);
    }
  }

  /** The template's text for a conversation; a template error is one CodError naming the template's source. */
  renderText(messages: readonly ChatTurn[], opts: RenderOptions): string {
    for (const [i, m] of messages.entries()) {
      if (typeof m?.role !== 'string' || typeof m.content !== 'string') {
        throw new CodError('bad_input', `message ${i} needs a string role and content`, 'messages');
      }
    }
    try {
      return this.template.render({
        ...this.tokenizer.templateTokens,
        ...opts.variables,
        messages: messages.map((m) => ({ role: m.role, content: m.content })),
        add_generation_prompt: opts.addGenerationPrompt,
      });
    } catch (e) {
      throw new CodError('bad_input', `chat template failed to render: ${(e as Error).message}`, this.where);
    }
  }

  renderChat(messages: readonly ChatTurn[], opts: RenderOptions): RenderedChat {
    const text = this.renderText(messages, opts);
    const spans = this.assistantSpans(messages, opts, text);
    const ids: number[] = [];
    const assistantMask: number[] = [];
    const emit = (from: number, to: number, mask: number): void => {
      if (to <= from) return;
      for (const id of this.tokenizer.encode(text.slice(from, to))) {
        ids.push(id);
        assistantMask.push(mask);
      }
    };
    let at = 0;
    for (const s of spans) {
      emit(at, s.start, 0);
      emit(s.start, s.end, 1);
      at = s.end;
    }
    emit(at, text.length, 0);
    return { ids, assistantMask, text };
  }

  private assistantSpans(messages: readonly ChatTurn[], opts: RenderOptions, text: string): Span[] {
    const spans: Span[] = [];
    for (let k = 0; k < messages.length; k++) {
      if (messages[k].role !== 'assistant') continue;
      const prompt = this.renderText(messages.slice(0, k), { ...opts, addGenerationPrompt: true });
      if (!text.startsWith(prompt)) {
        throw new CodError(
          'unsupported',
          `chat template is not prefix-stable: the prompt for message ${k} (assistant) is not a prefix of the ` +
            'whole conversation, so its tokens cannot be scored in one sequence; score each turn separately',
          this.where,
        );
      }
      const start = prompt.length;
      // Bound the search by the conversation rendered up to this message, when it is a prefix too.
      const upTo = this.renderText(messages.slice(0, k + 1), { ...opts, addGenerationPrompt: false });
      const bound = text.startsWith(upTo) ? upTo.length : text.length;
      const content = messages[k].content;
      const found = content.length > 0 ? text.slice(0, bound).indexOf(content, start) : -1;
      // Templates may transform content (trim, drop reasoning): then look for the end token right after the prompt.
      const contentEnd = found >= 0 ? found + content.length : start;
      const endToken = this.firstSpecial(text, contentEnd, bound);
      if (!endToken) {
        throw new CodError(
          'unsupported',
          `no end-of-turn special token after assistant message ${k}: the template must close each assistant turn`,
          this.where,
        );
      }
      spans.push({ start, end: endToken.at + endToken.token.length });
    }
    return spans;
  }

  private firstSpecial(text: string, from: number, bound: number): { at: number; token: string } | undefined {
    let best: { at: number; token: string } | undefined;
    for (const token of this.tokenizer.specialTokens.keys()) {
      const at = text.indexOf(token, from);
      if (at < 0 || at + token.length > bound) continue;
      if (!best || at < best.at || (at === best.at && token.length > best.token.length)) best = { at, token };
    }
    return best;
  }
}
