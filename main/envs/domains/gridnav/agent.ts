/**
 * GridNav scripted agents. The oracle keeps the revealed cost map in its notes (one bullet per row), fills the
 * cells its view does not show from them, and plans the cheapest exact-length route on what it knows.
 */
import { Rng, stableSeed } from '../../seed.ts';
import type { EpisodeEnd, ScriptedAgent, ScriptedAgentArgs } from '../../sdk.ts';
import type { Cell } from '../shared/grid.ts';
import { hintBody, joinSections, noisyFacts } from '../shared/notes.ts';
import { corruptRow, mergeCosts, parseCostNotes, rowFacts, rowFactsText } from './knowledge.ts';
import { planMove } from './planner.ts';
import { readGridNavView, type GridNavView } from './view.ts';

/** Any legal move: along the row or column towards the goal when possible. */
function fallbackMove(v: GridNavView): Cell {
  const [r, c] = v.position;
  if (v.goal[1] !== c) return [r, v.goal[1]];
  if (v.goal[0] !== r) return [v.goal[0], c];
  return [r, c === 0 ? 1 : 0];
}

class GridNavOracle implements ScriptedAgent {
  private readonly rng: Rng;
  constructor(
    private readonly noteNoise: number,
    seed: string,
  ) {
    this.rng = new Rng(stableSeed('gridnav/oracle-notes', seed));
  }

  act(hints: string, view: Readonly<Record<string, unknown>>): string {
    const v = readGridNavView(view);
    const known = mergeCosts(v, parseCostNotes(hintBody(hints), v.size));
    const move =
      planMove(known, v.position, v.goal, v.maxTurns - v.turn, { sum: v.enteredCostSum, count: v.enteredCount }) ??
      fallbackMove(v);
    return `${move[0]},${move[1]}`;
  }

  writeNotes(prevHints: string, finalView: Readonly<Record<string, unknown>>, _end: EpisodeEnd): string {
    const v = readGridNavView(finalView);
    const known = mergeCosts(v, parseCostNotes(hintBody(prevHints), v.size));
    return joinSections([rowFactsText(noisyFacts(rowFacts(known), this.noteNoise, this.rng, corruptRow))]);
  }
}

class GridNavRandom implements ScriptedAgent {
  private readonly rng: Rng;
  constructor(seed: string) {
    this.rng = new Rng(stableSeed('gridnav/random', seed));
  }
  act(_hints: string, view: Readonly<Record<string, unknown>>): string {
    const v = readGridNavView(view);
    const [r, c] = v.position;
    const other = (x: number) => {
      const y = this.rng.int(0, v.size - 2);
      return y >= x ? y + 1 : y;
    };
    return this.rng.next() < 0.5 ? `${r},${other(c)}` : `${other(r)},${c}`;
  }
  writeNotes(): string {
    return '- No notes.';
  }
}

export function gridNavAgent(args: ScriptedAgentArgs): ScriptedAgent {
  return args.kind === 'oracle' ? new GridNavOracle(args.noteNoise, args.seed) : new GridNavRandom(args.seed);
}
