/**
 * The oracle's knowledge of a recipe book: combinations known to work (with the product's tier) and
 * combinations known to fail, read from notes and from an episode's view, and written back as notes.
 */
import type { Rng } from '../../seed.ts';
import { noteSection } from '../shared/notes.ts';
import { pairKey, pairText } from './recipes.ts';
import type { AlchemyView } from './view.ts';

export interface KnownRecipe {
  readonly a: string;
  readonly b: string;
  readonly product: string;
  readonly tier: number | null;
}

export interface Knowledge {
  /** pairKey → recipe. */
  readonly recipes: Map<string, KnownRecipe>;
  /** pairKey → the sorted pair. */
  readonly failed: Map<string, readonly [string, string]>;
}

const FACT =
  /\b([a-z]{1,20})\s*\+\s*([a-z]{1,20})\s*(?:=|->|→|makes|gives)\s*([a-z]{1,20})(?:\s*\(\s*tier\s*(\d{1,3})\s*\))?/gi;
const NOTHING = new Set(['nothing', 'none', 'fail', 'failed', 'fails']);

export function emptyKnowledge(): Knowledge {
  return { recipes: new Map(), failed: new Map() };
}

function sorted(a: string, b: string): [string, string] {
  return a <= b ? [a, b] : [b, a];
}

/** Read "a + b = c (tier 2)" and "a + b = nothing" facts from any text (case-insensitive). */
export function parseKnowledge(text: string): Knowledge {
  const k = emptyKnowledge();
  for (const m of text.matchAll(FACT)) {
    const [a, b] = sorted(m[1].toLowerCase(), m[2].toLowerCase());
    const product = m[3].toLowerCase();
    const key = pairKey(a, b);
    if (NOTHING.has(product)) {
      if (!k.recipes.has(key)) k.failed.set(key, [a, b]);
    } else {
      k.failed.delete(key);
      k.recipes.set(key, { a, b, product, tier: m[4] === undefined ? null : Number(m[4]) });
    }
  }
  return k;
}

/** Notes overlaid with what this episode observed: observation wins over a note about the same pair. */
export function withEpisode(notes: Knowledge, v: AlchemyView): Knowledge {
  const k: Knowledge = { recipes: new Map(notes.recipes), failed: new Map(notes.failed) };
  for (const r of v.recipes) {
    const key = pairKey(r.a, r.b);
    k.failed.delete(key);
    k.recipes.set(key, { a: r.a, b: r.b, product: r.product, tier: r.tier });
  }
  for (const [a, b] of v.failed) {
    const key = pairKey(a, b);
    k.recipes.delete(key);
    k.failed.set(key, sorted(a, b));
  }
  return k;
}

type Fact = { kind: 'recipe'; recipe: KnownRecipe } | { kind: 'failed'; pair: readonly [string, string] };

export function factsOf(k: Knowledge): Fact[] {
  return [
    ...[...k.recipes.values()].map((recipe): Fact => ({ kind: 'recipe', recipe })),
    ...[...k.failed.values()].map((pair): Fact => ({ kind: 'failed', pair })),
  ];
}

/** A corrupted fact: a recipe with a wrong product, or a failure reported for the wrong pair. */
export function corruptFact(f: Fact, rng: Rng, names: readonly string[]): Fact {
  const other = (not: string) => {
    const pool = names.filter((n) => n !== not);
    return pool.length > 0 ? rng.pick(pool) : not;
  };
  if (f.kind === 'recipe') return { kind: 'recipe', recipe: { ...f.recipe, product: other(f.recipe.product) } };
  const [a, b] = f.pair;
  return { kind: 'failed', pair: sorted(a, other(b)) };
}

export function factsText(facts: readonly Fact[]): string[] {
  const recipes = facts
    .filter((f): f is Extract<Fact, { kind: 'recipe' }> => f.kind === 'recipe')
    .map(({ recipe: r }) => `${pairText(r.a, r.b)} = ${r.product}${r.tier === null ? '' : ` (tier ${r.tier})`}`);
  const failed = facts
    .filter((f): f is Extract<Fact, { kind: 'failed' }> => f.kind === 'failed')
    .map(({ pair }) => `${pairText(pair[0], pair[1])} = nothing`);
  return [noteSection('Alchemy recipes that work', recipes), noteSection('Combinations that make nothing', failed)];
}
