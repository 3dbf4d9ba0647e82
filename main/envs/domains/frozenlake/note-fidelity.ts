/**
 * How faithfully a set of notes records the codes a trajectory revealed: for each code the notes pin to one
 * direction, whether the trajectory's move feedback showed that code moving that way. It measures the writing of
 * notes apart from their use (a model can read notes well and still write wrong ones), from the update episode's
 * own prompt, with no access to the hidden mapping. Reads the compact rendering's feedback (render.ts).
 */
import { hintBody } from '../shared/notes.ts';
import { DIRECTIONS, type Direction } from './directions.ts';
import { parseClaims } from './knowledge.ts';

/** Compact move feedback: `Direction 3: (0,1)->(1,1) Down 3` (blocked moves show no direction and are skipped). */
const COMPACT_MOVE = new RegExp(`Direction (\\d): \\(\\d+,\\d+\\)->\\(\\d+,\\d+\\) (${DIRECTIONS.join('|')}) \\d`, 'g');

export interface NoteFidelity {
  /** Codes pinned to the direction the trajectory showed. */
  readonly right: number;
  /** Codes pinned to another direction than the trajectory showed. */
  readonly wrong: number;
  /** Codes pinned although this trajectory did not show them (carried over, deduced or invented). */
  readonly unobserved: number;
  /** Codes the trajectory showed that the notes do not pin. */
  readonly missed: number;
}

/** The direction each code moved in this trajectory text. */
export function observedCodes(trajectory: string): Map<number, Direction> {
  const seen = new Map<number, Direction>();
  for (const m of trajectory.matchAll(COMPACT_MOVE)) seen.set(Number(m[1]), m[2] as Direction);
  return seen;
}

export function noteFidelity(trajectory: string, notes: string): NoteFidelity {
  const seen = observedCodes(trajectory);
  const pinned = parseClaims(hintBody(notes)).filter((c) => c.dirs.length === 1);
  let right = 0;
  let wrong = 0;
  let unobserved = 0;
  for (const c of pinned) {
    const d = seen.get(c.code);
    if (d === undefined) unobserved++;
    else if (d === c.dirs[0]) right++;
    else wrong++;
  }
  const named = new Set(pinned.map((c) => c.code));
  const missed = [...seen.keys()].filter((code) => !named.has(code)).length;
  return { right, wrong, unobserved, missed };
}
