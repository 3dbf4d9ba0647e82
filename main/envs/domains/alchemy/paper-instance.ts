/**
 * The paper's Alchemy-Random instance (presets 'paper' / 'paper-hard'), generated as the reference generates it:
 * trinity/common/workflows/connect_the_dots/alchemy/random_graph.py (shiweijiezero/Trinity-RFT @ 622ba7ee),
 * RandomGraphGenerator.generate_instance_for_pack (scope per_pack, as every exp_plan_final config sets):
 * - per pack: tiers, base size, shrink, cross-tier probability and noise ratio drawn once; tier t has
 *   max(1, round(size(t-1) · shrink)) elements (Python's round: halves to even); names 3-5 random lowercase letters;
 * - generate_graph / _make_recipe: each element of tier t >= 1 gets randint(min, max) recipes; input 1 from tier t-1,
 *   input 2 from tier t-1 or, with the cross-tier probability, from a tier in [t - max_tier_gap, t - 2] (none exists
 *   when max_tier_gap is 1, the value of every config); up to 50 draws for an unused pair, else the recipe is skipped;
 * - _add_noise: noise_chain_depth rounds of dead-end elements per tier (round(size · ratio), halved after the first
 *   round), each with one recipe; they join their tier's list, so the prompt's tier listing shows them too;
 * - _select_targets: pack_size targets, a tier with weight tier + 1 then an element of it, without replacement,
 *   then shuffled; task i's target is ordered[i % len] (so the schedule depends on the pack size);
 * - _build_instance: tier-0 elements start in the inventory, 1 each (unlimited) or, limited, max(needed,
 *   int(needed · U[1.5, 2.0] + 0.5)) each, `needed` from _trace_solution / _compute_base_counts (quirks kept: the first
 *   recipe of each element, an element expanded once, a reused intermediate counted as needed).
 * The random stream is the workbench's; the procedure and its distributions are the reference's.
 */
import { CodError } from '../../../base/errors.ts';
import { Rng } from '../../seed.ts';

export interface PaperAlchemyParams {
  readonly minTiers: number;
  readonly maxTiers: number;
  readonly minBase: number;
  readonly maxBase: number;
  readonly minShrink: number;
  readonly maxShrink: number;
  readonly minRecipes: number;
  readonly maxRecipes: number;
  readonly maxTierGap: number;
  readonly minCrossTier: number;
  readonly maxCrossTier: number;
  readonly minNoise: number;
  readonly maxNoise: number;
  readonly noiseDepth: number;
  readonly limited: boolean;
  readonly minMaterialMult: number;
  readonly maxMaterialMult: number;
  readonly rounds: number;
}

export interface PaperRecipeBook {
  /** tier → its elements in generation order (noise included, appended). */
  readonly tiers: readonly (readonly string[])[];
  readonly tierOf: ReadonlyMap<string, number>;
  readonly noise: ReadonlySet<string>;
  /** Sorted pair "a+b" → product, in generation order. */
  readonly recipes: ReadonlyMap<string, string>;
}

/** Python's round() on a float: to the nearest integer, halves to the even one. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

export function recipeKey(a: string, b: string): string {
  return a <= b ? `${a}+${b}` : `${b}+${a}`;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function freshName(rng: Rng, taken: Set<string>): string {
  for (;;) {
    const len = rng.int(3, 5);
    let name = '';
    for (let i = 0; i < len; i++) name += LETTERS[rng.int(0, 25)];
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

function makeRecipe(
  rng: Rng,
  tier: number,
  tiers: readonly string[][],
  gap: number,
  cross: number,
  used: ReadonlyMap<string, string>,
): string | undefined {
  for (let attempt = 0; attempt < 50; attempt++) {
    const a = rng.pick(tiers[tier - 1]);
    let b: string;
    if (rng.next() < cross && tier >= 2) {
      const lo = Math.max(0, tier - gap);
      const hi = tier - 2;
      b = lo <= hi ? rng.pick(tiers[rng.int(lo, hi)]) : rng.pick(tiers[tier - 1]);
    } else {
      b = rng.pick(tiers[tier - 1]);
    }
    const key = recipeKey(a, b);
    if (!used.has(key)) return key;
  }
  return undefined;
}

export interface PaperPack {
  readonly book: PaperRecipeBook;
  /** The pack's target schedule (length <= pack size). */
  readonly targets: readonly string[];
}

