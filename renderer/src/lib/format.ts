/** Small display helpers. */
export function fmtNum(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return v.toFixed(digits);
}

export function fmtTime(ms: number): string {
  return new Date(ms).toLocaleString();
}

export function fmtAgo(ms: number, now = Date.now()): string {
  const s = Math.round((now - ms) / 1000);
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** A reward in [0, 1] as a background colour (red -> green), for reward-by-position cells. */
export function rewardColor(r: number | null): string {
  if (r === null) return 'transparent';
  const t = Math.max(0, Math.min(1, r));
  return `hsla(${Math.round(t * 120)}, 70%, 45%, 0.35)`;
}

/** Errors as one readable line. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * Decimals an axis's tick labels start from: those of a fifth of the range (ECharts puts about 5 "nice" ticks on
 * it); fmtAxis adds more to a tick that needs them.
 */
export function axisDecimals(lo: number, hi: number): number {
  const range = hi - lo;
  const scale = range > 0 && Number.isFinite(range) ? range / 5 : Math.max(Math.abs(lo), Math.abs(hi)) / 50;
  if (!(scale > 0) || !Number.isFinite(scale)) return 2;
  return Math.max(0, Math.min(12, Math.ceil(-Math.log10(scale) - 1e-9)));
}

/**
 * An axis tick label on an axis spanning [lo, hi]: at least axisDecimals(lo, hi) digits after the point, more when
 * the tick itself needs them (a 0.0025 interval), so two ticks never print the same; huge or tiny ticks as 1.5e-7.
 */
export function fmtAxis(v: number, lo: number, hi: number): string {
  if (!Number.isFinite(v)) return String(v);
  const base = axisDecimals(lo, hi);
  if (v === 0) return (0).toFixed(Math.min(base, 6));
  const tol = (hi - lo > 0 ? hi - lo : Math.abs(v)) * 1e-6;
  let d = base;
  while (d < base + 4 && Math.abs(Number(v.toFixed(d)) - v) > tol) d++;
  const a = Math.abs(v);
  if (a >= 1e6 || d > 6) return v.toExponential(Math.max(1, Math.min(6, d + Math.floor(Math.log10(a)))));
  const s = v.toFixed(d);
  return Number(s) === 0 ? (0).toFixed(d) : s; // never "-0.00"
}

/** A duration for people: 45 s, 3 min 20 s, 2 h 05 min. */
export function fmtDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${String(m % 60).padStart(2, '0')} min`;
}
