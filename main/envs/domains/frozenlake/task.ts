/** One FrozenLake task: a lake drawn from (pack seed, preset, task index) and its action mapping. */
import { Rng } from '../../seed.ts';
import { inBounds, type Cell } from '../shared/grid.ts';
import { ALL_MAPPINGS, DELTA, DIRECTIONS, type ActionMapping, type Direction } from './directions.ts';
import type { FrozenLakeParams } from './params.ts';

export const FROZEN = '_';
export const HOLE = 'O';
export const GOAL = 'G';
export const PLAYER = 'P';

export interface FrozenLakeTask {
  readonly size: number;
  /** Rows of tiles: `_` frozen, `O` hole, `G` goal. The start is drawn as frozen. */
  readonly tiles: readonly string[];
  readonly start: Cell;
  readonly goal: Cell;
  readonly mapping: ActionMapping;
}

/** Moves on a shortest safe path from `from` to `to` (any direction), or Infinity. */
export function shortestPath(tiles: readonly string[], from: Cell, to: Cell): number {
  const size = tiles.length;
  const dist = new Map<number, number>([[from[0] * size + from[1], 0]]);
  const queue: Cell[] = [from];
  for (let q = 0; q < queue.length; q++) {
    const [r, c] = queue[q];
    const d = dist.get(r * size + c) ?? 0;
    if (r === to[0] && c === to[1]) return d;
    for (const dir of DIRECTIONS) {
      const nr = r + DELTA[dir][0];
      const nc = c + DELTA[dir][1];
      if (!inBounds(size, nr, nc) || tiles[nr][nc] === HOLE || dist.has(nr * size + nc)) continue;
      dist.set(nr * size + nc, d + 1);
      queue.push([nr, nc]);
    }
  }
  return Infinity;
}

/**
 * The directions whose first step lies on a shortest safe path from `from` to `to` (empty when none exists).
 * A fact of the visible map, not of the hidden mapping: the compact rendering spells it out for the small model.
 */
export function routeMoves(tiles: readonly string[], from: Cell, to: Cell): Direction[] {
  const size = tiles.length;
  const d = shortestPath(tiles, from, to);
  if (!Number.isFinite(d) || d === 0) return [];
  return DIRECTIONS.filter((dir) => {
    const nr = from[0] + DELTA[dir][0];
    const nc = from[1] + DELTA[dir][1];
    return inBounds(size, nr, nc) && tiles[nr][nc] !== HOLE && shortestPath(tiles, [nr, nc], to) === d - 1;
  });
}

/** The mapping index (into ALL_MAPPINGS) that task `index` of the pack uses. */
export function mappingIndex(params: FrozenLakeParams, seed: string, index: number): number {
  // global: the canonical order for every pack (as the reference implementation's default).
  if (params.mapping === 'global') return 0;
  const rng =
    params.mapping === 'per_pack' ? Rng.of('frozenlake/mapping', seed) : Rng.of('frozenlake/mapping', seed, index);
  return rng.int(0, ALL_MAPPINGS.length - 1);
}

const LAYOUT_TRIES = 200;

export function generateTask(params: FrozenLakeParams, seed: string, preset: string, index: number): FrozenLakeTask {
  const rng = Rng.of('frozenlake/task', seed, preset, index);
  const size = rng.int(params.minSize, params.maxSize);
  const frozen = rng.uniform(params.minFrozen, params.maxFrozen);
  const mapping = ALL_MAPPINGS[mappingIndex(params, seed, index)];
  for (;;) {
    const start: Cell = [rng.int(0, size - 1), rng.int(0, size - 1)];
    // Goal within maxPathLength moves of the start (Manhattan), distinct from it: the path check below can
    // only pass for such goals, so drawing among them directly saves rejections.
    const near: Cell[] = [];
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const d = Math.abs(r - start[0]) + Math.abs(c - start[1]);
        if (d >= 1 && d <= params.maxPathLength) near.push([r, c]);
      }
    }
    if (near.length === 0) continue;
    const goal = rng.pick(near);
    for (let t = 0; t < LAYOUT_TRIES; t++) {
      const tiles: string[] = [];
      for (let r = 0; r < size; r++) {
        let row = '';
        for (let c = 0; c < size; c++) {
          if (r === goal[0] && c === goal[1]) row += GOAL;
          else if (r === start[0] && c === start[1]) row += FROZEN;
          else row += rng.next() < frozen ? FROZEN : HOLE;
        }
        tiles.push(row);
      }
      if (shortestPath(tiles, start, goal) <= params.maxPathLength) return { size, tiles, start, goal, mapping };
    }
  }
}
