/**
 * Square-grid geometry and its text renderings, shared by the grid domains (FrozenLake, GridNav).
 * Cells are (row, col), 0-indexed, row 0 at the top.
 */
import type { Rendering } from '../../sdk.ts';

export type Cell = readonly [row: number, col: number];

export function inBounds(size: number, row: number, col: number): boolean {
  return row >= 0 && row < size && col >= 0 && col < size;
}

export function sameCell(a: Cell, b: Cell): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

export function cellText(cell: Cell): string {
  return `(${cell[0]},${cell[1]})`;
}

/** Cells within Chebyshev distance `radius` of `cell`, clipped to the grid. */
export function chebyshevBlock(size: number, cell: Cell, radius: number): Cell[] {
  const out: Cell[] = [];
  for (let r = Math.max(0, cell[0] - radius); r <= Math.min(size - 1, cell[0] + radius); r++) {
    for (let c = Math.max(0, cell[1] - radius); c <= Math.min(size - 1, cell[1] + radius); c++) out.push([r, c]);
  }
  return out;
}

/**
 * Parse "r,c", "(r, c)" or "r c" (nothing else around it). Returns undefined when the text is not a cell;
 * bounds are the caller's business. Digits are capped so a huge number cannot turn into Infinity.
 */
export function parseCell(text: string): Cell | undefined {
  const m = /^\s*\(?\s*(-?\d{1,6})\s*(?:,|\s)\s*(-?\d{1,6})\s*\)?\s*$/.exec(text);
  if (!m) return undefined;
  return [Number(m[1]), Number(m[2])];
}

/**
 * A grid of one-character tiles. `chat` adds row and column labels so coordinates can be read off;
 * `compact` is the bare rows (the coordinates are still given explicitly in the observation).
 */
export function renderTileGrid(rows: readonly string[], rendering: Rendering): string {
  if (rendering === 'compact') return rows.join('\n');
  const size = rows.length;
  const width = String(size - 1).length;
  const header = ' '.repeat(width + 2) + Array.from({ length: size }, (_, c) => String(c).padStart(width)).join(' ');
  const body = rows.map(
    (row, r) => `${String(r).padStart(width)}  ${[...row].map((ch) => ch.padStart(width)).join(' ')}`,
  );
  return [header, ...body].join('\n');
}

/** A grid of numbers with `?` for unknown cells (GridNav's cost map). */
export function renderNumberGrid(values: readonly (readonly (number | null)[])[], rendering: Rendering): string {
  const text = (v: number | null) => (v === null ? '?' : String(v));
  if (rendering === 'compact') return values.map((row, r) => `${r}: ${row.map(text).join(' ')}`).join('\n');
  const size = values.length;
  const header = '     ' + Array.from({ length: size }, (_, c) => String(c).padStart(3)).join('');
  const body = values.map((row, r) => `${String(r).padStart(3)}  ${row.map((v) => text(v).padStart(3)).join('')}`);
  return [header, ...body].join('\n');
}
