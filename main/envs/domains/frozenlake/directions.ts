/** The four moves and the 24 ways the obscure action codes 1..4 can map onto them. */

export const DIRECTIONS = ['Down', 'Right', 'Up', 'Left'] as const;
export type Direction = (typeof DIRECTIONS)[number];

/** (row, col) step of each move; row 0 is the top row, so Down increases the row. */
export const DELTA: Readonly<Record<Direction, readonly [number, number]>> = {
  Down: [1, 0],
  Right: [0, 1],
  Up: [-1, 0],
  Left: [0, -1],
};

/** A mapping: entry k is the direction of action code k + 1. */
export type ActionMapping = readonly Direction[];

function permutations(items: readonly Direction[]): Direction[][] {
  if (items.length <= 1) return [items.slice()];
  const out: Direction[][] = [];
  items.forEach((first, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) out.push([first, ...rest]);
  });
  return out;
}

/** All 24 mappings in a fixed order; index 0 is the canonical 1=Down, 2=Right, 3=Up, 4=Left. */
export const ALL_MAPPINGS: readonly ActionMapping[] = permutations(DIRECTIONS);

/** The direction of a one-tile move from `from` to `to`, or undefined when it is not one. */
export function moveDirection(from: readonly [number, number], to: readonly [number, number]): Direction | undefined {
  return DIRECTIONS.find((d) => from[0] + DELTA[d][0] === to[0] && from[1] + DELTA[d][1] === to[1]);
}

/** Direction word (any case) to Direction, or undefined. */
export function directionNamed(word: string): Direction | undefined {
  const w = word.toLowerCase();
  return DIRECTIONS.find((d) => d.toLowerCase() === w);
}
