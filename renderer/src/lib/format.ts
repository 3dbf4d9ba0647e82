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
