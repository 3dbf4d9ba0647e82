/**
 * The oracle's planner: exact expectimax over (position, still-possible mappings, turns used), maximising the
 * expected shaped reward. Unknown codes are explored only as far as their risk is worth it; known codes give
 * the shortest safe path. Memoised for the whole episode (the lake and the prior do not change).
 */
import { DELTA, DIRECTIONS } from './directions.ts';
import { DIR_INDEX } from './knowledge.ts';
import { GOAL, HOLE } from './task.ts';

const STEPS = DIRECTIONS.map((d) => DELTA[d]);

export class LakePlanner {
  private readonly size: number;
  private readonly memo = new Map<number, number>();

  /**
   * @param tiles rows of `_`, `O`, `G` (the player's own tile read as frozen)
   * @param weights prior weight of each of the 24 mappings
   */
  constructor(
    private readonly tiles: readonly string[],
    private readonly goal: readonly [number, number],
    private readonly maxTurns: number,
    private readonly weights: Float64Array,
  ) {
    this.size = tiles.length;
  }

  /** The best code (1..4) to play now; ties go to the lower hole risk, then the lower code. */
  choose(position: readonly [number, number], candidates: number, turn: number): number {
    const pos = position[0] * this.size + position[1];
    let best = 1;
    let bestValue = -1;
    let bestRisk = 2;
    for (let code = 1; code <= 4; code++) {
      const { value, risk } = this.q(pos, candidates, turn, code);
      if (value > bestValue + 1e-12 || (Math.abs(value - bestValue) <= 1e-12 && risk < bestRisk - 1e-12)) {
        best = code;
        bestValue = value;
        bestRisk = risk;
      }
    }
    return best;
  }

  private value(pos: number, mask: number, turn: number): number {
    if (turn >= this.maxTurns) return 0;
    const r = Math.floor(pos / this.size);
    const c = pos % this.size;
    // Out of reach in the turns left: nothing to gain.
    if (Math.abs(r - this.goal[0]) + Math.abs(c - this.goal[1]) > this.maxTurns - turn) return 0;
    const key = (turn * this.size * this.size + pos) * 0x1000000 + mask;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    let best = 0;
    for (let code = 1; code <= 4; code++) best = Math.max(best, this.q(pos, mask, turn, code).value);
    this.memo.set(key, best);
    return best;
  }

  /** Expected value of playing `code`, and the probability it drops into a hole. */
  private q(pos: number, mask: number, turn: number, code: number): { value: number; risk: number } {
    const weightBy = [0, 0, 0, 0];
    const maskBy = [0, 0, 0, 0];
    let total = 0;
    for (let i = 0; i < DIR_INDEX.length; i++) {
      if (!(mask & (1 << i))) continue;
      const d = DIR_INDEX[i][code - 1];
      weightBy[d] += this.weights[i];
      maskBy[d] |= 1 << i;
      total += this.weights[i];
    }
    if (total <= 0) return { value: 0, risk: 0 };
    const r = Math.floor(pos / this.size);
    const c = pos % this.size;
    let value = 0;
    let risk = 0;
    // All edge directions give the same feedback ("did not change"), so they form one outcome.
    let blockedWeight = 0;
    let blockedMask = 0;
    for (let d = 0; d < 4; d++) {
      if (weightBy[d] === 0) continue;
      const nr = r + STEPS[d][0];
      const nc = c + STEPS[d][1];
      if (nr < 0 || nr >= this.size || nc < 0 || nc >= this.size) {
        blockedWeight += weightBy[d];
        blockedMask |= maskBy[d];
        continue;
      }
      const tile = this.tiles[nr][nc];
      if (tile === HOLE) risk += weightBy[d];
      else if (tile === GOAL) value += weightBy[d] * (1 - (0.1 * (turn + 1)) / this.maxTurns);
      else value += weightBy[d] * this.value(nr * this.size + nc, maskBy[d], turn + 1);
    }
    if (blockedWeight > 0) value += blockedWeight * this.value(pos, blockedMask, turn + 1);
    return { value: value / total, risk: risk / total };
  }
}
