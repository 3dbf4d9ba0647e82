/** The public view of a GridNav episode: the revealed part of the cost map, never the rest. */
import { CodError } from '../../../base/errors.ts';
import type { Cell } from '../shared/grid.ts';

export type GridNavView = {
  readonly domain: 'gridnav';
  readonly taskId: string;
  /** Rounds (moves) taken so far. */
  readonly turn: number;
  /** The exact number of rounds of this task. */
  readonly maxTurns: number;
  readonly size: number;
  readonly position: Cell;
  readonly goal: Cell;
  /** Revealed costs; null where unknown. */
  readonly costs: readonly (readonly (number | null)[])[];
  /** Cells entered by the last move (crossed cells and the destination). */
  readonly lastPath: readonly Cell[];
  readonly enteredCount: number;
  readonly enteredCostSum: number;
  /** Whether revealed cells carry over to later tasks of the pack. */
  readonly persistent: boolean;
  readonly done: boolean;
};

export function readGridNavView(v: Readonly<Record<string, unknown>>): GridNavView {
  const ok =
    v.domain === 'gridnav' &&
    typeof v.taskId === 'string' &&
    Number.isInteger(v.turn) &&
    Number.isInteger(v.maxTurns) &&
    Number.isInteger(v.size) &&
    Array.isArray(v.position) &&
    Array.isArray(v.goal) &&
    Array.isArray(v.costs) &&
    v.costs.length === v.size;
  if (!ok) throw new CodError('bad_input', 'not a GridNav view', 'gridnav.agent');
  return v as unknown as GridNavView;
}
