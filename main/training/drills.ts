/**
 * Note-reading drills for the built-in model's warm start. The oracle's lifecycles teach the formats and when to
 * read, but a lookup decision ("the route says Down; the notes say Direction 4 = Down") comes only every few hundred
 * tokens there — too rarely for a sub-million-parameter model to learn the lookup itself within a CPU budget
 * (docs/results.md). A drill is one solve system prompt with notes of a random mapping (each fact kept with
 * probability `keep`), followed by first observations of several real FrozenLake tasks, each answered exactly as
 * the scripted oracle answers with those notes (its thought, then its action).
 */
import type { ChatMessage } from '../cod/policy.ts';
import { renderSolveSystem } from '../cod/prompt-render.ts';
import { DEFAULT_PROMPTS } from '../cod/prompts.ts';
import { scriptedSolveResponse } from '../cod/scripted-policy.ts';
import { claimNotes } from '../envs/domains/frozenlake/agent.ts';
import { ALL_MAPPINGS } from '../envs/domains/frozenlake/directions.ts';
import { frozenLake } from '../envs/domains/frozenlake/index.ts';
import { Rng, stableSeed } from '../envs/seed.ts';

export interface DrillOptions {
  readonly count: number;
  readonly seed: string;
  /** Tasks (user turns) per drill. */
  readonly turns?: number;
  /** Probability that each fact of the mapping is in the notes. */
  readonly keep?: number;
}

export function frozenLakeDrills(o: DrillOptions): ChatMessage[][] {
  const turns = o.turns ?? 8;
  const keep = o.keep ?? 0.75;
  const out: ChatMessage[][] = [];
  for (let i = 0; i < o.count; i++) {
    const rng = new Rng(stableSeed('frozenlake-drill', o.seed, i));
    const mapping = ALL_MAPPINGS[rng.int(0, ALL_MAPPINGS.length - 1)];
    const claims = mapping.map((d, k) => ({ code: k + 1, dirs: [d] })).filter(() => rng.next() < keep);
    const hints = `Hints: ${claimNotes(claims)}`;
    const oracle = frozenLake.scriptedAgent({
      kind: 'oracle',
      seed: stableSeed('drill-oracle', o.seed, i),
      noteNoise: 0,
    });
    const messages: ChatMessage[] = [];
    for (let t = 0; t < turns; t++) {
      // A fresh task per turn; its pack's hidden mapping is never used: the oracle answers from the drill's notes.
      const task = frozenLake
        .openPack({ seed: stableSeed('drill-task', o.seed, i, t), preset: 'train', rendering: 'compact' })
        .startTask(0);
      if (t === 0)
        messages.push({ role: 'system', content: renderSolveSystem(DEFAULT_PROMPTS.compact, task.rules(), hints) });
      messages.push({ role: 'user', content: task.observation() });
      messages.push({ role: 'assistant', content: scriptedSolveResponse(oracle, hints, task.view()) });
    }
    out.push(messages);
  }
  return out;
}
