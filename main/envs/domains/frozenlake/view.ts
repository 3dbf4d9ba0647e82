/** The public view of a FrozenLake episode: exactly what the text shows, never the mapping. */
import { CodError } from '../../../base/errors.ts';
import type { Cell } from '../shared/grid.ts';
import { FROZEN, PLAYER } from './task.ts';

export type MoveResult = 'moved' | 'blocked' | 'hole' | 'goal';

export type LastMove = {
  readonly code: number;
  readonly from: Cell;
  readonly to: Cell;
  readonly result: MoveResult;
};

export type FrozenLakeView = {
  readonly domain: 'frozenlake';
  readonly taskId: string;
  /** Turns used so far. */
  readonly turn: number;
  readonly maxTurns: number;
  readonly size: number;
  /** Rows with the player drawn as `P`. */
  readonly grid: readonly string[];
  readonly position: Cell;
  readonly goal: Cell;
  readonly reached: boolean;
  readonly last: LastMove | null;
  readonly done: boolean;
};

function isCell(v: unknown): v is Cell {
  return Array.isArray(v) && v.length === 2 && v.every((x) => Number.isInteger(x));
}

/** The lake's tiles with the player's tile read as frozen (the start tile is always frozen, so is every tile stood on). */
export function lakeTiles(v: Pick<FrozenLakeView, 'grid'>): string[] {
  return v.grid.map((row) => row.replace(PLAYER, FROZEN));
}

/** Check that a view handed to an agent is a FrozenLake view (the agents read nothing else). */
export function readFrozenLakeView(v: Readonly<Record<string, unknown>>): FrozenLakeView {
  const ok =
    v.domain === 'frozenlake' &&
    typeof v.taskId === 'string' &&
    Number.isInteger(v.turn) &&
    Number.isInteger(v.maxTurns) &&
    Number.isInteger(v.size) &&
    Array.isArray(v.grid) &&
    isCell(v.position) &&
    isCell(v.goal) &&
    (v.last === null || (typeof v.last === 'object' && isCell((v.last as Record<string, unknown>).from)));
  if (!ok) throw new CodError('bad_input', 'not a FrozenLake view', 'frozenlake.agent');
  return v as unknown as FrozenLakeView;
}
