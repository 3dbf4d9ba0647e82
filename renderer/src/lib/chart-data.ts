/**
 * A chart's lines as a table: one row per x, one column per line (what the chart's table view and its CSV export
 * show). Pure, so it is tested without a DOM.
 */
export interface TableLine {
  readonly name: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number | null>;
}

export interface ChartTable {
  readonly columns: string[];
  /** [x, value per column] (null where a line has no point at that x). */
  readonly rows: (number | null)[][];
}

/** Rows for every x of any line within [lo, hi] (all when no range), in x order. */
export function chartTable(lines: readonly TableLine[], range: readonly [number, number] | null = null): ChartTable {
  const byX = new Map<number, (number | null)[]>();
  lines.forEach((l, j) => {
    const n = Math.min(l.x.length, l.y.length);
    for (let i = 0; i < n; i++) {
      const x = l.x[i];
      if (range && (x < range[0] || x > range[1])) continue;
      let row = byX.get(x);
      if (!row) {
        row = new Array<number | null>(lines.length).fill(null);
        byX.set(x, row);
      }
      row[j] = l.y[i];
    }
  });
  const xs = [...byX.keys()].sort((a, b) => a - b);
  return { columns: lines.map((l) => l.name), rows: xs.map((x) => [x, ...byX.get(x)!]) };
}

/** RFC 4180 CSV: a header row, then the rows; empty cells for missing values, full precision for numbers. */
export function toCsv(xName: string, t: ChartTable): string {
  const cell = (v: string | number | null) => {
    if (v === null) return '';
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [[xName, ...t.columns], ...t.rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** A file name from a chart title. */
export function fileName(title: string, ext: string): string {
  return `${title.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'chart'}.${ext}`;
}