export function buildPaperPack(params: PaperAlchemyParams, seed: string, preset: string, packSize: number): PaperPack {
  const rng = Rng.of('alchemy/paper-pack', seed, preset);
  const tierCount = rng.int(params.minTiers, params.maxTiers);
  const base = rng.int(params.minBase, params.maxBase);
  const shrink = rng.uniform(params.minShrink, params.maxShrink);
  const cross = rng.uniform(params.minCrossTier, params.maxCrossTier);
  const noiseRatio = rng.uniform(params.minNoise, params.maxNoise);

  const sizes = [base];
  for (let t = 1; t < tierCount; t++) sizes.push(Math.max(1, roundHalfEven(sizes[t - 1] * shrink)));
  const taken = new Set<string>();
  const tiers: string[][] = sizes.map((n) => Array.from({ length: n }, () => freshName(rng, taken)));
  const recipes = new Map<string, string>();
  for (let t = 1; t < tierCount; t++) {
    for (const product of tiers[t]) {
      const k = rng.int(params.minRecipes, params.maxRecipes);
      for (let r = 0; r < k; r++) {
        const key = makeRecipe(rng, t, tiers, params.maxTierGap, cross, recipes);
        if (key !== undefined) recipes.set(key, product);
      }
    }
  }
  const noise = new Set<string>();
  if (noiseRatio > 0) {
    const original = tiers.map((names) => names.length);
    for (let round = 0; round < params.noiseDepth; round++) {
      const added: string[][] = tiers.map(() => []);
      for (let t = 1; t < tierCount; t++) {
        let n = Math.max(0, roundHalfEven(original[t] * noiseRatio));
        if (round > 0) n = Math.max(0, roundHalfEven(n * 0.5));
        for (let i = 0; i < n; i++) {
          const name = freshName(rng, taken);
          const key = makeRecipe(rng, t, tiers, params.maxTierGap, cross, recipes);
          if (key === undefined) continue;
          recipes.set(key, name);
          added[t].push(name);
          noise.add(name);
        }
      }
      added.forEach((names, t) => tiers[t].push(...names));
    }
  }
  const tierOf = new Map<string, number>();
  tiers.forEach((names, t) => names.forEach((n) => tierOf.set(n, t)));

  // _select_targets
  const available = new Map<number, string[]>();
  for (let t = 1; t < tierCount; t++) {
    const c = tiers[t].filter((n) => !noise.has(n));
    if (c.length > 0) available.set(t, c);
  }
  const ordered: string[] = [];
  for (let i = 0; i < packSize; i++) {
    const active = [...available].filter(([, names]) => names.length > 0);
    if (active.length === 0) break;
    // A tier with weight tier + 1 (random.choices), then an element of it (random.choice), removed.
    const total = active.reduce((s, [t]) => s + t + 1, 0);
    let u = rng.next() * total;
    let names = active[active.length - 1][1];
    for (const [t, n] of active) {
      if (u < t + 1) {
        names = n;
        break;
      }
      u -= t + 1;
    }
    ordered.push(names.splice(rng.int(0, names.length - 1), 1)[0]);
  }
  rng.shuffle(ordered);
  if (ordered.length === 0) throw new CodError('bad_config', 'the recipe book has no element to target', 'alchemy');
  return { book: { tiers, tierOf, noise, recipes }, targets: ordered };
}

/** _trace_solution: post-order through the first recipe of each element, each element expanded once. */
export function traceSolution(book: PaperRecipeBook, target: string): Array<[string, string, string]> {
  const first = new Map<string, [string, string]>();
  for (const [key, product] of book.recipes) {
    if (!first.has(product)) first.set(product, key.split('+') as [string, string]);
  }
  const path: Array<[string, string, string]> = [];
  const visited = new Set<string>();
  const expand = (el: string): void => {
    if (visited.has(el)) return;
    visited.add(el);
    const pair = first.get(el);
    if (!pair) return;
    expand(pair[0]);
    expand(pair[1]);
    path.push([pair[0], pair[1], el]);
  };
  expand(target);
  return path;
}

/** _compute_base_counts: what the path uses and has not produced by then (intermediates included). */
export function baseCounts(path: ReadonlyArray<readonly [string, string, string]>): Map<string, number> {
  const counts = new Map<string, number>();
  const have = new Map<string, number>();
  for (const [a, b, product] of path) {
    for (const el of [a, b]) {
      if ((have.get(el) ?? 0) > 0) have.set(el, (have.get(el) ?? 0) - 1);
      else counts.set(el, (counts.get(el) ?? 0) + 1);
    }
    have.set(product, (have.get(product) ?? 0) + 1);
  }
  return counts;
}

export interface PaperAlchemyTask {
  readonly target: string;
  /** Starting units of every tier-0 element (1 when unlimited). */
  readonly baseCount: number;
}

export function paperTask(
  params: PaperAlchemyParams,
  pack: PaperPack,
  seed: string,
  preset: string,
  index: number,
): PaperAlchemyTask {
  const target = pack.targets[index % pack.targets.length];
  if (!params.limited) return { target, baseCount: 1 };
  // The task's own row seed draws its material multiplier (_build_instance with task_rng).
  const rng = Rng.of('alchemy/paper-task', seed, preset, index);
  const counts = [...baseCounts(traceSolution(pack.book, target)).values()];
  const needed = counts.length > 0 ? Math.max(...counts) : 1;
  const mult = rng.uniform(params.minMaterialMult, params.maxMaterialMult);
  return { target, baseCount: Math.max(needed, Math.floor(needed * mult + 0.5)) };
}
