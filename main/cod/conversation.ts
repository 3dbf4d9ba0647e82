/**
 * The solve conversation as the policy is shown it. The lifecycle keeps every turn whole; where the episode gives a
 * HistoryCompression rule (the paper's PDE: pde_discovery/workflow.py @ 139d1c43, _compress_memory), each request
 * carries the older user turns in short, as the reference's memory holds them when it calls the model. Assistant
 * turns stay whole (the reference's context_compression_mode keep_all).
 */
import { compressUserTurns, type HistoryCompression } from '../envs/history-compression.ts';
import type { ChatMessage } from './policy.ts';

export function shownConversation(
  messages: readonly ChatMessage[],
  rule: HistoryCompression | undefined,
): readonly ChatMessage[] {
  if (!rule) return messages;
  const at: number[] = [];
  messages.forEach((m, i) => {
    if (m.role === 'user') at.push(i);
  });
  const shown = compressUserTurns(
    at.map((i) => messages[i].content),
    rule,
    rule.keepWholeUserTurns,
  );
  const out = [...messages];
  at.forEach((i, k) => {
    if (shown[k] !== messages[i].content) out[i] = { ...messages[i], content: shown[k] };
  });
  return out;
}
