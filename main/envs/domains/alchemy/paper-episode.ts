/**
 * The paper's Alchemy-Random episode (presets 'paper', 'paper-hard'), as the reference plays it
 * (shiweijiezero/Trinity-RFT @ 622ba7ee, trinity/common/workflows/connect_the_dots/alchemy/):
 * - workflow_random.py, CoDRandomAlchemyWorkflow: parse_action (exactly two non-empty '+'-separated names, else a
 *   format error that ends the game), names matched to the inventory case-insensitively, _build_action_feedback (an
 *   element not held, or too few copies, wastes the round and the game goes on), _get_feedback, _build_tier_info
 *   (every element of the instance listed by tier in the system prompt);
 * - env.py, AlchemyEnv.step / _finish_step / get_feasible_actions: every round counts, limited materials are
 *   consumed on every valid attempt, the game ends on the target, the round limit or no feasible pair;
 * - prompts/system.jinja2 and prompts/user.jinja2 (trim_blocks, lstrip_blocks; show_tiers on, recipes and element
 *   list hidden, obfuscate_names on): the chat text below. No per-turn list of discovered recipes: the user turn
 *   shows the round, the last feedback, the target and the inventory;
 * - base_workflow.py @ 1d7fae4a, reward_async: on success 1 - 0.1 · (rounds / max_rounds), else 0.
 * The compact rendering keeps the workbench's terse text for the same state.
 */
import type { Rendering, StepResult } from '../../sdk.ts';
import { SolveEpisode, type EndResult } from '../shared/solve-episode.ts';
import { recipeKey, type PaperAlchemyTask, type PaperRecipeBook } from './paper-instance.ts';
import { observationText, rulesText } from './render.ts';
import type { AlchemyView, Attempt, Discovery } from './view.ts';

export const PAPER_FORMAT_ERROR =
  'Invalid format: could not parse combination. Expected format: {your reasoning process here}' +
  '<answer>Element1 + Element2</answer>. Game over.';

/** _build_tier_info: "- tier t: a, b" per tier in generation order, then the target's tier. */
export function paperTierInfo(book: PaperRecipeBook, target: string): string {
  const lines = book.tiers.map((names, t) => `- tier ${t}: ${names.join(', ')}`);
  lines.push(`\nThe target element '${target}' is at tier ${book.tierOf.get(target) ?? '?'}.`);
  return lines.join('\n');
}

/** system.jinja2 as rendered for show_tiers, obfuscate_names, recipes and element list hidden. */
export function paperRulesText(target: string, tierInfo: string, limited: boolean): string {
  return [
    `You are in an Alchemy crafting environment. Your goal is to synthesize the target element "${target}" by combining elements in your inventory.`,
    '',
    '## Game Mechanics',
    '',
    "There exists a fixed set of recipes. Each recipe takes exactly two input elements and produces one output element. A recipe's two inputs can be the same or different elements, and can be from different tiers.",
    '',
    '- **Combination**: Each round, choose two elements from your inventory to combine. If the pair matches a valid recipe, the result is added to your inventory. If not, nothing is produced.',
    "- **Tier system**: Every element has a tier. Every recipe produces a result whose tier is strictly higher than both inputs' tiers.",
    limited
      ? '- **Consumption**: Every attempt consumes 1 copy of each input element, whether it succeeds or fails. If both inputs are the same element, 2 copies are consumed. Failed attempts lose materials with no result.'
      : '- **No consumption**: Elements are NOT consumed when used. You keep all elements after each attempt, whether it succeeds or fails. Newly discovered elements are permanently added to your inventory.',
    `- **Winning**: You win when "${target}" appears in your inventory.`,
    limited
      ? '- **Ending**: The game ends when you succeed, run out of materials, or reach the round limit.'
      : '- **Ending**: The game ends when you succeed or reach the round limit.',
    '- All element names in this Alchemy crafting environment have no correspondence to real-world concepts. Do not try to guess recipes based on element names. ',
    '',
    '## Hidden Clues About the Environment',
    'Recipes (i.e., which elements can be combined and which cannot) are unknown initially. You can try to discover them through experimentation, or based on additional hints provided in the context.',
    '',
    '## Element Tiers',
    '',
    tierInfo,
    '',
    '## Response Format',
    'First think about which combination of elements to try out in the current round, then provide your action using <answer>...</answer> tags at the end. Format your complete response as follows:',
    '```',
    '[THINKING]',
    '<answer>Element1 + Element2</answer>',
    '```',
    'where [THINKING] should be replaced with your thinking process, while Element1 and Element2 are elements (same or different) chosen from your inventory.',
    '',
    'Other requirements:',
    '- Be concise and avoid overthinking in your thinking process.',
    '- Take one and only one action for each round.',
    '- You should synthesize the target element within a limited number of rounds. Try to find a short path towards the goal, e.g., by leveraging recipes that have been revealed and avoiding combinations that are known to fail.',
    '- Balance exploration and exploitation: as you strive to reach the goal, you may acquire information about the environment along the way, which can be potentially helpful for solving other similar tasks later on.',
    '',
  ].join('\n');
}

