/**
 * How a domain asks the lifecycle to show old user turns of the running solve conversation in short. The paper's PDE
 * workflow does this (agentscope-ai/Trinity-RFT @ 139d1c43, connect_the_dots/pde_discovery/workflow.py,
 * CoDPDEDiscoveryWorkflow._compress_memory, called by base_workflow.py run_async after every step): each user turn
 * older than the last three is cut after its first "Action feedback:" and ends in "[History compressed.]". The rule
 * is plain data, so it crosses the host boundary like any other result and the lifecycle (main/cod) applies it
 * without knowing the domain; the environment knows nothing of models or chat formats.
 */
import { z } from 'zod';

/** Longest marker or replacement: a short phrase, not a text. */
const MAX_PHRASE = 256;

export const historyCompressionSchema = z.strictObject({
  /** The newest user turns shown whole (the turn being asked included). */
  keepWholeUserTurns: z.number().int().positive().max(1000),
  /** An older user turn holding `marker` keeps what precedes its first occurrence, then `replacement`. */
  marker: z.string().min(1).max(MAX_PHRASE),
  replacement: z.string().max(MAX_PHRASE),
});

export type HistoryCompression = z.output<typeof historyCompressionSchema>;

/** One user turn in short: unchanged when it does not hold the marker (the reference's `in` test). */
export function compressUserTurn(content: string, rule: HistoryCompression): string {
  const at = content.indexOf(rule.marker);
  return at < 0 ? content : content.slice(0, at) + rule.replacement;
}

/**
 * The user turns as shown with `rule`: all but the last `keep` compressed. `keep` is the rule's count while a new
 * turn is asked; after the last step (the update prompt's trajectory) the reference has compressed once more with
 * no new turn, so one fewer stays whole there.
 */
export function compressUserTurns(turns: readonly string[], rule: HistoryCompression, keep: number): string[] {
  const whole = Math.max(0, turns.length - keep);
  return turns.map((t, i) => (i < whole ? compressUserTurn(t, rule) : t));
}
