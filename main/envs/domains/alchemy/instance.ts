/**
 * The hidden recipe book of one pack: tiers of randomly named elements, each non-base element made by
 * k recipes (unordered pairs), plus optional dead-end products that lead nowhere.
 */
import { CodError } from '../../../base/errors.ts';
import { Rng } from '../../seed.ts';
import type { AlchemyParams } from './params.ts';
import { pairKey, type Recipe } from './recipes.ts';

export interface Element {
  readonly name: string;
  readonly tier: number;
  /** A dead end is made by a recipe but is an input of none. It is never a target. */
  readonly deadEnd: boolean;
}

export interface RecipeBook {
  readonly tiers: readonly (readonly string[])[];
  readonly elements: ReadonlyMap<string, Element>;
  /** pairKey → product. */
  readonly products: ReadonlyMap<string, string>;
  /** product → its recipes. */
  readonly recipesOf: ReadonlyMap<string, readonly Recipe[]>;
  readonly crossTier: number;
  readonly noise: number;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
/** Words the notes use ("a + b = none", "(tier 2)", "row"): never element names, so notes stay unambiguous. */
const RESERVED = new Set(['none', 'fail', 'fails', 'tier', 'row']);

function freshName(rng: Rng, taken: Set<string>): string {
  for (;;) {
    const len = rng.int(3, 5);
    let name = '';
    for (let i = 0; i < len; i++) name += LETTERS[rng.int(0, 25)];
    if (!taken.has(name) && !RESERVED.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

export function buildRecipeBook(params: AlchemyParams, seed: string, preset: string): RecipeBook {
  const rng = Rng.of('alchemy/instance', seed, preset);
  const tierCount = rng.int(params.minTiers, params.maxTiers);
  const shrink = rng.uniform(params.minShrink, params.maxShrink);
  const crossTier = rng.uniform(0, params.maxCrossTier);
  const noise = rng.uniform(0, params.maxNoise);
  const taken = new Set<string>();
  const tiers: string[][] = [];
  let size = rng.int(params.minBase, params.maxBase);
  for (let t = 0; t < tierCount; t++) {
    tiers.push(Array.from({ length: size }, () => freshName(rng, taken)));
    size = Math.max(1, Math.round(size * shrink));
  }
  const elements = new Map<string, Element>();
  tiers.forEach((names, tier) => names.forEach((name) => elements.set(name, { name, tier, deadEnd: false })));
  const products = new Map<string, string>();
  const recipesOf = new Map<string, Recipe[]>();

  const add = (a: string, b: string, product: string) => {
    products.set(pairKey(a, b), product);
    const list = recipesOf.get(product) ?? [];
    list.push({ a, b, product });
    recipesOf.set(product, list);
  };
  // One input from tier t-1; the other from t-1 too or, with the cross-tier probability, from an earlier tier.
  const drawPair = (t: number): [string, string] => {
    const a = rng.pick(tiers[t - 1]);
    const earlier = t >= 2 && rng.next() < crossTier ? tiers.slice(0, t - 1).flat() : tiers[t - 1];
    return [a, rng.pick(earlier)];
  };
  // When random draws keep hitting used pairs, take the first free pair with an input from tier t-1.
  const freePair = (t: number): [string, string] | undefined => {
    for (let tries = 0; tries < 40; tries++) {
      const [a, b] = drawPair(t);
      if (!products.has(pairKey(a, b))) return [a, b];
    }
    for (const a of tiers[t - 1]) {
      for (const b of tiers.slice(0, t).flat()) if (!products.has(pairKey(a, b))) return [a, b];
    }
    return undefined;
  };

  for (let t = 1; t < tierCount; t++) {
    for (const product of tiers[t]) {
      const k = rng.int(params.minRecipes, params.maxRecipes);
      for (let r = 0; r < k; r++) {
        const pair = freePair(t);
        if (pair) add(pair[0], pair[1], product);
        else if (r === 0) {
          throw new CodError('internal', `no free combination left for ${product} (tier ${t})`, 'alchemy.instance');
        }
      }
    }
  }
  const deadEnds = Math.round(noise * (elements.size - tiers[0].length));
  for (let d = 0; d < deadEnds; d++) {
    const t = rng.int(1, tierCount - 1);
    const pair = freePair(t);
    if (!pair) continue;
    const name = freshName(rng, taken);
    elements.set(name, { name, tier: t, deadEnd: true });
    add(pair[0], pair[1], name);
  }
  return { tiers, elements, products, recipesOf, crossTier, noise };
}

/**
 * Base units of each base element on the cheapest way to make `name` (fewest base units in total): what
 * the limited-materials budget is measured against.
 */
export function baseNeeds(
  book: RecipeBook,
  name: string,
  memo = new Map<string, Map<string, number>>(),
): Map<string, number> {
  const hit = memo.get(name);
  if (hit) return hit;
  const el = book.elements.get(name);
  let best = new Map<string, number>([[name, 1]]);
  if (el && el.tier > 0) {
    let bestTotal = Infinity;
    for (const r of book.recipesOf.get(name) ?? []) {
      const sum = new Map(baseNeeds(book, r.a, memo));
      for (const [k, v] of baseNeeds(book, r.b, memo)) sum.set(k, (sum.get(k) ?? 0) + v);
      const total = [...sum.values()].reduce((x, y) => x + y, 0);
      if (total < bestTotal) {
        bestTotal = total;
        best = sum;
      }
    }
  }
  memo.set(name, best);
  return best;
}
