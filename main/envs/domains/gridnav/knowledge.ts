/**
 * The GridNav oracle's knowledge of the cost map: revealed costs, read from notes ("row 3: 12 5 ? 40 …")
 * and from the view, and written back as notes one row per bullet.
 */
import type { Rng } from '../../seed.ts';
import { noteSection } from '../shared/notes.ts';
import type { GridNavView } from './view.ts';

export type CostRows = (number | null)[][];

export function unknownMap(size: number): CostRows {
  return Array.from({ length: size }, () => new Array<number | null>(size).fill(null));
}

const ROW_LINE = /\brow\s*(\d{1,3})\s*:\s*([^\n]*)/gi;

/** Read "row r: v0 v1 ? …" lines into a size×size map; anything unreadable stays unknown. */
export function parseCostNotes(text: string, size: number): CostRows {
  const map = unknownMap(size);
  for (const m of text.matchAll(ROW_LINE)) {
    const r = Number(m[1]);
    if (r >= size) continue;
    const tokens = m[2].split(/[\s,]+/).filter((t) => t !== '');
    tokens.slice(0, size).forEach((t, c) => {
      if (/^\d{1,2}$/.test(t)) map[r][c] = Number(t);
    });
  }
  return map;
}

/** The view's revealed costs, with note costs filling the cells the view does not show. */
export function mergeCosts(view: GridNavView, notes: CostRows): CostRows {
  return view.costs.map((row, r) => row.map((v, c) => v ?? notes[r]?.[c] ?? null));
}

export type RowFact = { readonly row: number; readonly values: readonly (number | null)[] };

export function rowFacts(map: CostRows): RowFact[] {
  return map.map((values, row) => ({ row, values })).filter((f) => f.values.some((v) => v !== null));
}

/** A corrupted row: every known cost shifted by up to ±40 (clipped to 0–99). */
export function corruptRow(f: RowFact, rng: Rng): RowFact {
  return {
    row: f.row,
    values: f.values.map((v) => (v === null ? null : Math.min(99, Math.max(0, v + rng.int(-40, 40))))),
  };
}

export function rowFactsText(facts: readonly RowFact[]): string {
  return noteSection(
    'Cost map seen so far (row: costs by column, ? = unknown)',
    facts.map((f) => `row ${f.row}: ${f.values.map((v) => (v === null ? '?' : String(v))).join(' ')}`),
  );
}
