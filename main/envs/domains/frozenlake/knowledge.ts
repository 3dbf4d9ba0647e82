/**
 * What can be known about the hidden action mapping: a set of the 24 candidate mappings (a 24-bit mask),
 * narrowed by observed moves, plus claims read from notes. Claims are soft (notes may be wrong);
 * observations are hard.
 */
import { ALL_MAPPINGS, DELTA, DIRECTIONS, directionNamed, moveDirection, type Direction } from './directions.ts';
import type { LastMove } from './view.ts';

export const ALL_CANDIDATES = (1 << ALL_MAPPINGS.length) - 1;

/** dirIndex[m][code-1]: index into DIRECTIONS of the direction mapping m gives to a code. */
export const DIR_INDEX: readonly (readonly number[])[] = ALL_MAPPINGS.map((m) => m.map((d) => DIRECTIONS.indexOf(d)));

/** A fact about one code: it maps to one of `dirs` (exactly known when there is one). */
export interface Claim {
  readonly code: number;
  readonly dirs: readonly Direction[];
}

export function maskWhere(code: number, dirs: readonly Direction[]): number {
  const allowed = dirs.map((d) => DIRECTIONS.indexOf(d));
  let mask = 0;
  DIR_INDEX.forEach((m, i) => {
    if (allowed.includes(m[code - 1])) mask |= 1 << i;
  });
  return mask;
}

/** Directions that leave the grid from `cell` (what a "did not change" feedback allows). */
export function edgeDirections(size: number, cell: readonly [number, number]): Direction[] {
  return DIRECTIONS.filter((d) => {
    const r = cell[0] + DELTA[d][0];
    const c = cell[1] + DELTA[d][1];
    return r < 0 || r >= size || c < 0 || c >= size;
  });
}

/** Narrow the candidates by one move's feedback. */
export function observeMove(mask: number, size: number, last: LastMove): number {
  if (last.code < 1 || last.code > 4) return mask;
  if (last.result === 'blocked') return mask & maskWhere(last.code, edgeDirections(size, last.from));
  const dir = moveDirection(last.from, last.to);
  return dir ? mask & maskWhere(last.code, [dir]) : mask;
}

const CODE_MENTION = /(?:direction|code|action)\s*#?\s*([1-4])(?!\d)/gi;
const DIRECTION_WORD = /\b(down|right|up|left)\b/gi;
/** "Down 3", "- Down: 3", "Down = Direction 3": a direction and then its code, alone on a line. */
const DIRECTION_FIRST =
  /^\s*(?:[-*]\s*)?(down|right|up|left)\s*(?::|=|->|→|\bis\b)?\s*(?:(?:direction|code|action)\s*#?\s*)?([1-4])\s*\.?\s*$/i;
const NEGATION = /\b(not|never|isn't|isnt)\b|≠|!=/i;

/**
 * Read claims like "Down 1", "Direction 1 = Down", "code 3 is Up or Left", "Direction 2 is not Left" from any text.
 * Text that says nothing recognisable yields no claims.
 */
export function parseClaims(text: string): Claim[] {
  const claims: Claim[] = [];
  for (const line of text.split('\n')) {
    const first = DIRECTION_FIRST.exec(line);
    const named = first ? directionNamed(first[1]) : undefined;
    if (first && named) {
      claims.push({ code: Number(first[2]), dirs: [named] });
      continue;
    }
    const hits = [...line.matchAll(CODE_MENTION)];
    hits.forEach((hit, i) => {
      const from = (hit.index ?? 0) + hit[0].length;
      const to = i + 1 < hits.length ? (hits[i + 1].index ?? line.length) : line.length;
      const segment = line.slice(from, to);
      const named = [...segment.matchAll(DIRECTION_WORD)]
        .map((w) => directionNamed(w[1]))
        .filter((d): d is Direction => d !== undefined);
      if (named.length === 0) return;
      const dirs = NEGATION.test(segment) ? DIRECTIONS.filter((d) => !named.includes(d)) : [...new Set(named)];
      if (dirs.length > 0 && dirs.length < 4) claims.push({ code: Number(hit[1]), dirs });
    });
  }
  return claims;
}

/** Apply claims to the hard candidates in order, skipping any claim the evidence already contradicts. */
export function applyClaims(mask: number, claims: readonly Claim[]): number {
  let out = mask;
  for (const c of claims) {
    const next = out & maskWhere(c.code, c.dirs);
    if (next !== 0) out = next;
  }
  return out;
}

/**
 * Prior weight of each candidate given the claims: a mapping that disagrees with a claim is `doubt` times less
 * likely, so wrong notes are overturned by evidence instead of trusted blindly.
 */
export function claimWeights(claims: readonly Claim[], doubt = 0.05): Float64Array {
  const w = new Float64Array(ALL_MAPPINGS.length).fill(1);
  for (const c of claims) {
    const ok = maskWhere(c.code, c.dirs);
    for (let i = 0; i < w.length; i++) if (!(ok & (1 << i))) w[i] *= doubt;
  }
  return w;
}

/** The claims a candidate set supports: per code, the directions still possible (when not all four). */
export function claimsOf(mask: number): Claim[] {
  const out: Claim[] = [];
  for (let code = 1; code <= 4; code++) {
    const seen = new Set<number>();
    DIR_INDEX.forEach((m, i) => {
      if (mask & (1 << i)) seen.add(m[code - 1]);
    });
    if (seen.size > 0 && seen.size < 4) {
      out.push({ code, dirs: DIRECTIONS.filter((_, k) => seen.has(k)) });
    }
  }
  return out;
}

/**
 * A known code is written direction first ("Down 3"): a model that has just named the direction it wants finds the
 * code as the token after that direction in its notes — the one-hop copy small transformers learn first. An
 * uncertain code keeps the code-first form ("Direction 2 = Down or Up").
 */
export function claimText(c: Claim): string {
  return c.dirs.length === 1 ? `${c.dirs[0]} ${c.code}` : `Direction ${c.code} = ${c.dirs.join(' or ')}`;
}
