/**
 * The Alchemy oracle's choice of combination. With a known derivation of the target it follows it; otherwise
 * it builds towards the target's tier: a tier-t element needs a tier t-1 input, and most recipes pair two
 * elements of the same tier, so it tries untried same-tier pairs from tier t-1 downwards, crafting elements it
 * already knows how to make when that opens new pairs, and only then cross-tier pairs. Known failures are
 * never retried. Deterministic (names are random, so name order is an unbiased tie-break).
 */
import { pairKey } from './recipes.ts';
import type { Knowledge, KnownRecipe } from './knowledge.ts';
import type { AlchemyView } from './view.ts';

type Pair = readonly [string, string];
type Resolution = { readonly action: Pair } | 'have' | 'stuck';

export function chooseCombination(k: Knowledge, v: AlchemyView): Pair {
  const count = new Map(v.inventory.map((it) => [it.name, it.count ?? Infinity]));
  const held = (name: string) => count.get(name) ?? 0;
  const tierOf = new Map(v.inventory.map((it) => [it.name, it.tier]));
  for (const r of k.recipes.values()) if (r.tier !== null && !tierOf.has(r.product)) tierOf.set(r.product, r.tier);
  const recipeTier = (r: KnownRecipe): number | null => {
    if (r.tier !== null) return r.tier;
    const ta = tierOf.get(r.a);
    const tb = tierOf.get(r.b);
    return ta === undefined || tb === undefined ? null : Math.max(ta, tb) + 1;
  };
  const usable = (a: string, b: string) => (a === b ? held(a) >= 2 : held(a) >= 1 && held(b) >= 1);
  const byProduct = new Map<string, KnownRecipe[]>();
  for (const r of k.recipes.values()) byProduct.set(r.product, [...(byProduct.get(r.product) ?? []), r]);

  // Depth-first through known recipes: the next craft on the way to `name`.
  const resolve = (name: string, visiting: Set<string>): Resolution => {
    if (held(name) >= 1) return 'have';
    if (visiting.has(name)) return 'stuck';
    visiting.add(name);
    const recipes = (byProduct.get(name) ?? [])
      .slice()
      .sort((x, y) => Number(usable(y.a, y.b)) - Number(usable(x.a, x.b)));
    for (const r of recipes) {
      if (usable(r.a, r.b)) return { action: [r.a, r.b] };
      if (r.a === r.b && held(r.a) === 1) continue;
      let stuck = false;
      for (const input of [r.a, r.b]) {
        const sub = resolve(input, visiting);
        if (sub === 'stuck') stuck = true;
        else if (sub !== 'have') return sub;
      }
      if (!stuck && usable(r.a, r.b)) return { action: [r.a, r.b] };
    }
    return 'stuck';
  };

  const direct = resolve(v.target, new Set());
  if (typeof direct === 'object') return direct.action;

  const names = v.inventory
    .filter((it) => held(it.name) >= 1)
    .map((it) => it.name)
    .sort();
  const untried = (a: string, b: string) => !k.recipes.has(pairKey(a, b)) && !k.failed.has(pairKey(a, b));
  const pairsWhere = (ok: (ta: number, tb: number) => boolean): Pair[] => {
    const out: Pair[] = [];
    names.forEach((a, i) => {
      for (const b of names.slice(i)) {
        const ta = tierOf.get(a) ?? 0;
        const tb = tierOf.get(b) ?? 0;
        if (ok(ta, tb) && untried(a, b) && usable(a, b)) out.push([a, b]);
      }
    });
    return out;
  };

  for (let level = v.targetTier - 1; level >= 0; level--) {
    const same = pairsWhere((ta, tb) => ta === level && tb === level);
    if (same.length > 0) return same[0];
    for (const r of k.recipes.values()) {
      if (recipeTier(r) !== level || held(r.product) >= 1) continue;
      const step = resolve(r.product, new Set());
      if (typeof step === 'object') return step.action;
    }
  }
  for (let level = v.targetTier - 1; level >= 1; level--) {
    const cross = pairsWhere((ta, tb) => Math.max(ta, tb) === level && Math.min(ta, tb) < level);
    if (cross.length > 0) return cross[0];
  }
  const anyUntried = pairsWhere(() => true);
  if (anyUntried.length > 0) return anyUntried[0];
  // Nothing left to learn with what is held: repeat a harmless combination (or any, if none is usable).
  for (const a of names) for (const b of names) if (usable(a, b)) return [a, b];
  const first = v.inventory[0]?.name ?? v.target;
  return [first, first];
}
