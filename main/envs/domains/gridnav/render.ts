/** GridNav text in the two styles; both carry the round, positions, last move, running mean and the map. */
import type { Rendering } from '../../sdk.ts';
import { cellText, renderNumberGrid } from '../shared/grid.ts';
import type { GridNavView } from './view.ts';

export function rulesText(rendering: Rendering, v: { rounds: number; radius: number; persistent: boolean }): string {
  const kept = v.persistent ? 'kept for later tasks' : 'shown for this task only';
  if (rendering === 'compact') {
    return [
      `GridNav. Exactly ${v.rounds} rounds; each: <answer>row,col</answer>, a cell in your row or column (rook move).`,
      'Entered cells = crossed cells + destination. Reward if at target after the last round: 1 - mean(entered cost)/100; else 0.',
      `Costs 0-99, ? unknown; cells within ${v.radius} of an entered cell get revealed (${kept}).`,
    ].join('\n');
  }
  return [
    'You are navigating a square grid in which every cell has a fixed cost from 0 to 99.',
    '',
    '## Grid and observations',
    '- Rows and columns are numbered from 0. Unknown costs are shown as `?`.',
    `- After each move, every cell within Chebyshev distance ${v.radius} of a cell you entered is revealed.`,
    v.persistent
      ? '- All tasks in this environment share the same cost grid, and revealed costs stay revealed for later tasks.'
      : '- All tasks in this environment share the same cost grid; revealed costs are shown for this task only.',
    '',
    '## Movement',
    `- The task has exactly ${v.rounds} rounds and you make one move per round.`,
    '- A move goes to any other cell in the same row or the same column as your current position.',
    '- The entered cells of a move are every cell crossed plus the destination (not the cell you leave).',
    '- Reaching the target early does not end the task: you must be on the target when the last round ends.',
    '',
    '## Reward',
    '- If you end the last round on the target: reward = 1 - (mean cost of all entered cells) / 100, where',
    '  cells entered more than once count each time. Otherwise the reward is 0.',
    '- The mean, not the total, counts: a longer route through cheap cells can beat a short expensive one.',
    '- An unparsable or illegal move ends the task with reward 0.',
    '',
    '## Response format',
    'Think briefly, then give exactly one destination as `<answer>row,col</answer>`.',
  ].join('\n');
}

function meanText(v: GridNavView): string {
  return v.enteredCount === 0 ? '-' : (v.enteredCostSum / v.enteredCount).toFixed(2);
}

export function moveText(rendering: Rendering, v: GridNavView): string {
  const path = v.lastPath.map(cellText);
  if (rendering === 'compact') return `moved ${path.join('->')} mean ${meanText(v)}/${v.enteredCount}`;
  return (
    `You moved to ${path.at(-1) ?? '?'} through ${path.length} entered cells: ${path.join(' -> ')}. ` +
    `Mean cost of entered cells so far: ${meanText(v)} (${v.enteredCount} cells).`
  );
}

export function mapText(rendering: Rendering, v: GridNavView): string {
  return renderNumberGrid(v.costs, rendering);
}

export function observationText(rendering: Rendering, v: GridNavView): string {
  const last = v.lastPath.length > 0 ? [moveText(rendering, v)] : [];
  if (rendering === 'compact') {
    return [
      `${v.done ? 'end' : 'round'} ${v.done ? v.turn : v.turn + 1}/${v.maxTurns} at ${cellText(v.position)} target ${cellText(v.goal)}`,
      ...last,
      mapText(rendering, v),
    ].join('\n');
  }
  return [
    v.done ? `Finished after ${v.turn}/${v.maxTurns} rounds.` : `Round ${v.turn + 1}/${v.maxTurns}`,
    ...last,
    `Current position: ${cellText(v.position)}. Target position: ${cellText(v.goal)}.`,
    'Observed cost grid:',
    mapText(rendering, v),
    ...(v.done ? [] : ['Choose one legal destination for this round.']),
  ].join('\n');
}
