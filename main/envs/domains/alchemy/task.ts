/** Alchemy tasks: the pack's target sequence and each task's starting materials. */
import { Rng } from '../../seed.ts';
import { baseNeeds, type RecipeBook } from './instance.ts';
import type { AlchemyParams } from './params.ts';

export interface AlchemyTask {
  readonly target: string;
  readonly targetTier: number;
  /** Starting units of each base element; null = unlimited. */
  readonly baseCount: number | null;
}

/** Targets are drawn in blocks of the evaluation pack size and shuffled inside each block (see TargetSequence). */
export const TARGET_BLOCK = 8;

/**
 * The pack's targets: a tier drawn with weight (tier + 1), then an element of it, without replacement across the
 * pack (the pool refills once every element has been a target). (ours) Each block of TARGET_BLOCK draws is then
 * shuffled: the weighted draw alone empties the small deep tiers first, which makes position 0 systematically
 * the hardest and lets reward rise with position even without memory (a fake CoD effect). Shuffling keeps
 * which targets a pack holds and makes every position equally hard. Computed from the start, so task i is the
 * same whichever tasks were opened before.
 */
export class TargetSequence {
  private readonly rng: Rng;
  private readonly drawn: string[] = [];
  private pool: string[][] = [];

  constructor(
    private readonly book: RecipeBook,
    seed: string,
    preset: string,
  ) {
    this.rng = Rng.of('alchemy/targets', seed, preset);
  }

  at(index: number): string {
    while (this.drawn.length <= index) {
      const block = Array.from({ length: TARGET_BLOCK }, () => this.next());
      this.drawn.push(...this.rng.shuffle(block));
    }
    return this.drawn[index];
  }

  private next(): string {
    if (this.pool.every((names) => names.length === 0)) {
      this.pool = this.book.tiers.map((names) => names.filter((n) => !this.book.elements.get(n)?.deadEnd));
      this.pool[0] = [];
    }
    const tiers = this.pool.map((names, tier) => ({ tier, weight: names.length > 0 ? tier + 1 : 0 }));
    const total = tiers.reduce((s, t) => s + t.weight, 0);
    let u = this.rng.next() * total;
    let tier = tiers.findLast((t) => t.weight > 0)?.tier ?? 1;
    for (const t of tiers) {
      if (t.weight > 0 && u < t.weight) {
        tier = t.tier;
        break;
      }
      u -= t.weight;
    }
    const names = this.pool[tier];
    return names.splice(this.rng.int(0, names.length - 1), 1)[0];
  }
}

export function makeTask(
  params: AlchemyParams,
  book: RecipeBook,
  targets: TargetSequence,
  seed: string,
  preset: string,
  index: number,
): AlchemyTask {
  const target = targets.at(index);
  const targetTier = book.elements.get(target)?.tier ?? 1;
  if (!params.limited) return { target, targetTier, baseCount: null };
  const rng = Rng.of('alchemy/task', seed, preset, index);
  // One budget for every base element, so the counts do not give away which ones the target needs.
  const maxNeed = Math.max(...baseNeeds(book, target).values());
  return { target, targetTier, baseCount: Math.ceil(maxNeed * rng.uniform(params.minSurplus, params.maxSurplus)) };
}
