/** One GridNav task: start, goal and an exact number of rook moves, reachable by construction. */
import { Rng } from '../../seed.ts';
import type { Cell } from '../shared/grid.ts';
import type { GridNavParams } from './params.ts';

export interface GridNavTask {
  readonly start: Cell;
  readonly goal: Cell;
  readonly rounds: number;
}

export function generateTask(
  params: GridNavParams,
  size: number,
  seed: string,
  preset: string,
  index: number,
): GridNavTask {
  const rng = Rng.of('gridnav/task', seed, preset, index);
  const rounds = rng.int(params.minRounds, params.maxRounds);
  const other = (current: number) => {
    const v = rng.int(0, size - 2);
    return v >= current ? v + 1 : v;
  };
  // The goal is the end of a random walk of exactly `rounds` rook moves, so an exact-length route exists.
  for (;;) {
    const start: Cell = [rng.int(0, size - 1), rng.int(0, size - 1)];
    let [r, c] = start;
    for (let k = 0; k < rounds; k++) {
      if (rng.next() < 0.5) c = other(c);
      else r = other(r);
    }
    if (r !== start[0] || c !== start[1]) return { start, goal: [r, c], rounds };
  }
}