/** user.jinja2. `inventory` holds units (1 each when unlimited). */
export function paperUserText(
  round: number,
  maxRounds: number,
  feedback: string | null,
  target: string,
  inventory: ReadonlyMap<string, number>,
  limited: boolean,
): string {
  const names = [...inventory.keys()].sort();
  const items = limited
    ? `Inventory (${[...inventory.values()].reduce((a, b) => a + b, 0)} total copies):\n` +
      names.map((n) => `- ${n} x${inventory.get(n)}\n`).join('')
    : 'Available elements in your inventory:\n' + names.map((n) => `- ${n}\n`).join('');
  return (
    `Round ${round}/${maxRounds}\n${feedback ? `\n${feedback}\n` : ''}\nTarget: ${target}\n\n${items}` +
    '\nChoose two elements available in your inventory to combine.'
  );
}

export class PaperAlchemyEpisode extends SolveEpisode {
  private readonly inventory = new Map<string, number>();
  private readonly recipes: Discovery[] = [];
  private readonly failed: (readonly [string, string])[] = [];
  private readonly seen = new Set<string>();
  private feedback: string | null = null;
  private last: Attempt | null = null;
  private rounds = 0;

  constructor(
    readonly taskId: string,
    private readonly book: PaperRecipeBook,
    private readonly task: PaperAlchemyTask,
    readonly maxTurns: number,
    private readonly limited: boolean,
    private readonly rendering: Rendering,
  ) {
    super();
    for (const name of book.tiers[0]) this.inventory.set(name, task.baseCount);
  }

  private targetTier(): number {
    return this.book.tierOf.get(this.task.target) ?? 0;
  }

  rules(): string {
    if (this.rendering === 'chat') {
      return paperRulesText(this.task.target, paperTierInfo(this.book, this.task.target), this.limited);
    }
    return rulesText('compact', {
      base: this.book.tiers[0],
      target: this.task.target,
      targetTier: this.targetTier(),
      baseCount: this.limited ? this.task.baseCount : null,
      maxTurns: this.maxTurns,
    });
  }

  observation(): string {
    if (this.rendering === 'chat') {
      return paperUserText(
        this.rounds + 1,
        this.maxTurns,
        this.feedback,
        this.task.target,
        this.inventory,
        this.limited,
      );
    }
    return observationText('compact', this.view());
  }

  turnsUsed(): number {
    return this.rounds;
  }

  view(): AlchemyView {
    return {
      domain: 'alchemy',
      taskId: this.taskId,
      turn: this.rounds,
      maxTurns: this.maxTurns,
      target: this.task.target,
      targetTier: this.targetTier(),
      limited: this.limited,
      inventory: [...this.inventory.keys()].sort().map((name) => ({
        name,
        tier: this.book.tierOf.get(name) ?? 0,
        count: this.limited ? (this.inventory.get(name) ?? 0) : null,
      })),
      recipes: this.recipes.slice(),
      failed: this.failed.slice(),
      last: this.last,
      made: this.inventory.has(this.task.target),
      done: this.end !== undefined,
    };
  }

