/**
 * Supervised examples from trace lines (one line per model call): the calls of one solve episode keep the earlier
 * assistant turns verbatim in their prompts, so the episode becomes ONE conversation — the last call's messages plus
 * its response — with the loss on every assistant span (cod-method.md §2); an update episode is its single call.
 */
import { CodError } from '../base/errors.ts';
import type { ChatRenderer } from '../models/chat-template/render.ts';
import type { ChatMessage } from '../cod/policy.ts';
import type { TraceLine } from '../cod/traces.ts';

export interface SftExample {
  readonly ids: number[];
  /** 1 on tokens the loss counts (assistant spans and their end token). */
  readonly mask: number[];
  readonly kind: TraceLine['kind'];
  readonly domain: string;
}

/** The conversation of each episode, in first-seen order. */
export function episodeConversations(lines: readonly TraceLine[]): { line: TraceLine; messages: ChatMessage[] }[] {
  const last = new Map<string, TraceLine>();
  for (const l of lines) {
    const key = `${l.lifecycleId}\u0000${l.kind}\u0000${l.position}`;
    const prev = last.get(key);
    if (prev && l.messages.length < prev.messages.length)
      throw new CodError('bad_input', `calls of one episode out of order (turn ${l.turn})`, key);
    last.set(key, l);
  }
  return [...last.values()].map((line) => ({
    line,
    messages: [...line.messages, { role: 'assistant', content: line.response }],
  }));
}

/** One conversation as a supervised example: its token ids and the mask of its assistant spans. */
export function sftExample(
  messages: readonly ChatMessage[],
  kind: SftExample['kind'],
  domain: string,
  renderer: ChatRenderer,
): SftExample {
  const r = renderer.renderChat(messages, { addGenerationPrompt: false });
  return { ids: r.ids, mask: r.assistantMask, kind, domain };
}
