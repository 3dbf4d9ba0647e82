/** Colours that carry meaning: one per run (overlays), and an ordered scale for checkpoints (early -> late). */

/** Tableau 10: distinct hues, readable on light and dark backgrounds. */
export const RUN_PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** Viridis stops (perceptually ordered: later checkpoints darker/greener-yellow read as "later"). */
const VIRIDIS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

function hex(c: string): [number, number, number] {
  return [parseInt(c.slice(1, 3), 16), parseInt(c.slice(3, 5), 16), parseInt(c.slice(5, 7), 16)];
}

/** The colour of item i of n on the ordered scale (one item: the scale's middle). */
export function orderedColour(i: number, n: number): string {
  const t = n <= 1 ? 0.5 : i / (n - 1);
  const x = t * (VIRIDIS.length - 1);
  const j = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - j;
  const a = hex(VIRIDIS[j]);
  const b = hex(VIRIDIS[j + 1]);
  const c = a.map((v, k) => Math.round(v + (b[k] - v) * f));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** Metrics of one run told apart by dash when colour tells runs apart. */
export const DASHES = ['solid', 'dashed', 'dotted'] as const;