  /** The inventory's own spelling of a name typed in any case, or the name as typed when it is not held. */
  private canonical(name: string): string {
    const lower = name.toLowerCase();
    for (const held of this.inventory.keys()) if (held.toLowerCase() === lower) return held;
    return name;
  }

  protected play(action: string): StepResult {
    const parts = typeof action === 'string' ? action.trim().split('+') : [];
    if (parts.length !== 2 || parts.some((p) => p.trim() === '')) {
      return this.closeShaped('format_error', PAPER_FORMAT_ERROR);
    }
    const a = this.canonical(parts[0].trim());
    const b = this.canonical(parts[1].trim());
    this.rounds++;
    const has = (n: string) => this.inventory.get(n) ?? 0;
    const invalid = this.limited && a === b ? has(a) < 2 : has(a) < 1 || has(b) < 1;
    if (invalid) {
      this.last = null;
      this.feedback =
        has(a) < 1 && has(b) < 1
          ? `'${a}' and '${b}' are not in your inventory.`
          : has(a) < 1
            ? `'${a}' is not in your inventory.`
            : has(b) < 1
              ? `'${b}' is not in your inventory.`
              : a === b
                ? `Not enough '${a}' (need 2, have ${has(a)}).`
                : `Not enough materials for '${a}' + '${b}'.`;
      return this.afterRound();
    }
    if (this.limited) {
      this.inventory.set(a, has(a) - 1);
      this.inventory.set(b, has(b) - 1);
      for (const n of [a, b]) if (has(n) <= 0) this.inventory.delete(n);
    }
    const key = recipeKey(a.toLowerCase(), b.toLowerCase());
    const product = this.book.recipes.get(key) ?? null;
    const [x, y] = a <= b ? [a, b] : [b, a];
    if (product === null) {
      this.last = { a: x, b: y, product: null, tier: null, isNew: false };
      if (!this.seen.has(key)) this.failed.push([x, y]);
      this.feedback = this.limited
        ? `${a} + ${b} — nothing happened. Materials consumed.`
        : `${a} + ${b} — nothing happened.`;
    } else {
      const tier = this.book.tierOf.get(product) ?? 0;
      this.last = { a: x, b: y, product, tier, isNew: !this.inventory.has(product) };
      this.inventory.set(product, this.limited ? has(product) + 1 : 1);
      if (!this.seen.has(key)) this.recipes.push({ a: x, b: y, product, tier });
      this.feedback = `You combined ${a} + ${b} and created: ${product}!`;
    }
    this.seen.add(key);
    return this.afterRound();
  }

  /** _finish_step, then the workflow's final feedback when the game is over. */
  private afterRound(): StepResult {
    const target = this.task.target;
    if (this.inventory.has(target)) return this.closeShaped('success', `Success! Synthesized ${target}.`);
    if (!this.feasible()) {
      return this.closeShaped(
        'out_of_resources',
        `Failed: Ran out of materials. Could not synthesize ${target}. Used ${this.rounds} rounds.`,
      );
    }
    if (this.rounds >= this.maxTurns) {
      return this.closeShaped(
        'out_of_turns',
        `Failed: Ran out of rounds (${this.rounds}/${this.maxTurns}). Could not synthesize ${target}.`,
      );
    }
    return { done: false, observation: this.observation() };
  }

  /** get_feasible_actions is non-empty: two different elements held, or one held twice (always, unlimited). */
  private feasible(): boolean {
    if (!this.limited) return this.inventory.size > 0;
    return this.inventory.size >= 2 || [...this.inventory.values()].some((n) => n >= 2);
  }

  protected failFormat(): EndResult {
    return this.closeShaped('format_error', PAPER_FORMAT_ERROR);
  }
}
