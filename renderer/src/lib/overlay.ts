/**
 * How a panel's lines are coloured: one run alone keeps a colour per metric; several runs take a colour each (so
 * runs are told apart at a glance) and their metrics differ by shade and dash.
 */
import { DASHES, RUN_PALETTE } from './colours.ts';

export interface LineStyle {
  readonly color: string;
  readonly dash: (typeof DASHES)[number];
}

/** Mix a #rrggbb colour toward white (t > 0) or black (t < 0). */
export function shade(color: string, t: number): string {
  const c = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  const to = t > 0 ? 255 : 0;
  const a = Math.abs(t);
  return `#${c
    .map((v) =>
      Math.round(v + (to - v) * a)
        .toString(16)
        .padStart(2, '0'),
    )
    .join('')}`;
}

export function lineStyle(runIndex: number, runs: number, metricIndex: number, metrics: number): LineStyle {
  if (runs <= 1) return { color: RUN_PALETTE[metricIndex % RUN_PALETTE.length], dash: 'solid' };
  const base = RUN_PALETTE[runIndex % RUN_PALETTE.length];
  // Shades from darker to lighter across the run's metrics; dashes repeat every three.
  const t = metrics <= 1 ? 0 : -0.35 + (0.7 * metricIndex) / (metrics - 1);
  return { color: shade(base, t), dash: DASHES[metricIndex % DASHES.length] };
}
