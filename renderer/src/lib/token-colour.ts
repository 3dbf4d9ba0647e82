/**
 * Token tints for Replay, one rule per colouring, shared by the tokens and their legend so the scale shown is the
 * scale used: log-prob (tint grows as p falls), surprisal −log p (saturates at 3.6 nats), advantage (green above 0,
 * red below, saturating at ±1).
 */
export type ColourBy = 'none' | 'logprob' | 'advantage' | 'surprisal';

/** Surprisal at which the tint stops growing (nats; p ≈ 0.027). */
export const SURPRISAL_MAX = 3.6;

export function tokenColour(by: ColourBy, lp: number | null, adv: number | null): string {
  switch (by) {
    case 'logprob': {
      if (lp === null) return 'transparent';
      const p = Math.exp(lp); // 1 = certain (no tint), 0 = very unlikely (strong tint)
      return `hsla(30, 95%, 50%, ${(0.6 * (1 - p)).toFixed(3)})`;
    }
    case 'surprisal': {
      if (lp === null) return 'transparent';
      return `hsla(280, 70%, 55%, ${Math.min(0.6, (0.6 * -lp) / SURPRISAL_MAX).toFixed(3)})`;
    }
    case 'advantage': {
      if (adv === null) return 'transparent';
      const a = Math.max(-1, Math.min(1, adv));
      return a >= 0 ? `hsla(130, 60%, 45%, ${(0.55 * a).toFixed(3)})` : `hsla(0, 75%, 55%, ${(-0.55 * a).toFixed(3)})`;
    }
    default:
      return 'transparent';
  }
}

/** The legend of a colouring: stops from one end to the other, each a value, its label and its tint. */
export function legendStops(by: ColourBy): { value: string; colour: string }[] {
  switch (by) {
    case 'logprob':
      return [1, 0.75, 0.5, 0.25, 0].map((p) => ({
        value: `p ${p}`,
        colour: tokenColour('logprob', p === 0 ? -Infinity : Math.log(p), null),
      }));
    case 'surprisal':
      return [0, 0.9, 1.8, 2.7, SURPRISAL_MAX].map((s) => ({
        value: `${s === SURPRISAL_MAX ? '≥ ' : ''}${s} nats`,
        colour: tokenColour('surprisal', -s, null),
      }));
    case 'advantage':
      return [-1, -0.5, 0, 0.5, 1].map((a) => ({
        value: `${a === -1 ? '≤ ' : a === 1 ? '≥ ' : ''}${a > 0 ? '+' : ''}${a}`,
        colour: tokenColour('advantage', null, a),
      }));
    default:
      return [];
  }
}
