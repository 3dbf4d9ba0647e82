/** The GridNav solve episode: exactly R rook moves over the shared cost map, revealing cells as it goes. */
import type { Outcome, Rendering, StepResult } from '../../sdk.ts';
import { quoteInput } from '../shared/feedback.ts';
import { cellText, inBounds, parseCell, sameCell, type Cell } from '../shared/grid.ts';
import { SolveEpisode, type EndResult } from '../shared/solve-episode.ts';
import type { CostMap, RevealedCells } from './instance.ts';
import { mapText, observationText, rulesText } from './render.ts';
import type { GridNavTask } from './task.ts';
import type { GridNavView } from './view.ts';

/** Cells entered moving from `from` to `to` along a row or column: crossed cells and `to`, not `from`. */
export function rookPath(from: Cell, to: Cell): Cell[] {
  const out: Cell[] = [];
  const dr = Math.sign(to[0] - from[0]);
  const dc = Math.sign(to[1] - from[1]);
  for (let r = from[0] + dr, c = from[1] + dc; ; r += dr, c += dc) {
    out.push([r, c]);
    if (r === to[0] && c === to[1]) return out;
  }
}

export class GridNavEpisode extends SolveEpisode {
  readonly maxTurns: number;
  private position: Cell;
  private turns = 0;
  private lastPath: Cell[] = [];
  private enteredCount = 0;
  private enteredCostSum = 0;

  constructor(
    readonly taskId: string,
    private readonly map: CostMap,
    private readonly revealed: RevealedCells,
    private readonly task: GridNavTask,
    private readonly radius: number,
    private readonly persistent: boolean,
    private readonly rendering: Rendering,
  ) {
    super();
    this.maxTurns = task.rounds;
    this.position = task.start;
  }

  rules(): string {
    return rulesText(this.rendering, { rounds: this.task.rounds, radius: this.radius, persistent: this.persistent });
  }

  observation(): string {
    return observationText(this.rendering, this.view());
  }

  turnsUsed(): number {
    return this.turns;
  }

  view(): GridNavView {
    const size = this.map.size;
    return {
      domain: 'gridnav',
      taskId: this.taskId,
      turn: this.turns,
      maxTurns: this.maxTurns,
      size,
      position: this.position,
      goal: this.task.goal,
      costs: this.map.costs.map((row, r) => row.map((cost, c) => (this.revealed.has(r, c) ? cost : null))),
      lastPath: this.lastPath,
      enteredCount: this.enteredCount,
      enteredCostSum: this.enteredCostSum,
      persistent: this.persistent,
      done: this.end !== undefined,
    };
  }

  protected play(action: string): StepResult {
    const to = typeof action === 'string' ? parseCell(action) : undefined;
    if (!to) {
      return this.finish(
        'format_error',
        `Format error: could not parse the destination ${quoteInput(action)}. Expected <answer>row,col</answer>. Game over.`,
      );
    }
    const from = this.position;
    const illegal = !inBounds(this.map.size, to[0], to[1])
      ? `${cellText(to)} is outside the ${this.map.size}x${this.map.size} grid`
      : sameCell(to, from)
        ? `the destination must differ from the current position ${cellText(from)}`
        : to[0] !== from[0] && to[1] !== from[1]
          ? `${cellText(to)} is not in the same row or column as ${cellText(from)}`
          : undefined;
    if (illegal) return this.finish('illegal_action', `Illegal move: ${illegal}. Game over.`);
    this.lastPath = rookPath(from, to);
    for (const [r, c] of this.lastPath) {
      this.enteredCount++;
      this.enteredCostSum += this.map.costs[r][c];
      this.revealed.revealAround(r, c, this.radius);
    }
    this.position = to;
    this.turns++;
    if (this.turns < this.maxTurns) return { done: false, observation: this.observation() };
    if (sameCell(this.position, this.task.goal)) {
      const mean = this.enteredCostSum / this.enteredCount;
      return this.finish(
        'success',
        `Success: ended round ${this.maxTurns} on the target ${cellText(this.task.goal)}. ` +
          `Mean entered-cell cost ${mean.toFixed(2)}; reward ${(1 - mean / 100).toFixed(3)}.`,
      );
    }
    return this.finish(
      'failure',
      `Failed: after ${this.maxTurns} rounds you are at ${cellText(this.position)}, not on the target ` +
        `${cellText(this.task.goal)}. Reward 0.`,
    );
  }

  protected failFormat(reason: string): EndResult {
    return this.finish(
      'format_error',
      `Format error: ${String(reason).slice(0, 200)}. Expected <answer>row,col</answer>. Game over.`,
    );
  }

  private finish(outcome: Outcome, headline: string): EndResult {
    const success = outcome === 'success';
    const reward = success ? 1 - this.enteredCostSum / this.enteredCount / 100 : 0;
    // The final map goes into the feedback so the update-context episode can note what was revealed.
    const feedback = `${headline}\nFinal observed cost grid:\n${mapText(this.rendering, this.view())}`;
    return this.close({ outcome, success, reward, feedback });
  }
}
