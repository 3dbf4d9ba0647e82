/** The Alchemy solve episode: combine inventory elements until the target exists or rounds/materials run out. */
import type { Rendering, StepResult } from '../../sdk.ts';
import { quoteInput } from '../shared/feedback.ts';
import { SolveEpisode, type EndResult } from '../shared/solve-episode.ts';
import type { RecipeBook } from './instance.ts';
import { pairKey, pairText } from './recipes.ts';
import { observationText, rulesText } from './render.ts';
import type { AlchemyTask } from './task.ts';
import type { AlchemyView, Attempt, Discovery } from './view.ts';

/** Two names joined by '+', any case; names are capped in length so the regex stays linear. */
const ACTION = /^\s*([a-z]{1,20})\s*\+\s*([a-z]{1,20})\s*\.?\s*$/i;

export class AlchemyEpisode extends SolveEpisode {
  readonly maxTurns: number;
  /** Units held (Infinity when unlimited), in the order elements were first held. */
  private readonly inventory = new Map<string, number>();
  private readonly recipes: Discovery[] = [];
  private readonly failed: (readonly [string, string])[] = [];
  private readonly seen = new Set<string>();
  private last: Attempt | null = null;
  private turns = 0;

  constructor(
    readonly taskId: string,
    private readonly book: RecipeBook,
    private readonly task: AlchemyTask,
    maxTurns: number,
    private readonly rendering: Rendering,
  ) {
    super();
    this.maxTurns = maxTurns;
    for (const name of book.tiers[0]) this.inventory.set(name, task.baseCount ?? Infinity);
  }

  rules(): string {
    return rulesText(this.rendering, {
      base: this.book.tiers[0],
      target: this.task.target,
      targetTier: this.task.targetTier,
      baseCount: this.task.baseCount,
      maxTurns: this.maxTurns,
    });
  }

  observation(): string {
    return observationText(this.rendering, this.view());
  }

  turnsUsed(): number {
    return this.turns;
  }

  view(): AlchemyView {
    return {
      domain: 'alchemy',
      taskId: this.taskId,
      turn: this.turns,
      maxTurns: this.maxTurns,
      target: this.task.target,
      targetTier: this.task.targetTier,
      limited: this.task.baseCount !== null,
      inventory: [...this.inventory].map(([name, count]) => ({
        name,
        tier: this.book.elements.get(name)?.tier ?? 0,
        count: Number.isFinite(count) ? count : null,
      })),
      recipes: this.recipes.slice(),
      failed: this.failed.slice(),
      last: this.last,
      made: this.inventory.has(this.task.target),
      done: this.end !== undefined,
    };
  }

  protected play(action: string): StepResult {
    const m = typeof action === 'string' ? ACTION.exec(action) : null;
    if (!m) {
      return this.closeShaped(
        'format_error',
        `Format error: could not parse the combination ${quoteInput(action)}. ` +
          'Expected <answer>a + b</answer> with two element names. Game over.',
      );
    }
    const a = m[1].toLowerCase();
    const b = m[2].toLowerCase();
    for (const name of [a, b]) {
      if (!this.inventory.has(name)) {
        return this.closeShaped('illegal_action', `Illegal action: ${name} is not in your inventory. Game over.`);
      }
    }
    const need = a === b ? 2 : 1;
    if ((this.inventory.get(a) ?? 0) < need || (this.inventory.get(b) ?? 0) < 1) {
      const short = (this.inventory.get(a) ?? 0) < need ? a : b;
      return this.closeShaped('out_of_resources', `Failed: not enough ${short} left for ${pairText(a, b)}. Game over.`);
    }
    this.turns++;
    this.inventory.set(a, (this.inventory.get(a) ?? 0) - 1);
    this.inventory.set(b, (this.inventory.get(b) ?? 0) - 1);
    const key = pairKey(a, b);
    const product = this.book.products.get(key) ?? null;
    if (product === null) {
      this.last = { a, b, product: null, tier: null, isNew: false };
      if (!this.seen.has(key)) this.failed.push(a <= b ? [a, b] : [b, a]);
    } else {
      const tier = this.book.elements.get(product)?.tier ?? 0;
      const isNew = !this.inventory.has(product);
      this.inventory.set(product, (this.inventory.get(product) ?? 0) + (this.task.baseCount === null ? Infinity : 1));
      this.last = { a, b, product, tier, isNew };
      if (!this.seen.has(key)) this.recipes.push(a <= b ? { a, b, product, tier } : { a: b, b: a, product, tier });
    }
    this.seen.add(key);
    if (product === this.task.target) {
      return this.closeShaped('success', `Success: created the target ${this.task.target} in ${this.turns} rounds.`);
    }
    if (this.turns >= this.maxTurns) {
      return this.closeShaped(
        'out_of_turns',
        `Failed: ran out of rounds (${this.maxTurns}) without creating ${this.task.target}.`,
      );
    }
    if (!this.canCombine()) {
      return this.closeShaped('out_of_resources', `Failed: out of materials before creating ${this.task.target}.`);
    }
    return { done: false, observation: this.observation() };
  }

  protected failFormat(reason: string): EndResult {
    return this.closeShaped(
      'format_error',
      `Format error: ${String(reason).slice(0, 200)}. Expected <answer>a + b</answer>. Game over.`,
    );
  }

  /** Whether any combination is still possible (two units in total). */
  private canCombine(): boolean {
    let units = 0;
    for (const n of this.inventory.values()) units += n;
    return units >= 2;
  }
}
