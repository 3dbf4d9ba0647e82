/**
 * The hidden cost map of one pack: a sum of anisotropic Gaussian hills, normalised to [0, 1], squared and
 * scaled to integer costs 0–99. Squaring keeps the valleys between hills cheap (as in the reference
 * implementation), so knowing the map pays: a route through valleys costs far less than a blind one.
 */
import { Rng } from '../../seed.ts';
import type { GridNavParams } from './params.ts';

export interface CostMap {
  readonly size: number;
  /** costs[row][col] in 0..99. */
  readonly costs: readonly (readonly number[])[];
}

export function buildCostMap(params: GridNavParams, seed: string, preset: string): CostMap {
  const rng = Rng.of('gridnav/map', seed, preset);
  const size = rng.int(params.minSize, params.maxSize);
  const hills = rng.int(params.minHills, params.maxHills);
  const field = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  const at = (i: number) => (size === 1 ? 0 : i / (size - 1));
  for (let h = 0; h < hills; h++) {
    const cr = rng.next();
    const cc = rng.next();
    const long = rng.uniform(params.minScale, params.maxScale);
    const short = rng.uniform(params.minScale, long);
    const angle = rng.uniform(0, Math.PI);
    const amplitude = rng.uniform(0.8, 1.2);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    for (let r = 0; r < size; r++) {
      for (let c = 0; c < size; c++) {
        const dr = at(r) - cr;
        const dc = at(c) - cc;
        const u = (cos * dr + sin * dc) / long;
        const v = (-sin * dr + cos * dc) / short;
        field[r][c] += amplitude * Math.exp(-0.5 * (u * u + v * v));
      }
    }
  }
  const flat = field.flat();
  const lo = Math.min(...flat);
  const span = Math.max(...flat) - lo;
  const costs = field.map((row) => row.map((x) => (span === 0 ? 0 : Math.round(99 * ((x - lo) / span) ** 2))));
  return { size, costs };
}

/** Which cells have been revealed; one per pack when reveals persist, one per task otherwise. */
export class RevealedCells {
  private readonly cells: boolean[];
  constructor(readonly size: number) {
    this.cells = new Array<boolean>(size * size).fill(false);
  }
  has(r: number, c: number): boolean {
    return this.cells[r * this.size + c];
  }
  revealAround(r: number, c: number, radius: number): void {
    for (let i = Math.max(0, r - radius); i <= Math.min(this.size - 1, r + radius); i++) {
      for (let j = Math.max(0, c - radius); j <= Math.min(this.size - 1, c + radius); j++) {
        this.cells[i * this.size + j] = true;
      }
    }
  }
  count(): number {
    return this.cells.filter(Boolean).length;
  }
}
