/**
 * Alchemy text in the two styles. Both show the target and its tier, the round, the inventory with tiers
 * (and counts when materials are limited), the last attempt, and this task's discoveries and failures.
 */
import type { Rendering } from '../../sdk.ts';
import { pairText } from './recipes.ts';
import type { AlchemyView, Attempt, InventoryItem } from './view.ts';

export function rulesText(
  rendering: Rendering,
  v: { base: readonly string[]; target: string; targetTier: number; baseCount: number | null; maxTurns: number },
): string {
  const materials =
    v.baseCount === null
      ? 'unlimited'
      : `limited: ${v.baseCount} of each base element; every attempt uses up its two inputs, success or not`;
  if (rendering === 'compact') {
    return [
      `Alchemy. Combine 2 inventory elements: <answer>a + b</answer>. Make the target within ${v.maxTurns} rounds.`,
      'Hidden recipes; a tier-t element comes from a tier t-1 element plus one of tier <= t-1; some products are dead ends.',
      `base t0: ${v.base.join(' ')}`,
      `target ${v.target} t${v.targetTier}`,
      `materials ${v.baseCount === null ? 'unlimited' : `${v.baseCount} each, attempts consume inputs`}`,
    ].join('\n');
  }
  return [
    'You are an alchemist. Combine elements to create a target element.',
    '',
    '## Elements and recipes',
    '- Every element has a tier. Base elements are tier 0 and start in your inventory.',
    '- A recipe combines two elements (order does not matter; an element may be combined with itself) into a',
    '  new one. An element of tier t is made from one element of tier t-1 and another of tier t-1 or lower.',
    '- The recipes are hidden and the names carry no meaning; most combinations make nothing. Some products',
    '  are dead ends that are not an input of any recipe.',
    '',
    '## This task',
    `- Base elements (tier 0): ${v.base.join(', ')}.`,
    `- Target: ${v.target} (tier ${v.targetTier}).`,
    `- Materials: ${materials}.`,
    `- You have ${v.maxTurns} rounds; each round is one combination. Products go into your inventory.`,
    '- Creating the target earns reward 1 (slightly less the more rounds it took); otherwise the reward is 0.',
    '',
    '## Response format',
    'Think briefly, then give exactly one combination of two inventory elements as `<answer>a + b</answer>`.',
  ].join('\n');
}

function item(rendering: Rendering, it: InventoryItem): string {
  if (rendering === 'compact') return `${it.name}:t${it.tier}${it.count === null ? '' : `x${it.count}`}`;
  return `${it.name} (tier ${it.tier}${it.count === null ? '' : `, ${it.count} left`})`;
}

export function attemptText(rendering: Rendering, a: Attempt): string {
  const pair = pairText(a.a, a.b);
  if (rendering === 'compact') {
    return a.product === null
      ? `last ${pair} = nothing`
      : `last ${pair} = ${a.product} t${a.tier}${a.isNew ? ' new' : ''}`;
  }
  if (a.product === null) return `You combined ${pair}: nothing happened (a failed combination).`;
  return `You combined ${pair} and created ${a.product} (tier ${a.tier})${a.isNew ? ', a new element' : ', which you already had'}.`;
}

export function observationText(rendering: Rendering, v: AlchemyView): string {
  const recipes = v.recipes.map((r) => `${pairText(r.a, r.b)} = ${r.product}`);
  const failed = v.failed.map(([a, b]) => pairText(a, b));
  if (rendering === 'compact') {
    return [
      `${v.done ? 'end' : 'round'} ${v.done ? v.turn : v.turn + 1}/${v.maxTurns} target ${v.target} t${v.targetTier} made:${v.made ? 'yes' : 'no'}`,
      ...(v.last ? [attemptText(rendering, v.last)] : []),
      `inv ${v.inventory.map((it) => item(rendering, it)).join(' ')}`,
      `ok ${recipes.join(', ') || '-'}`,
      `fail ${failed.join(', ') || '-'}`,
    ].join('\n');
  }
  return [
    v.done ? `Finished after ${v.turn}/${v.maxTurns} rounds.` : `Round ${v.turn + 1}/${v.maxTurns}.`,
    `Target: ${v.target} (tier ${v.targetTier}). Target created: ${v.made ? 'yes' : 'no'}.`,
    ...(v.last ? [attemptText(rendering, v.last)] : []),
    `Inventory: ${v.inventory.map((it) => item(rendering, it)).join(', ')}.`,
    `Discovered recipes this task: ${recipes.join('; ') || 'none yet'}.`,
    `Failed combinations this task: ${failed.join('; ') || 'none yet'}.`,
    ...(v.done ? [] : ['Choose your next combination.']),
  ].join('\n');
}
