/**
 * The scripted oracles' notes: reading the hint text back and writing facts with controlled imperfection.
 * Notes are Markdown (bullets, headings no higher than level 3) so an LLM could have written them too.
 */
import { Rng } from '../../seed.ts';

/** The hint body without the "Hints:" prefix; '' for the null / unavailable contexts. */
export function hintBody(hints: string): string {
  if (typeof hints !== 'string') return '';
  const body = hints.replace(/^\s*Hints:\s*/i, '');
  return /^\s*(null|no hint available\.?)\s*$/i.test(body) ? '' : body;
}

/**
 * Apply note noise: each fact survives with probability 1 - noise; otherwise it is dropped or corrupted
 * with equal chance. The corruption is domain-specific (a wrong direction, a wrong product, a wrong cost).
 */
export function noisyFacts<T>(facts: readonly T[], noise: number, rng: Rng, corrupt: (fact: T, rng: Rng) => T): T[] {
  const out: T[] = [];
  for (const fact of facts) {
    if (noise <= 0 || rng.next() >= noise) out.push(fact);
    else if (rng.next() < 0.5) out.push(corrupt(fact, rng));
  }
  return out;
}

/** A Markdown section: a level-3 heading and one bullet per line (nothing when there are no lines). */
export function noteSection(heading: string, lines: readonly string[]): string {
  if (lines.length === 0) return '';
  return [`### ${heading}`, ...lines.map((l) => `- ${l}`)].join('\n');
}

export function joinSections(sections: readonly string[]): string {
  const kept = sections.filter((s) => s !== '');
  return kept.length > 0 ? kept.join('\n\n') : '- Nothing learned yet.';
}
