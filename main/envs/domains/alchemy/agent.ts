/**
 * Alchemy scripted agents. The oracle records every combination it sees succeed or fail in Markdown notes and
 * uses them on later tasks to craft known intermediates and skip known failures.
 */
import { Rng, stableSeed } from '../../seed.ts';
import type { EpisodeEnd, ScriptedAgent, ScriptedAgentArgs } from '../../sdk.ts';
import { hintBody, joinSections, noisyFacts } from '../shared/notes.ts';
import { corruptFact, factsOf, factsText, parseKnowledge, withEpisode, type Knowledge } from './knowledge.ts';
import { chooseCombination } from './planner.ts';
import { readAlchemyView } from './view.ts';

class AlchemyOracle implements ScriptedAgent {
  /** Notes parsed once per episode: they are the only memory across tasks. */
  private parsed: { hints: string; knowledge: Knowledge } | undefined;
  private readonly rng: Rng;

  constructor(
    private readonly noteNoise: number,
    seed: string,
  ) {
    this.rng = new Rng(stableSeed('alchemy/oracle-notes', seed));
  }

  act(hints: string, view: Readonly<Record<string, unknown>>): string {
    const v = readAlchemyView(view);
    const [a, b] = chooseCombination(withEpisode(this.notes(hints), v), v);
    return `${a} + ${b}`;
  }

  writeNotes(prevHints: string, finalView: Readonly<Record<string, unknown>>, _end: EpisodeEnd): string {
    const v = readAlchemyView(finalView);
    const k = withEpisode(this.notes(prevHints), v);
    const names = [...new Set([...v.inventory.map((it) => it.name), ...[...k.recipes.values()].map((r) => r.product)])];
    const kept = noisyFacts(factsOf(k), this.noteNoise, this.rng, (f, rng) => corruptFact(f, rng, names));
    return joinSections(factsText(kept));
  }

  private notes(hints: string): Knowledge {
    if (this.parsed?.hints !== hints) this.parsed = { hints, knowledge: parseKnowledge(hintBody(hints)) };
    return this.parsed.knowledge;
  }
}

class AlchemyRandom implements ScriptedAgent {
  private readonly rng: Rng;
  constructor(seed: string) {
    this.rng = new Rng(stableSeed('alchemy/random', seed));
  }
  act(_hints: string, view: Readonly<Record<string, unknown>>): string {
    const v = readAlchemyView(view);
    const held = v.inventory.filter((it) => it.count === null || it.count > 0).map((it) => it.name);
    const pool = held.length > 0 ? held : [v.target];
    return `${this.rng.pick(pool)} + ${this.rng.pick(pool)}`;
  }
  writeNotes(): string {
    return '- No notes.';
  }
}

export function alchemyAgent(args: ScriptedAgentArgs): ScriptedAgent {
  return args.kind === 'oracle' ? new AlchemyOracle(args.noteNoise, args.seed) : new AlchemyRandom(args.seed);
}
