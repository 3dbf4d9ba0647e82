/**
 * The GridNav oracle's route planner. Unknown costs are estimated from nearby known ones (the map is smooth:
 * sums of broad hills), then the route of exactly the remaining rounds that minimises the MEAN cost of all
 * entered cells (including those already entered) is found by Dinkelbach iteration over a dynamic program
 * on (cell, moves left). It replans every round as more of the map is revealed.
 */
import type { Cell } from '../shared/grid.ts';
import type { CostRows } from './knowledge.ts';

/** Prior cost of a cell with no known neighbour: the mean cost of these maps (measured over 200 maps: ≈ 19). */
const PRIOR_COST = 19;
const KERNEL_RADIUS = 3;

export function estimateCosts(known: CostRows): number[][] {
  const size = known.length;
  const values = known.flat().filter((v): v is number => v !== null);
  const prior = values.length >= 10 ? values.reduce((a, b) => a + b, 0) / values.length : PRIOR_COST;
  return known.map((row, r) =>
    row.map((v, c) => {
      if (v !== null) return v;
      let num = 0.5 * prior;
      let den = 0.5;
      for (let i = Math.max(0, r - KERNEL_RADIUS); i <= Math.min(size - 1, r + KERNEL_RADIUS); i++) {
        for (let j = Math.max(0, c - KERNEL_RADIUS); j <= Math.min(size - 1, c + KERNEL_RADIUS); j++) {
          const k = known[i][j];
          if (k === null) continue;
          const w = Math.exp(-((i - r) ** 2 + (j - c) ** 2) / 4.5);
          num += w * k;
          den += w;
        }
      }
      return num / den;
    }),
  );
}

interface Route {
  readonly first: Cell;
  readonly sum: number;
  readonly count: number;
}

/** Min over routes of exactly `moves` rook moves from `from` to `goal` of Σ(cost - lambda) over entered cells. */
function bestRoute(est: number[][], from: Cell, goal: Cell, moves: number, lambda: number): Route | undefined {
  const size = est.length;
  const n = size * size;
  // f[m][cell]: best value of m moves from cell ending at goal; next[m][cell]: the first destination.
  const f: Float64Array[] = [new Float64Array(n).fill(Infinity)];
  const next: Int32Array[] = [new Int32Array(n).fill(-1)];
  f[0][goal[0] * size + goal[1]] = 0;
  for (let m = 1; m <= moves; m++) {
    const fm = new Float64Array(n).fill(Infinity);
    const nm = new Int32Array(n).fill(-1);
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        let best = Infinity;
        let arg = -1;
        // Walk outwards in the four directions, accumulating the segment cost.
        for (const [dr, dc] of [
          [1, 0],
          [-1, 0],
          [0, 1],
          [0, -1],
        ]) {
          let seg = 0;
          for (let i = r + dr, j = c + dc; i >= 0 && i < size && j >= 0 && j < size; i += dr, j += dc) {
            seg += est[i][j] - lambda;
            const v = seg + f[m - 1][i * size + j];
            if (v < best) {
              best = v;
              arg = i * size + j;
            }
          }
        }
        fm[r * size + c] = best;
        nm[r * size + c] = arg;
      }
    }
    f.push(fm);
    next.push(nm);
  }
  const start = from[0] * size + from[1];
  if (!Number.isFinite(f[moves][start])) return undefined;
  // Walk the route to measure its true sum and length.
  let sum = 0;
  let count = 0;
  let at = start;
  for (let m = moves; m >= 1; m--) {
    const to = next[m][at];
    const [r0, c0, r1, c1] = [Math.floor(at / size), at % size, Math.floor(to / size), to % size];
    const dr = Math.sign(r1 - r0);
    const dc = Math.sign(c1 - c0);
    for (let i = r0 + dr, j = c0 + dc; ; i += dr, j += dc) {
      sum += est[i][j];
      count++;
      if (i === r1 && j === c1) break;
    }
    at = to;
  }
  const first = next[moves][start];
  return { first: [Math.floor(first / size), first % size], sum, count };
}

/**
 * The next destination. `entered` is what the task has already entered (it counts in the mean).
 * Undefined when no route of exactly `moves` moves reaches the goal.
 */
export function planMove(
  known: CostRows,
  from: Cell,
  goal: Cell,
  moves: number,
  entered: { sum: number; count: number },
): Cell | undefined {
  if (moves <= 0) return undefined;
  const est = estimateCosts(known);
  let lambda = entered.count > 0 ? entered.sum / entered.count : PRIOR_COST;
  let route = bestRoute(est, from, goal, moves, lambda);
  for (let iter = 0; route && iter < 20; iter++) {
    const ratio = (entered.sum + route.sum) / (entered.count + route.count);
    if (ratio >= lambda - 1e-9) break;
    lambda = ratio;
    route = bestRoute(est, from, goal, moves, lambda) ?? route;
  }
  return route?.first;
}
