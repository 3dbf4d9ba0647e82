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
import { checkCount, LIMITS } from '../../base/budget.ts';
import { CodError } from '../../base/errors.ts';
import type { Tokenizer } from '../tokenizer/tokenizer.ts';
import { renderBounded } from './bounded-render.ts';

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

/** A conversation to render: its messages up to `upTo`, with or without the generation prompt. */
interface RenderCall {
  readonly upTo: number;
  readonly addGenerationPrompt: boolean;
}

export class ChatRenderer {
  constructor(
    readonly tokenizer: Tokenizer,
    readonly source: string,
    private readonly where: string,
  ) {
    checkCount('the chat template', source.length, LIMITS.chatTemplateChars, where, ' characters');
    // Parsed here too so a template that does not parse fails when the model is opened, not at its first render
    // (parsing is bounded by the template's length; rendering runs in the bounded render worker).
    try {
      new Template(source);
    } catch (e) {
      throw new CodError('bad_checkpoint', `chat template does not parse: ${(e as Error).message}`, where);
    }
  }

  /** The template's text for a conversation; a template error or one over budget is one CodError naming its source. */
  renderText(messages: readonly ChatTurn[], opts: RenderOptions): string {
    return this.renderAll(messages, opts, [
      { upTo: messages.length, addGenerationPrompt: opts.addGenerationPrompt },
    ])[0];
  }

  /** Several prefixes of one conversation in one bounded round trip. */
  private renderAll(messages: readonly ChatTurn[], opts: RenderOptions, calls: readonly RenderCall[]): string[] {
    for (const [i, m] of messages.entries()) {
      if (typeof m?.role !== 'string' || typeof m.content !== 'string') {
        throw new CodError('bad_input', `message ${i} needs a string role and content`, 'messages');
      }
    }
    const turns = messages.map((m) => ({ role: m.role, content: m.content }));
    return renderBounded(
      this.source,
      calls.map((c) => ({
        ...this.tokenizer.templateTokens,
        ...opts.variables,
        messages: turns.slice(0, c.upTo),
        add_generation_prompt: c.addGenerationPrompt,
      })),
      this.where,
    );
  }

  renderChat(messages: readonly ChatTurn[], opts: RenderOptions): RenderedChat {
    // The whole conversation, and for each assistant message the prompt before it and the conversation up to it.
    const calls: RenderCall[] = [{ upTo: messages.length, addGenerationPrompt: opts.addGenerationPrompt }];
    for (let k = 0; k < messages.length; k++)
      if (messages[k].role === 'assistant')
        calls.push({ upTo: k, addGenerationPrompt: true }, { upTo: k + 1, addGenerationPrompt: false });
    const [text, ...prefixes] = this.renderAll(messages, opts, calls);
    const spans = this.assistantSpans(messages, text, prefixes);
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

  /** `prefixes`: for each assistant message in order, its prompt and the conversation up to it, rendered. */
  private assistantSpans(messages: readonly ChatTurn[], text: string, prefixes: readonly string[]): Span[] {
    const spans: Span[] = [];
    let p = 0;
    for (let k = 0; k < messages.length; k++) {
      if (messages[k].role !== 'assistant') continue;
      const prompt = prefixes[p++];
      const upTo = prefixes[p++];
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
