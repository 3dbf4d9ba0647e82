/**
 * The paper's lake (preset 'paper' / 'paper-hard'), drawn as the reference draws it: trinity/common/workflows/envs/
 * frozen_lake/utils.py (generate_random_map, is_valid; yanxi-chen/Trinity-RFT @ b2282ae9, the same text as
 * modelscope/Trinity-RFT @ 17645135), called from connect_the_dots/frozen_lake/workflow.py @ 1d7fae4a
 * (CoDFrozenLakeWorkflow.reset) with max_steps = env_max_steps.
 *
 * The whole board is redrawn until the reference's path search succeeds: every tile frozen with probability p,
 * start and goal drawn (redrawn until distinct) and written over their tiles, then the search. The search is a
 * depth-first one with a visited set marked on first pop, so it is not a shortest-path test: it may reject a lake
 * whose goal is near by another route, and it accepts a goal reached in up to max_steps + 1 moves. Ported as it is,
 * quirks included. The random stream is the workbench's (the reference's numpy stream cannot matter: its datasets
 * are not ours), so the distribution is the reference's, not the bits.
 */
import { Rng } from '../../seed.ts';
import type { Cell } from '../shared/grid.ts';
import { ALL_MAPPINGS } from './directions.ts';
import type { FrozenLakeParams } from './params.ts';
import { FROZEN, GOAL, HOLE, mappingIndex, type FrozenLakeTask } from './task.ts';

/** The start tile while the board is drawn (the reference's 'S'; shown as frozen). */
const START = 'S';

/**
 * The reference's is_valid: depth-first from the start, neighbours pushed in the order (1,0), (0,1), (-1,0), (0,-1)
 * and popped last-in first-out; a cell is expanded once, at its first pop with steps <= maxSteps; true as soon as a
 * neighbour of an expanded cell is the goal.
 */
export function referencePathSearch(board: readonly string[], start: Cell, maxSteps: number): boolean {
  const size = board.length;
  const frontier: Array<[number, number, number]> = [[start[0], start[1], 0]];
  const discovered = new Set<number>();
  const moves: ReadonlyArray<readonly [number, number]> = [
    [1, 0],
    [0, 1],
    [-1, 0],
    [0, -1],
  ];
  while (frontier.length > 0) {
    const [r, c, steps] = frontier.pop()!;
    if (steps > maxSteps) continue;
    if (discovered.has(r * size + c)) continue;
    discovered.add(r * size + c);
    for (const [dr, dc] of moves) {
      const nr = r + dr;
      const nc = c + dc;
      if (nr < 0 || nr >= size || nc < 0 || nc >= size) continue;
      if (board[nr][nc] === GOAL) return true;
      if (board[nr][nc] !== HOLE) frontier.push([nr, nc, steps + 1]);
    }
  }
  return false;
}

export function generatePaperTask(
  params: FrozenLakeParams,
  seed: string,
  preset: string,
  index: number,
): FrozenLakeTask {
  const rng = Rng.of('frozenlake/paper-task', seed, preset, index);
  // One dataset row: its own size and frozen probability (get_frozen_lake_data.py).
  const size = rng.int(params.minSize, params.maxSize);
  const p = Math.min(1, rng.uniform(params.minFrozen, params.maxFrozen));
  const mapping = ALL_MAPPINGS[mappingIndex(params, seed, index)];
  for (;;) {
    const board: string[][] = [];
    for (let r = 0; r < size; r++) {
      const row: string[] = [];
      for (let c = 0; c < size; c++) row.push(rng.next() < p ? FROZEN : HOLE);
      board.push(row);
    }
    let start: Cell;
    let goal: Cell;
    do {
      start = [rng.int(0, size - 1), rng.int(0, size - 1)];
      goal = [rng.int(0, size - 1), rng.int(0, size - 1)];
    } while (start[0] === goal[0] && start[1] === goal[1]);
    board[start[0]][start[1]] = START;
    board[goal[0]][goal[1]] = GOAL;
    const rows = board.map((row) => row.join(''));
    if (referencePathSearch(rows, start, params.maxPathLength)) {
      return { size, tiles: rows.map((row) => row.replace(START, FROZEN)), start, goal, mapping };
    }
  }
}
