/** The FrozenLake solve episode: a state machine over one lake, ending on goal, hole, turn limit or bad input. */
import type { Rendering, StepResult } from '../../sdk.ts';
import { quoteInput } from '../shared/feedback.ts';
import { cellText, inBounds, type Cell } from '../shared/grid.ts';
import { SolveEpisode, type EndResult } from '../shared/solve-episode.ts';
import { DELTA } from './directions.ts';
import { observationText, rulesText } from './render.ts';
import { GOAL, HOLE, PLAYER, type FrozenLakeTask } from './task.ts';
import type { FrozenLakeView, LastMove } from './view.ts';

/** "Direction X" in any case and spacing; the digits are capped so the number always parses. */
const ACTION = /^\s*direction\s*(\d{1,9})\s*\.?\s*$/i;

/** The lake both variants play (this one and the paper's): position, turns, the last move and the public view. */
export abstract class LakeEpisode extends SolveEpisode {
  protected position: Cell;
  protected turns = 0;
  protected last: LastMove | null = null;

  constructor(
    readonly taskId: string,
    protected readonly task: FrozenLakeTask,
    readonly maxTurns: number,
    protected readonly rendering: Rendering,
  ) {
    super();
    this.position = task.start;
  }

  turnsUsed(): number {
    return this.turns;
  }

  view(): FrozenLakeView {
    const [pr, pc] = this.position;
    return {
      domain: 'frozenlake',
      taskId: this.taskId,
      turn: this.turns,
      maxTurns: this.maxTurns,
      size: this.task.size,
      grid: this.task.tiles.map((row, r) => (r === pr ? row.slice(0, pc) + PLAYER + row.slice(pc + 1) : row)),
      position: this.position,
      goal: this.task.goal,
      reached: pr === this.task.goal[0] && pc === this.task.goal[1],
      last: this.last,
      done: this.end !== undefined,
    };
  }

  /** Action code 1-4 takes one turn: the player moves one tile its hidden direction, unless the edge is there. */
  protected move(code: number): LastMove {
    const dir = this.task.mapping[code - 1];
    const from = this.position;
    const to: Cell = [from[0] + DELTA[dir][0], from[1] + DELTA[dir][1]];
    this.turns++;
    if (!inBounds(this.task.size, to[0], to[1])) {
      this.last = { code, from, to: from, result: 'blocked' };
    } else {
      this.position = to;
      const tile = this.task.tiles[to[0]][to[1]];
      this.last = { code, from, to, result: tile === HOLE ? 'hole' : tile === GOAL ? 'goal' : 'moved' };
    }
    return this.last;
  }
}

export class FrozenLakeEpisode extends LakeEpisode {
  rules(): string {
    return rulesText(this.rendering, this.maxTurns);
  }

  observation(): string {
    return observationText(this.rendering, this.view());
  }

  protected play(action: string): StepResult {
    const m = typeof action === 'string' ? ACTION.exec(action) : null;
    if (!m) {
      return this.closeShaped(
        'format_error',
        `Format error: could not parse the action ${quoteInput(action)}. ` +
          'Expected <answer>Direction X</answer> with X in 1-4. Game over.',
      );
    }
    const code = Number(m[1]);
    if (code < 1 || code > 4) {
      return this.closeShaped(
        'illegal_action',
        `Illegal action: Direction ${code} is not a valid action (valid: Direction 1, 2, 3, 4). Game over.`,
      );
    }
    const last = this.move(code);
    if (last.result === 'hole') {
      return this.closeShaped(
        'failure',
        `Failed: fell into a hole at ${cellText(this.position)} after ${this.turns} steps.`,
      );
    }
    if (last.result === 'goal') {
      return this.closeShaped(
        'success',
        `Success: reached the goal at ${cellText(this.task.goal)} in ${this.turns} steps.`,
      );
    }
    if (this.turns >= this.maxTurns) {
      return this.closeShaped(
        'out_of_turns',
        `Failed: ran out of steps (${this.maxTurns}) at ${cellText(this.position)}; ` +
          `the goal was at ${cellText(this.task.goal)}.`,
      );
    }
    return { done: false, observation: this.observation() };
  }

  protected failFormat(reason: string): EndResult {
    return this.closeShaped(
      'format_error',
      `Format error: ${String(reason).slice(0, 200)}. Expected <answer>Direction X</answer> with X in 1-4. Game over.`,
    );
  }
}
