/**
 * FrozenLake scripted agents. The oracle learns the code→direction mapping from the position-change feedback
 * in the views it is shown, keeps it in Markdown notes, and reads those notes back on later tasks.
 */
import { Rng, stableSeed } from '../../seed.ts';
import type { EpisodeEnd, ScriptedAgent, ScriptedAgentArgs } from '../../sdk.ts';
import { hintBody, joinSections, noisyFacts, noteSection } from '../shared/notes.ts';
import { DIRECTIONS, type Direction } from './directions.ts';
import {
  ALL_CANDIDATES,
  applyClaims,
  claimsOf,
  claimText,
  claimWeights,
  DIR_INDEX,
  observeMove,
  parseClaims,
  type Claim,
} from './knowledge.ts';
import { LakePlanner } from './planner.ts';
import { lakeTiles, readFrozenLakeView, type FrozenLakeView } from './view.ts';

/** What the oracle knows inside one episode. Rebuilt at every task start: notes are its only memory. */
interface EpisodeMemory {
  readonly taskId: string;
  readonly claims: readonly Claim[];
  readonly planner: LakePlanner;
  /** Mappings consistent with the moves observed this episode. */
  candidates: number;
  turnSeen: number;
}

/**
 * The oracle's notes holding these claims: known codes first, in the fixed direction order Down, Right, Up, Left
 * (`- Down 3`), then the uncertain ones by code. A fixed order lets a writer name each direction in turn and copy
 * its code from the feedback line that ends `Down 3`, instead of searching the episode for each code.
 */
export function claimNotes(claims: readonly Claim[]): string {
  const rank = (c: Claim): number => (c.dirs.length === 1 ? DIRECTIONS.indexOf(c.dirs[0]) : 4 + c.code);
  const ordered = [...claims].sort((x, y) => rank(x) - rank(y));
  return joinSections([
    noteSection('FrozenLake action codes (learned from position feedback)', ordered.map(claimText)),
  ]);
}

/** The direction `code` moves with probability at least `confidence` under the weighted candidates, if any. */
function believedDirection(
  code: number,
  candidates: number,
  weights: Float64Array,
  confidence = 0.8,
): Direction | undefined {
  const byDir = [0, 0, 0, 0];
  let total = 0;
  for (let i = 0; i < DIR_INDEX.length; i++) {
    if (!(candidates & (1 << i))) continue;
    byDir[DIR_INDEX[i][code - 1]] += weights[i];
    total += weights[i];
  }
  const best = byDir.indexOf(Math.max(...byDir));
  return total > 0 && byDir[best] / total >= confidence ? DIRECTIONS[best] : undefined;
}

class FrozenLakeOracle implements ScriptedAgent {
  private memory: EpisodeMemory | undefined;
  private readonly rng: Rng;
  private lastThought = '';

  constructor(
    private readonly noteNoise: number,
    seed: string,
  ) {
    this.rng = new Rng(stableSeed('frozenlake/oracle-notes', seed));
  }

  act(hints: string, view: Readonly<Record<string, unknown>>): string {
    const v = readFrozenLakeView(view);
    const m = this.sync(hints, v);
    // Plan over the evidence of this episode, weighted by what the notes claim.
    const code = m.planner.choose(v.position, m.candidates, v.turn);
    const dir = believedDirection(code, m.candidates, claimWeights(m.claims));
    // Direction, then code: the same order as the notes' "Down 3", so the code is copied from after the direction.
    this.lastThought = dir ? `go ${dir} ${code}:` : 'explore:';
    return `Direction ${code}`;
  }

  /** The direction the chosen code is believed to move ("go Down 3:"), or "explore:" when that is still uncertain. */
  thought(): string {
    return this.lastThought;
  }

  writeNotes(prevHints: string, finalView: Readonly<Record<string, unknown>>, _end: EpisodeEnd): string {
    const m = this.sync(prevHints, readFrozenLakeView(finalView));
    const known = claimsOf(applyClaims(m.candidates, m.claims));
    const kept = noisyFacts(known, this.noteNoise, this.rng, (c, rng) => ({
      code: c.code,
      dirs: [rng.pick(DIRECTIONS.filter((d) => !c.dirs.includes(d) || c.dirs.length > 1))],
    }));
    return claimNotes(kept);
  }

  private sync(hints: string, v: FrozenLakeView): EpisodeMemory {
    if (!this.memory || this.memory.taskId !== v.taskId || v.turn === 0 || v.turn < this.memory.turnSeen) {
      const claims = parseClaims(hintBody(hints));
      const tiles = lakeTiles(v);
      this.memory = {
        taskId: v.taskId,
        claims,
        planner: new LakePlanner(tiles, v.goal, v.maxTurns, claimWeights(claims)),
        candidates: ALL_CANDIDATES,
        turnSeen: 0,
      };
    }
    const m = this.memory;
    if (v.last && v.turn > m.turnSeen) {
      const narrowed = observeMove(m.candidates, v.size, v.last);
      // Evidence can only be inconsistent if the mapping changes inside a task, which no mode does.
      if (narrowed !== 0) m.candidates = narrowed;
      m.turnSeen = v.turn;
    }
    return m;
  }
}

class FrozenLakeRandom implements ScriptedAgent {
  private readonly rng: Rng;
  constructor(seed: string) {
    this.rng = new Rng(stableSeed('frozenlake/random', seed));
  }
  act(_hints: string, view: Readonly<Record<string, unknown>>): string {
    readFrozenLakeView(view);
    return `Direction ${this.rng.int(1, 4)}`;
  }
  writeNotes(): string {
    return '- No notes.';
  }
}

export function frozenLakeAgent(args: ScriptedAgentArgs): ScriptedAgent {
  return args.kind === 'oracle' ? new FrozenLakeOracle(args.noteNoise, args.seed) : new FrozenLakeRandom(args.seed);
}
